// The core's real start steps, as they happen.
import type { MachineProgress } from '../../../../app/api/contract';

/** One step of starting or stopping, as the contract's progress stream carries it. */
type Step = Extract<MachineProgress, { kind: 'step' }>['step'];

function latestSteps(progress: MachineProgress[]): { steps: Step[]; notes: string[] } {
  const byId = new Map<string, Step>();
  const notes: string[] = [];
  for (const p of progress) {
    if (p.kind === 'step') byId.set(p.step.id, p.step);
    else if (p.kind === 'status') {
      for (const s of p.status.steps) if (s.status !== 'pending' || !byId.has(s.id)) byId.set(s.id, s);
    } else if (p.kind === 'note') notes.push(p.note);
  }
  return { steps: [...byId.values()], notes };
}

const MARK: Record<Step['status'], string> = { pending: '○', running: '◐', done: '✓', failed: '✗' };

export function Steps({ progress }: { progress: MachineProgress[] }) {
  const { steps, notes } = latestSteps(progress);
  if (!steps.length && !notes.length) return null;
  return (
    <div className="steps card" aria-label="Progress" data-testid="machine-steps">
      <ol>
        {steps.map((s) => (
          <li key={s.id} className={`step step-${s.status}`}>
            <span className="step-mark" aria-hidden>
              {MARK[s.status]}
            </span>
            <span>{s.label}</span>
            {s.ms !== undefined && <span className="muted small-text"> {(s.ms / 1000).toFixed(1)} s</span>}
            {s.detail && <span className="muted small-text"> ({s.detail})</span>}
          </li>
        ))}
      </ol>
      {notes.map((n, i) => (
        <p key={i} className="muted small-text">
          {n}
        </p>
      ))}
    </div>
  );
}
