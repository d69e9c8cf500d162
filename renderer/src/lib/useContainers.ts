// The containers list, read once and then kept up to date by engine events:
// each event re-reads only the container it names. No polling.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ContainerSummary, EngineEvent } from '../../../app/api/contract';
import { useApi } from './api-context';
import { useEngine, useEngineEvents } from './engine';

/** Container actions that do not change what the list shows. */
const QUIET = /^(exec_|attach|resize|top|copy|archive-path|extract-to-dir|export|commit|kill)/;

const STATE_AFTER: Record<string, string> = {
  create: 'created',
  start: 'running',
  restart: 'running',
  unpause: 'running',
  pause: 'paused',
  die: 'exited',
  stop: 'exited',
};

/** The row as the event describes it, before the engine is asked for the details. */
export function fromEvent(c: ContainerSummary | undefined, e: EngineEvent): ContainerSummary | undefined {
  const state = STATE_AFTER[e.action];
  if (!state) return undefined;
  if (c)
    return c.state === state
      ? undefined
      : {
          ...c,
          state,
          status: state === 'running' ? 'Up' : state === 'paused' ? 'Paused' : state === 'exited' ? 'Exited' : c.status,
        };
  const a = e.attributes;
  return {
    id: e.id,
    name: a.name ?? e.id.slice(0, 12),
    image: a.image ?? '',
    state,
    status: state === 'created' ? 'Created' : state,
    created: Math.floor(e.timeNano / 1e9),
    ports: [],
    project: a['com.docker.compose.project'] || undefined,
    service: a['com.docker.compose.service'] || undefined,
  };
}

export function useContainers(): { list?: ContainerSummary[]; error?: Error; reload(): void } {
  const api = useApi();
  const { engine } = useEngine();
  const [map, setMap] = useState<Map<string, ContainerSummary>>();
  const [error, setError] = useState<Error>();
  const pending = useRef(new Set<string>());
  // Containers the engine said are destroyed. A read of one asked for before its `destroy` can
  // answer after it (the container was still "removing"), and must not bring the row back.
  const destroyed = useRef(new Set<string>());
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const reload = useCallback(() => {
    api.invoke('containers.list', {}).then(
      (xs) => {
        setMap(new Map(xs.map((c) => [c.id, c])));
        setError(undefined);
      },
      (e: Error) => setError(e),
    );
  }, [api]);

  useEffect(() => {
    if (engine.kind === 'up') reload();
  }, [engine.kind, reload]);

  const refresh = useCallback(
    (id: string) => {
      api.invoke('containers.list', { id }).then(
        (xs) =>
          setMap((m) => {
            if (destroyed.current.has(id)) return m;
            const next = new Map(m);
            if (xs.length) next.set(xs[0].id, xs[0]);
            else next.delete(id);
            return next;
          }),
        () => undefined,
      );
    },
    [api],
  );

  useEngineEvents(['container'], (e: EngineEvent) => {
    if (QUIET.test(e.action) || !e.id) return;
    if (e.action === 'destroy') {
      pending.current.delete(e.id);
      destroyed.current.add(e.id);
      setMap((m) => {
        const next = new Map(m);
        next.delete(e.id);
        return next;
      });
      return;
    }
    // Show what the event already says at once (a new row, a new state); the
    // details (status text, ports) follow from one read of that container.
    setMap((m) => {
      if (!m) return m;
      const patched = fromEvent(m.get(e.id), e);
      if (!patched) return m;
      const next = new Map(m);
      next.set(e.id, patched);
      return next;
    });
    // Events come in bursts (create, start; die, stop): read each container once per burst.
    pending.current.add(e.id);
    timer.current ??= setTimeout(() => {
      timer.current = undefined;
      const ids = [...pending.current];
      pending.current.clear();
      for (const id of ids) refresh(id);
    }, 15);
  });

  useEffect(() => () => clearTimeout(timer.current), []);

  return { list: map ? [...map.values()] : undefined, error, reload };
}
