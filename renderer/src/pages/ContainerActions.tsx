// Start / stop / restart / pause / unpause / remove for one container.
import { useState } from 'react';
import type { ContainerSummary } from '../../../app/api/contract';
import { Confirm } from '../components/Confirm';
import { useApi } from '../lib/api-context';

type Action = 'start' | 'stop' | 'restart' | 'pause' | 'unpause' | 'remove';

export function ContainerActions({
  c,
  onError,
  compact,
}: {
  c: ContainerSummary;
  onError(e: Error): void;
  compact?: boolean;
}) {
  const api = useApi();
  const [busy, setBusy] = useState<Action>();
  const [confirm, setConfirm] = useState(false);
  const run = async (a: Action) => {
    setBusy(a);
    try {
      if (a === 'remove')
        await api.invoke('container.remove', { id: c.id, force: c.state === 'running' || c.state === 'paused' });
      else await api.invoke(`container.${a}`, { id: c.id });
    } catch (e) {
      onError(e as Error);
    } finally {
      setBusy(undefined);
    }
  };
  const running = c.state === 'running' || c.state === 'restarting';
  const paused = c.state === 'paused';
  const btn = (a: Action, label: string, extra = '') => (
    <button
      className={`small ${extra}`}
      disabled={busy !== undefined}
      onClick={() => (a === 'remove' ? setConfirm(true) : run(a))}
      aria-label={`${label} ${c.name}`}
      title={`${label} ${c.name}`}
    >
      {busy === a ? `${label}…` : label}
    </button>
  );
  return (
    <span className={`row-actions ${compact ? 'compact' : ''}`}>
      {!running && !paused && btn('start', 'Start')}
      {running && btn('stop', 'Stop')}
      {(running || paused) && btn('restart', 'Restart')}
      {running && btn('pause', 'Pause')}
      {paused && btn('unpause', 'Unpause')}
      {btn('remove', 'Remove', 'danger-text')}
      {confirm && (
        <Confirm
          title={`Remove ${c.name}?`}
          body={
            <p>
              The container {running || paused ? 'is running: it will be stopped and ' : 'will be '}deleted with its
              writable layer. Its image and named volumes stay.
            </p>
          }
          confirmLabel="Remove"
          onCancel={() => setConfirm(false)}
          onConfirm={() => {
            setConfirm(false);
            void run('remove');
          }}
        />
      )}
    </span>
  );
}
