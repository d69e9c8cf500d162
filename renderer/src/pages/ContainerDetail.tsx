// One container: logs, inspect, stats and a terminal.
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import type { ContainerSummary } from '../../../app/api/contract';
import { ErrorBox } from '../components/ErrorBox';
import { Empty, EngineGate, Loading } from '../components/States';
import { useApi } from '../lib/api-context';
import { useEngineEvents } from '../lib/engine';
import { ContainerActions } from './ContainerActions';
import { InspectView } from './detail/InspectView';
import { LogView } from './detail/LogView';

const StatsView = lazy(() => import('./detail/StatsView'));
const TerminalView = lazy(() => import('./detail/TerminalView'));

export type Tab = 'logs' | 'inspect' | 'stats' | 'terminal';
const TABS: { id: Tab; label: string }[] = [
  { id: 'logs', label: 'Logs' },
  { id: 'inspect', label: 'Inspect' },
  { id: 'stats', label: 'Stats' },
  { id: 'terminal', label: 'Terminal' },
];

export function ContainerDetailPage({ id, tab }: { id: string; tab: Tab }) {
  return (
    <section className="page page-detail">
      <EngineGate what="container">
        <Detail id={id} tab={tab} />
      </EngineGate>
    </section>
  );
}

function Detail({ id, tab }: { id: string; tab: Tab }) {
  const api = useApi();
  const [c, setC] = useState<ContainerSummary | null>();
  const [error, setError] = useState<Error>();
  const load = useCallback(() => {
    api.invoke('containers.list', { id }).then((xs) => setC(xs[0] ?? null), setError);
  }, [api, id]);
  useEffect(load, [load]);
  useEngineEvents(['container'], (e) => {
    if (e.id === c?.id && !/^(exec_|attach|resize|top)/.test(e.action)) load();
  });

  if (error) return <ErrorBox error={error} />;
  if (c === undefined) return <Loading what="the container" />;
  if (c === null)
    return (
      <Empty title="This container is gone">
        It was removed. Back to <a href="#/containers">all containers</a>.
      </Empty>
    );
  const running = c.state === 'running';
  return (
    <>
      <header className="page-header">
        <a href="#/containers" className="back" aria-label="Back to containers">
          ←
        </a>
        <h1>
          <span className={`dot state-${c.state}`} aria-hidden /> {c.name}
        </h1>
        <span className="muted" data-testid="detail-status">
          {c.image} · {c.status || c.state}
        </span>
        <span className="spacer" />
        <ContainerActions c={c} onError={setError} />
      </header>
      <nav className="tabs" role="tablist">
        {TABS.map((t) => (
          <a
            key={t.id}
            role="tab"
            aria-selected={t.id === tab}
            className={t.id === tab ? 'tab active' : 'tab'}
            href={`#/containers/${encodeURIComponent(id)}/${t.id}`}
          >
            {t.label}
          </a>
        ))}
      </nav>
      <div className="tab-body">
        {tab === 'logs' && <LogView key={`${c.id}:${running}`} id={c.id} />}
        {tab === 'inspect' && <InspectView id={c.id} />}
        <Suspense fallback={<Loading what={tab} />}>
          {tab === 'stats' &&
            (running ? (
              <StatsView id={c.id} />
            ) : (
              <Empty title="The container is not running">Start it to see its CPU and memory use.</Empty>
            ))}
          {tab === 'terminal' &&
            (running ? (
              <TerminalView id={c.id} />
            ) : (
              <Empty title="The container is not running">Start it to open a terminal inside.</Empty>
            ))}
        </Suspense>
      </div>
    </>
  );
}
