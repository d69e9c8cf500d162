// Designed states: loading, empty, and the engine not answering.
import { useState } from 'react';
import type { ReactNode } from 'react';
import { useApi } from '../lib/api-context';
import { useEngine } from '../lib/engine';
import { ErrorBox } from './ErrorBox';

export function Loading({ what }: { what: string }) {
  return (
    <div className="state state-loading" aria-busy="true">
      <div className="spinner" aria-hidden />
      <p>Loading {what}…</p>
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <h3>{title}</h3>
      {children && <div className="state-hint">{children}</div>}
    </div>
  );
}

/** Renders children only while the engine answers; otherwise the designed state that says what to do. */
export function EngineGate({ children, what }: { children: ReactNode; what: string }) {
  const { engine, machine, reconnect } = useEngine();
  const api = useApi();
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<{ message: string; code?: string; details?: string }>();
  if (engine.kind === 'up') return <>{children}</>;
  if (engine.kind === 'connecting') return <Loading what={what} />;
  if (engine.kind === 'nomachine') {
    return (
      <div className="state state-down">
        <h3>No machine yet</h3>
        <p>Berth runs Docker in a small virtual machine. Create it once, then your {what} show up here.</p>
        <a className="button primary" href="#/machine">
          Set up the machine
        </a>
      </div>
    );
  }
  const state = machine?.status.state;
  const start = async () => {
    setStarting(true);
    setError(undefined);
    try {
      await api.invoke('machine.start', {});
    } catch (e) {
      setError(e as Error);
    } finally {
      setStarting(false);
    }
  };
  return (
    <div className="state state-down" data-testid="engine-down">
      <h3>
        {state === 'running'
          ? 'The engine does not answer'
          : starting || state === 'starting'
            ? 'The machine is starting…'
            : 'The machine is stopped'}
      </h3>
      <p>
        {state === 'running'
          ? 'The machine runs but Docker inside it does not answer. Try again, or restart the machine.'
          : `Start the machine to see your ${what}.`}
      </p>
      <div className="row-actions">
        {state !== 'running' && (
          <button className="primary" disabled={starting || state === 'starting'} onClick={start}>
            {starting || state === 'starting' ? 'Starting…' : 'Start machine'}
          </button>
        )}
        <button onClick={reconnect}>Try again</button>
        <a className="button" href="#/machine">
          Machine details
        </a>
      </div>
      {error && <ErrorBox error={error} />}
      {!error && engine.kind === 'down' && engine.error.details && (
        <details className="quiet-details">
          <summary>Technical details</summary>
          <pre>{engine.error.details}</pre>
        </details>
      )}
    </div>
  );
}
