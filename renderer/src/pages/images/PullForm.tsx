// Pull an image with one bar: the engine's per-layer progress, summed.
import { useEffect, useRef, useState } from 'react';
import type { PullProgress } from '../../../../app/api/contract';
import { ErrorBox } from '../../components/ErrorBox';
import { useApi } from '../../lib/api-context';
import { bytes } from '../../lib/format';

export function PullForm({ onPulled }: { onPulled(): void }) {
  const api = useApi();
  const [ref, setRef] = useState('');
  const [p, setP] = useState<PullProgress>();
  const [pulling, setPulling] = useState<string>();
  const [done, setDone] = useState<string>();
  const [error, setError] = useState<Error>();
  const sub = useRef<{ stop(): void } | undefined>(undefined);
  useEffect(() => () => sub.current?.stop(), []);

  const pull = (e: React.FormEvent) => {
    e.preventDefault();
    const image = ref.trim();
    if (!image) return;
    setError(undefined);
    setDone(undefined);
    setP(undefined);
    setPulling(image);
    sub.current = api.subscribe(
      'image.pull',
      { image },
      {
        onData: setP,
        onEnd: (err) => {
          setPulling(undefined);
          if (err) setError(err);
          else {
            setDone(image);
            setRef('');
            onPulled();
          }
        },
      },
    );
  };
  const pct = p && p.total > 0 ? Math.min(100, (p.current / p.total) * 100) : undefined;
  return (
    <form className="pull-form card" onSubmit={pull} aria-label="Image pull">
      <label htmlFor="pull-ref">Pull an image</label>
      <div className="pull-row">
        <input
          id="pull-ref"
          placeholder="e.g. alpine:3.20 or registry:5000/team/app:tag"
          value={ref}
          onChange={(e) => setRef(e.target.value)}
          disabled={Boolean(pulling)}
        />
        <button className="primary" type="submit" disabled={!ref.trim() || Boolean(pulling)}>
          {pulling ? 'Pulling…' : 'Pull'}
        </button>
        {pulling && (
          <button type="button" onClick={() => (sub.current?.stop(), setPulling(undefined))}>
            Cancel
          </button>
        )}
      </div>
      {pulling && (
        <div className="progress-block" data-testid="pull-progress">
          <progress max={100} value={pct} aria-label={`Pulling ${pulling}`} />
          <div className="muted small-text">
            {p && p.total > 0 ? `${bytes(p.current)} of ${bytes(p.total)} · ` : ''}
            {p ? `${p.layersDone}/${p.layers} layers · ${p.status}` : 'Asking the registry…'}
          </div>
        </div>
      )}
      {done && (
        <div className="notice ok" role="status" data-testid="pull-done">
          Pulled {done}.
        </div>
      )}
      {error && <ErrorBox error={error} onDismiss={() => setError(undefined)} />}
    </form>
  );
}
