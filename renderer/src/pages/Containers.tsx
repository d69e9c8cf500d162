// All containers, grouped by compose project, in a virtualized list that
// follows the engine's events.
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useMemo, useRef, useState } from 'react';
import type { ContainerSummary } from '../../../app/api/contract';
import { ErrorBox } from '../components/ErrorBox';
import { EngineGate, Empty, Loading } from '../components/States';
import { useContainers } from '../lib/useContainers';
import { ContainerActions } from './ContainerActions';

type Row =
  { kind: 'group'; project: string; count: number; running: number } | { kind: 'container'; c: ContainerSummary };

export function groupRows(list: ContainerSummary[], filter = ''): Row[] {
  const f = filter.trim().toLowerCase();
  const shown = f ? list.filter((c) => `${c.name} ${c.image} ${c.project ?? ''}`.toLowerCase().includes(f)) : list;
  const groups = new Map<string, ContainerSummary[]>();
  const loose: ContainerSummary[] = [];
  for (const c of shown) {
    if (c.project) groups.set(c.project, [...(groups.get(c.project) ?? []), c]);
    else loose.push(c);
  }
  const byName = (a: ContainerSummary, b: ContainerSummary) => a.name.localeCompare(b.name);
  const rows: Row[] = [];
  for (const p of [...groups.keys()].sort()) {
    const cs = groups.get(p)!.sort(byName);
    rows.push({ kind: 'group', project: p, count: cs.length, running: cs.filter((c) => c.state === 'running').length });
    for (const c of cs) rows.push({ kind: 'container', c });
  }
  if (groups.size && loose.length)
    rows.push({
      kind: 'group',
      project: '',
      count: loose.length,
      running: loose.filter((c) => c.state === 'running').length,
    });
  for (const c of loose.sort(byName)) rows.push({ kind: 'container', c });
  return rows;
}

export function ContainersPage() {
  return (
    <section className="page">
      <EngineGate what="containers">
        <ContainersList />
      </EngineGate>
    </section>
  );
}

const ROW = 48;

function ContainersList() {
  const { list, error } = useContainers();
  const [filter, setFilter] = useState('');
  const [actionError, setActionError] = useState<Error>();
  const rows = useMemo(() => (list ? groupRows(list, filter) : []), [list, filter]);
  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW,
    overscan: 12,
  });
  const running = list?.filter((c) => c.state === 'running').length ?? 0;

  return (
    <>
      <header className="page-header">
        <h1>Containers</h1>
        {list && (
          <span className="muted" data-testid="container-count">
            {list.length} total, {running} running
          </span>
        )}
        <input
          className="search"
          type="search"
          placeholder="Filter by name, image or project"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          aria-label="Filter containers"
        />
      </header>
      {actionError && <ErrorBox error={actionError} onDismiss={() => setActionError(undefined)} />}
      {error && !list && <ErrorBox error={error} />}
      {!list && !error && <Loading what="containers" />}
      {list && list.length === 0 && (
        <Empty title="No containers yet">
          Run one from the <a href="#/images">Images</a> page, or with the docker CLI:{' '}
          <code>docker run -d -p 8080:80 nginx</code>. It appears here at once.
        </Empty>
      )}
      {list && list.length > 0 && rows.length === 0 && <Empty title={`Nothing matches “${filter}”`} />}
      {list && rows.length > 0 && (
        <div className="table container-table" role="table" aria-label="Containers">
          <div className="thead" role="row">
            <span role="columnheader">Name</span>
            <span role="columnheader">Image</span>
            <span role="columnheader">Ports</span>
            <span role="columnheader">Status</span>
            <span role="columnheader" className="right">
              Actions
            </span>
          </div>
          <div className="tbody" ref={scroller} data-testid="container-scroller">
            <div style={{ height: v.getTotalSize(), position: 'relative' }}>
              {v.getVirtualItems().map((it) => {
                const r = rows[it.index];
                return (
                  <div
                    key={r.kind === 'group' ? `g:${r.project}` : r.c.id}
                    className="vrow"
                    style={{ transform: `translateY(${it.start}px)`, height: ROW }}
                  >
                    {r.kind === 'group' ? <GroupRow r={r} /> : <ContainerRow c={r.c} onError={setActionError} />}
                  </div>
                );
              })}
            </div>
          </div>
        </div>
      )}
    </>
  );
}

function GroupRow({ r }: { r: Extract<Row, { kind: 'group' }> }) {
  return (
    <div className="group-row" role="row">
      <span className="group-name">{r.project ? r.project : 'Other containers'}</span>
      <span className="muted">
        {r.project ? 'compose project · ' : ''}
        {r.running}/{r.count} running
      </span>
    </div>
  );
}

const ContainerRow = memo(function ContainerRow({ c, onError }: { c: ContainerSummary; onError(e: Error): void }) {
  return (
    <div className="trow" role="row" data-testid="container-row" data-name={c.name} data-state={c.state}>
      <span className="cell-name" role="cell">
        <span className={`dot state-${c.state}`} title={c.state} aria-label={c.state} />
        <a href={`#/containers/${encodeURIComponent(c.id)}`} className="name">
          {c.name}
        </a>
        {c.service && <span className="muted small-text"> {c.service}</span>}
      </span>
      <span className="cell-image muted" role="cell" title={c.image}>
        {c.image}
      </span>
      <span className="cell-ports" role="cell">
        {c.ports
          .filter((p) => p.publicPort)
          .map((p) => (
            <a
              key={`${p.privatePort}/${p.type}`}
              className="port"
              href={`http://localhost:${p.publicPort}/`}
              target="_blank"
              rel="noopener noreferrer"
              title={`Open localhost:${p.publicPort} in the browser`}
            >
              {p.publicPort}→{p.privatePort}
            </a>
          ))}
        {c.ports.filter((p) => !p.publicPort).length > 0 && (
          <span className="muted small-text">
            {c.ports
              .filter((p) => !p.publicPort)
              .map((p) => `${p.privatePort}/${p.type}`)
              .join(' ')}
          </span>
        )}
      </span>
      <span className="cell-status" role="cell" data-testid="container-status">
        {c.status || c.state}
      </span>
      <span className="cell-actions right" role="cell">
        <ContainerActions c={c} onError={onError} compact />
      </span>
    </div>
  );
});
