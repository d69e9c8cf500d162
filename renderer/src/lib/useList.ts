// A list read once when the engine answers, and re-read when an event of the
// given types says it changed (debounced: a burst of events is one read).
import { useCallback, useEffect, useRef, useState } from 'react';
import { useEngine, useEngineEvents } from './engine';

export function useEventList<T>(
  load: () => Promise<T[]>,
  eventTypes: string[],
  relevant: (action: string) => boolean = () => true,
) {
  const { engine } = useEngine();
  const [list, setList] = useState<T[]>();
  const [error, setError] = useState<Error>();
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const reload = useCallback(() => {
    load().then(
      (xs) => {
        setList(xs);
        setError(undefined);
      },
      (e: Error) => setError(e),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  useEffect(() => {
    if (engine.kind === 'up') reload();
  }, [engine.kind, reload]);
  useEngineEvents(eventTypes, (e) => {
    if (!relevant(e.action)) return;
    clearTimeout(timer.current);
    timer.current = setTimeout(reload, 100);
  });
  useEffect(() => () => clearTimeout(timer.current), []);
  return { list, error, reload };
}
