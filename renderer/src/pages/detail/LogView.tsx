// The container's log, live: follow, search, timestamps, stdout and stderr
// told apart. Lines live in one array outside React state and the list is
// virtualized, so 100,000 lines scroll as smoothly as 100. Colours (ANSI
// SGR) show as colours; other escapes are dropped; search matches the text a
// reader sees, not the escapes.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { LogLine } from '../../../../app/api/contract';
import { ErrorBox } from '../../components/ErrorBox';
import { ansiSpans, plainText } from '../../lib/ansi';
import { useApi } from '../../lib/api-context';

const LINE = 18;
const KEEP = 200_000;

// Per line, computed once: lines never change after they arrive.
const plainOf = new WeakMap<LogLine, string>();
function plain(line: LogLine): string {
  let p = plainOf.get(line);
  if (p === undefined) plainOf.set(line, (p = plainText(line.text)));
  return p;
}

/** A log line's text with its colours, as React text nodes (never HTML). */
function LineText({ text }: { text: string }) {
  const spans = useMemo(() => ansiSpans(text), [text]);
  return spans.map((s, i) =>
    s.className || s.style ? (
      <span key={i} className={s.className} style={s.style}>
        {s.text}
      </span>
    ) : (
      s.text
    ),
  );
}

export function LogView({ id }: { id: string }) {
  const api = useApi();
  const lines = useRef<LogLine[]>([]);
  const [version, setVersion] = useState(0);
  const [ended, setEnded] = useState(false);
  const [error, setError] = useState<Error>();
  const [follow, setFollow] = useState(true);
  const [timestamps, setTimestamps] = useState(false);
  const [search, setSearch] = useState('');
  const [streams, setStreams] = useState<'both' | 'stdout' | 'stderr'>('both');
  const scroller = useRef<HTMLDivElement>(null);

  useEffect(() => {
    lines.current = [];
    setEnded(false);
    const s = api.subscribe(
      'container.logs',
      { id, tail: 100_000, timestamps: true },
      {
        onData: (batch) => {
          const l = lines.current;
          for (const x of batch) l.push(x);
          if (l.length > KEEP) l.splice(0, l.length - KEEP);
          setVersion((v) => v + 1);
        },
        onEnd: (e) => {
          if (e) setError(e);
          setEnded(true);
        },
      },
    );
    return () => s.stop();
  }, [api, id]);

  const shown = useMemo(() => {
    const q = search.toLowerCase();
    if (!q && streams === 'both') return null; // all lines, no index needed
    const idx: number[] = [];
    const l = lines.current;
    for (let i = 0; i < l.length; i++) {
      if (streams !== 'both' && l[i].stream !== streams) continue;
      if (q && !plain(l[i]).toLowerCase().includes(q)) continue;
      idx.push(i);
    }
    return idx;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [search, streams, version]);

  const count = shown ? shown.length : lines.current.length;
  const v = useVirtualizer({ count, getScrollElement: () => scroller.current, estimateSize: () => LINE, overscan: 30 });

  useEffect(() => {
    if (follow && count > 0) v.scrollToIndex(count - 1, { align: 'end' });
  }, [follow, count, v]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < LINE * 2;
    if (atBottom !== follow) setFollow(atBottom);
  };

  return (
    <div className="logs">
      <div className="toolbar">
        <input
          type="search"
          className="search"
          placeholder="Search the log"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          aria-label="Search the log"
        />
        <label>
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow
        </label>
        <label>
          <input type="checkbox" checked={timestamps} onChange={(e) => setTimestamps(e.target.checked)} /> Timestamps
        </label>
        <select value={streams} onChange={(e) => setStreams(e.target.value as typeof streams)} aria-label="Streams">
          <option value="both">stdout + stderr</option>
          <option value="stdout">stdout only</option>
          <option value="stderr">stderr only</option>
        </select>
        <span className="muted" data-testid="log-count">
          {shown ? `${count} of ${lines.current.length} lines` : `${count} lines`}
          {ended && !error ? ' · the container stopped: log complete' : ''}
        </span>
      </div>
      {error && <ErrorBox error={error} />}
      <div className="log-scroller" ref={scroller} onScroll={onScroll} data-testid="log-scroller">
        {count === 0 && (
          <div className="log-empty muted">
            {ended ? 'This container wrote nothing to its log.' : 'Waiting for output…'}
          </div>
        )}
        <div style={{ height: v.getTotalSize(), position: 'relative' }}>
          {v.getVirtualItems().map((it) => {
            const line = lines.current[shown ? shown[it.index] : it.index];
            if (!line) return null;
            return (
              <div
                key={it.key}
                className={`log-line ${line.stream}`}
                style={{ transform: `translateY(${it.start}px)` }}
                data-testid="log-line"
              >
                {timestamps && line.ts && <span className="log-ts">{line.ts.replace('T', ' ').slice(0, 23)} </span>}
                <LineText text={line.text} />
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
