// A shell inside the container: xterm.js over the 'container.exec' stream.
// Hyperlinks the container prints (OSC 8) open only through the dashboard's
// checked link path (lib/links.ts), never xterm's own opener.
import { FitAddon } from '@xterm/addon-fit';
import { Terminal, type ILinkHandler } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { useApi } from '../../lib/api-context';
import { browserOpener, openLink, type LinkOpener } from '../../lib/links';

/** OSC 8 links: checked, asked about and opened by `opener`; a refusal is reported with `onRefused`. */
export function terminalLinkHandler(
  onRefused: (reason: string) => void,
  opener: LinkOpener = browserOpener,
): ILinkHandler {
  return {
    activate: (_event, uri) => {
      const outcome = openLink(uri, opener);
      if (outcome.status === 'refused') onRefused(outcome.reason);
    },
    // xterm already drops other schemes before activate; keep that as a second fence.
    allowNonHttpProtocols: false,
  };
}

export default function TerminalView({ id }: { id: string }) {
  const api = useApi();
  const el = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<Error>();
  const [ended, setEnded] = useState(false);
  const [session, setSession] = useState(0);
  const [refusedLink, setRefusedLink] = useState<string>();

  useEffect(() => {
    if (!el.current) return;
    setEnded(false);
    setError(undefined);
    const dark = window.matchMedia?.('(prefers-color-scheme: dark)').matches;
    const term = new Terminal({
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
      fontSize: 13,
      cursorBlink: true,
      linkHandler: terminalLinkHandler(setRefusedLink),
      theme: dark
        ? { background: '#111418', foreground: '#e6e6e6', cursor: '#e6e6e6' }
        : { background: '#fbfbfc', foreground: '#1d1f23', cursor: '#1d1f23', selectionBackground: '#cde' },
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(el.current);
    try {
      fit.fit();
    } catch {
      /* not laid out yet */
    }
    const sub = api.subscribe(
      'container.exec',
      { id, cols: term.cols || 80, rows: term.rows || 24 },
      {
        onData: (d) => term.write(d),
        onEnd: (e) => {
          if (e) setError(e);
          setEnded(true);
        },
      },
    );
    const d1 = term.onData((data) => sub.send({ kind: 'stdin', data }));
    const d2 = term.onResize(({ cols, rows }) => sub.send({ kind: 'resize', cols, rows }));
    const ro = new ResizeObserver(() => {
      try {
        fit.fit();
      } catch {
        /* hidden */
      }
    });
    ro.observe(el.current);
    term.focus();
    return () => {
      ro.disconnect();
      d1.dispose();
      d2.dispose();
      sub.stop();
      term.dispose();
    };
  }, [api, id, session]);

  return (
    <div className="terminal-wrap">
      {error && <ErrorBox error={error} />}
      {refusedLink && (
        <div className="notice" role="alert">
          {refusedLink} <button onClick={() => setRefusedLink(undefined)}>Dismiss</button>
        </div>
      )}
      {ended && !error && (
        <div className="notice">
          The shell exited. <button onClick={() => setSession((s) => s + 1)}>Open a new shell</button>
        </div>
      )}
      <div className="terminal" ref={el} data-testid="terminal" />
    </div>
  );
}
