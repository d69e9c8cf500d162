// The machine: state, resources, start/stop/restart with the core's steps,
// settings, the console log, and the first-run flow.
import { useEffect, useState } from 'react';
import type { SettingsView } from '../../../app/api/contract';
import { ErrorBox } from '../components/ErrorBox';
import { Loading } from '../components/States';
import { useApi } from '../lib/api-context';
import { useEngine } from '../lib/engine';
import { bytes } from '../lib/format';
import { PublishedPorts } from './machine/PublishedPorts';
import { SavedMemory } from './machine/SavedMemory';
import { SettingsForm } from './machine/SettingsForm';
import { Steps } from './machine/Steps';

type Busy = 'start' | 'stop' | 'shutdown' | 'restart' | 'create';

export function MachinePage() {
  const api = useApi();
  const { machine, engine, progress, setMachine } = useEngine();
  const [settings, setSettings] = useState<SettingsView>();
  const [busy, setBusy] = useState<Busy>();
  const [error, setError] = useState<Error>();
  const [restartNeeded, setRestartNeeded] = useState(false);
  const [saved, setSaved] = useState(false);
  const state = machine?.status.state;

  useEffect(() => {
    if (!state || state === 'not created') return;
    api.invoke('settings.get', {}).then(setSettings, setError);
  }, [api, state]);

  // The agent's status as the page opens; after that its status events keep the published ports current.
  useEffect(() => {
    api.invoke('machine.status', {}).then(setMachine, () => undefined);
  }, [api, setMachine]);

  const act = async (what: Busy, f: () => Promise<unknown>) => {
    setBusy(what);
    setError(undefined);
    try {
      await f();
      if (what === 'restart' || what === 'start') setRestartNeeded(false);
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(undefined);
      api.invoke('machine.status', {}).then(setMachine, () => undefined);
    }
  };

  if (!machine)
    return (
      <section className="page">
        <Loading what="the machine" />
      </section>
    );

  if (state === 'not created' || busy === 'create')
    return <FirstRun busy={busy} act={act} progress={progress} error={error} />;

  const st = machine.status;
  const shownState =
    busy === 'start' || busy === 'restart'
      ? 'starting'
      : busy === 'stop' || busy === 'shutdown'
        ? 'stopping'
        : st.state;
  const problem = st.agent?.error ?? st.lastError;
  return (
    <section className="page">
      <header className="page-header">
        <h1>Machine “{machine.name}”</h1>
        <span className={`badge state-badge state-${shownState.replace(' ', '-')}`} data-testid="machine-state">
          {shownState}
        </span>
        <span className="spacer" />
        {(st.state === 'stopped' || st.state === 'broken') && (
          <button
            className="primary"
            disabled={Boolean(busy)}
            onClick={() => act('start', () => api.invoke('machine.start', {}))}
          >
            {busy === 'start' ? 'Starting…' : 'Start'}
          </button>
        )}
        {(st.state === 'running' || st.state === 'starting' || st.state === 'broken') && (
          <button
            disabled={Boolean(busy)}
            title="Saves the machine's memory: Start resumes it where it stopped, in seconds"
            onClick={() => act('stop', () => api.invoke('machine.stop', {}))}
          >
            {busy === 'stop' ? 'Stopping…' : 'Stop'}
          </button>
        )}
        {st.state === 'running' && (
          <button
            disabled={Boolean(busy)}
            title="Stops the engine and the machine: the next start boots afresh"
            onClick={() => act('shutdown', () => api.invoke('machine.stop', { shutdown: true }))}
          >
            {busy === 'shutdown' ? 'Shutting down…' : 'Shut down'}
          </button>
        )}
        {st.state === 'running' && (
          <button disabled={Boolean(busy)} onClick={() => act('restart', () => api.invoke('machine.restart', {}))}>
            {busy === 'restart' ? 'Restarting…' : 'Restart'}
          </button>
        )}
      </header>
      {st.reason && <p className="muted">{st.reason}</p>}
      {error && <ErrorBox error={error} onDismiss={() => setError(undefined)} />}
      {!error && problem && st.state !== 'running' && (
        <ErrorBox error={{ message: `Last start failed: ${problem.message}`, details: problem.details }} />
      )}
      {(busy === 'start' || busy === 'restart') && <Steps progress={progress} />}
      {st.state === 'stopped' && st.saved && (
        <SavedMemory
          saved={st.saved}
          busy={Boolean(busy)}
          onForget={() => act('shutdown', () => api.invoke('machine.stop', { shutdown: true }))}
        />
      )}
      {restartNeeded && st.state === 'running' && (
        <div className="notice warn" role="status" data-testid="restart-notice">
          Saved. The machine is running: restart it for the new settings to apply.{' '}
          <button disabled={Boolean(busy)} onClick={() => act('restart', () => api.invoke('machine.restart', {}))}>
            Restart now
          </button>
        </div>
      )}
      {saved && !restartNeeded && (
        <div className="notice ok" role="status">
          Settings saved.
        </div>
      )}
      <div className="cards">
        <Card label="Architecture" value={st.arch ?? '—'} />
        <Card
          label="Hypervisor"
          value={st.driver === 'virtualbox' ? 'VirtualBox' : st.driver === 'qemu' ? 'QEMU' : '—'}
        />
        <Card label="CPUs" value={st.cpus ?? '—'} />
        <Card label="Memory" value={st.memoryMiB ? `${st.memoryMiB} MiB` : '—'} />
        <Card
          label="Disk"
          value={st.diskGiB ? `${st.diskGiB} GiB` : '—'}
          sub={
            machine.diskFileBytes !== undefined ? `${bytes(machine.diskFileBytes)} used on this computer` : undefined
          }
        />
        {engine.kind === 'up' && engine.info.diskUse && (
          <Card
            label="Docker data"
            value={bytes(
              engine.info.diskUse.images +
                engine.info.diskUse.containers +
                engine.info.diskUse.volumes +
                engine.info.diskUse.buildCache,
            )}
            sub={`images ${bytes(engine.info.diskUse.images)} · volumes ${bytes(engine.info.diskUse.volumes)}`}
          />
        )}
        {engine.kind === 'up' && (
          <Card
            label="Engine"
            value={`Docker ${engine.info.serverVersion}`}
            sub={st.agent?.accel ? `accelerator: ${st.agent.accel}` : engine.info.kernel}
          />
        )}
      </div>
      {st.dockerHost && (
        <p className="muted">
          Use it from a terminal: <code>export DOCKER_HOST={st.dockerHost}</code>
        </p>
      )}
      {st.state === 'running' && st.agent && (
        <>
          <h2>Published ports</h2>
          <PublishedPorts ports={st.agent.ports ?? []} />
        </>
      )}
      <h2>Settings</h2>
      {settings ? (
        <>
          {settings.warnings.map((w) => (
            <div key={w} className="notice warn">
              {w}
            </div>
          ))}
          <SettingsForm
            view={settings}
            running={st.state === 'running'}
            onSave={async (change) => {
              const r = await api.invoke('settings.set', { change });
              setSettings(r);
              setRestartNeeded(r.restartNeeded);
              setSaved(true);
              api.invoke('machine.status', {}).then(setMachine, () => undefined);
            }}
          />
        </>
      ) : (
        <Loading what="settings" />
      )}
      <ConsoleTail />
    </section>
  );
}

function Card({ label, value, sub }: { label: string; value: React.ReactNode; sub?: string }) {
  return (
    <div className="card stat">
      <div className="muted">{label}</div>
      <div className="big">{value}</div>
      {sub && <div className="muted small-text">{sub}</div>}
    </div>
  );
}

function ConsoleTail() {
  const api = useApi();
  const [text, setText] = useState<{ console: string; agent: string }>();
  const [error, setError] = useState<Error>();
  const [which, setWhich] = useState<'console' | 'agent'>('console');
  const load = () => api.invoke('machine.console', { lines: 200 }).then(setText, setError);
  return (
    <div className="console">
      <h2>Logs</h2>
      <div className="toolbar">
        <button onClick={load}>{text ? 'Refresh' : 'Show the VM console and agent log'}</button>
        {text && (
          <select value={which} onChange={(e) => setWhich(e.target.value as typeof which)} aria-label="Which log">
            <option value="console">VM console</option>
            <option value="agent">Host agent</option>
          </select>
        )}
      </div>
      {error && <ErrorBox error={error} />}
      {text && (
        <pre className="console-text" data-testid="console-text">
          {text[which] || '(empty)'}
        </pre>
      )}
    </div>
  );
}

function FirstRun({
  busy,
  act,
  progress,
  error,
}: {
  busy?: Busy;
  act(what: Busy, f: () => Promise<unknown>): Promise<void>;
  progress: import('../../../app/api/contract').MachineProgress[];
  error?: Error;
}) {
  const api = useApi();
  const [view, setView] = useState<SettingsView>();
  const [loadError, setLoadError] = useState<Error>();
  useEffect(() => {
    // The defaults and ranges come from the same schema the core validates with.
    api.invoke('settings.get', {}).then(setView, setLoadError);
  }, [api]);
  return (
    <section className="page first-run">
      <header className="page-header">
        <h1>Welcome to Berth</h1>
      </header>
      <p>
        Berth runs Docker in a small virtual machine on this computer. Choose its hypervisor and its size (the size can
        change later), then create and start it. The first start takes a little longer.
      </p>
      {busy === 'create' ? (
        <>
          <p className="muted" data-testid="first-run-busy">
            Creating and starting the machine…
          </p>
          <Steps progress={progress} />
        </>
      ) : (
        view && (
          <SettingsForm
            view={view}
            running={false}
            isNew
            submitLabel="Create and start"
            onSave={(change) =>
              act('create', async () => {
                await api.invoke('machine.create', { settings: change });
                await api.invoke('machine.start', {});
              })
            }
          />
        )
      )}
      {(error ?? loadError) && <ErrorBox error={(error ?? loadError)!} />}
    </section>
  );
}
