// The one subscription to the engine's events, shared by every page, and the
// machine's state as the service reports it. Nothing here polls: the engine
// is asked once when the dashboard opens (and when the machine becomes
// running); after that only events move the lists.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { ApiCallError } from '../../../app/api/client';
import type { EngineEvent, EngineInfo, MachineInfo, MachineProgress } from '../../../app/api/contract';
import { useApi } from './api-context';

export type EngineState =
  | { kind: 'connecting' }
  | { kind: 'up'; info: EngineInfo }
  | { kind: 'down'; error: ApiCallError }
  | { kind: 'nomachine' };

interface EngineContextValue {
  engine: EngineState;
  machine?: MachineInfo;
  /** Progress of a start/stop under way, as the core reports it. */
  progress: MachineProgress[];
  onEvent(cb: (e: EngineEvent) => void): () => void;
  reconnect(): void;
  setMachine(m: MachineInfo): void;
}

const EngineContext = createContext<EngineContextValue | null>(null);

export function useEngine(): EngineContextValue {
  const v = useContext(EngineContext);
  if (!v) throw new Error('useEngine outside <EngineProvider>');
  return v;
}

/** Calls `cb` for each engine event of the given types, for as long as the component lives. */
export function useEngineEvents(types: string[], cb: (e: EngineEvent) => void): void {
  const { onEvent } = useEngine();
  const ref = useRef(cb);
  useEffect(() => {
    ref.current = cb;
  });
  const key = types.join(',');
  useEffect(() => onEvent((e) => (key.split(',').includes(e.type) ? ref.current(e) : undefined)), [onEvent, key]);
}

export function EngineProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const [engine, setEngine] = useState<EngineState>({ kind: 'connecting' });
  const [machine, setMachine] = useState<MachineInfo>();
  const [progress, setProgress] = useState<MachineProgress[]>([]);
  const listeners = useRef(new Set<(e: EngineEvent) => void>());
  const sub = useRef<{ stop(): void } | undefined>(undefined);
  const generation = useRef(0);

  const connect = useCallback(async () => {
    const gen = ++generation.current;
    sub.current?.stop();
    sub.current = undefined;
    setEngine({ kind: 'connecting' });
    try {
      const m = await api.invoke('machine.status', {});
      if (gen !== generation.current) return;
      setMachine(m);
      if (m.status.state === 'not created') return setEngine({ kind: 'nomachine' });
      // Follow events first, then read the state: nothing happens unseen in between.
      sub.current = api.subscribe(
        'engine.events',
        {},
        {
          onData: (e) => {
            for (const l of listeners.current) l(e);
          },
          onEnd: (err) => {
            if (gen !== generation.current) return;
            if (err) setEngine({ kind: 'down', error: err });
          },
        },
      );
      const info = await api.invoke('engine.info', {});
      if (gen === generation.current) setEngine({ kind: 'up', info });
    } catch (e) {
      if (gen !== generation.current) return;
      const err = e as ApiCallError;
      setEngine(err.code === 'ENOMACHINE' ? { kind: 'nomachine' } : { kind: 'down', error: err });
    }
  }, [api]);

  useEffect(() => {
    const gen = generation;
    // Connecting is this effect's job: it shows "connecting" at once, then what the machine says.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void connect();
    const s = api.subscribe(
      'machine.progress',
      {},
      {
        onData: (p) => {
          if (p.kind === 'state') {
            setMachine(p.info);
            setProgress([]);
            if (p.info.status.state === 'running') void connect();
            else {
              generation.current++;
              sub.current?.stop();
              sub.current = undefined;
              setEngine(
                p.info.status.state === 'not created'
                  ? { kind: 'nomachine' }
                  : {
                      kind: 'down',
                      error: Object.assign(
                        new Error('The machine is stopped. Start it to see containers, images and volumes.'),
                        {
                          code: 'ENGINE_UNREACHABLE',
                          name: 'ApiCallError',
                        },
                      ),
                    },
              );
            }
          } else {
            setProgress((xs) => [...xs, p]);
            // The agent's own state while it works (starting, stopping): the badge follows it.
            if (p.kind === 'status')
              setMachine((m) => (m ? { ...m, status: { ...m.status, state: p.status.state, agent: p.status } } : m));
          }
        },
      },
    );
    return () => {
      s.stop();
      sub.current?.stop();
      gen.current++;
    };
  }, [api, connect]);

  const onEvent = useCallback((cb: (e: EngineEvent) => void) => {
    listeners.current.add(cb);
    return () => void listeners.current.delete(cb);
  }, []);

  const value = useMemo(
    () => ({ engine, machine, progress, onEvent, reconnect: () => void connect(), setMachine }),
    [engine, machine, progress, onEvent, connect],
  );
  return <EngineContext.Provider value={value}>{children}</EngineContext.Provider>;
}
