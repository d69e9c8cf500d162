// Benchmark page (built with --mode bench into dist-bench, never shipped): the
// real dashboard fed N synthetic containers through an in-page transport.
// It measures the time from the list's data arriving to the rows on screen.
import { createRoot } from 'react-dom/client';
import { ApiClient } from '../../app/api/client';
import type { BerthPort, ClientMessage, ContainerSummary, ServerMessage } from '../../app/api/contract';
import { App } from './App';
import './styles.css';

const n = Number(new URLSearchParams(window.location.search).get('n') ?? 1000);
const containers: ContainerSummary[] = Array.from({ length: n }, (_, i) => ({
  id: `c${i.toString(16).padStart(12, '0')}`,
  name: `svc-${i}`,
  image: i % 3 ? 'nginx:alpine' : 'postgres:16',
  state: i % 4 ? 'running' : 'exited',
  status: i % 4 ? `Up ${i % 60} minutes` : 'Exited (0) 3 hours ago',
  created: 1_700_000_000 + i,
  ports: i % 5 ? [] : [{ privatePort: 80, publicPort: 8000 + i, type: 'tcp' }],
  project: i % 2 ? `project-${i % 40}` : undefined,
  service: i % 2 ? `service-${i % 7}` : undefined,
}));

/** What the benchmark reads back from the page. */
const w = window as Window & { __renderMs?: number };
const listeners = new Set<(m: ServerMessage) => void>();
const reply = (m: ServerMessage) => setTimeout(() => listeners.forEach((l) => l(m)), 0);
const port: BerthPort = {
  post(m: ClientMessage) {
    if (m.t !== 'call') return;
    const value =
      m.method === 'machine.status'
        ? { name: 'default', status: { name: 'default', state: 'running' } }
        : m.method === 'engine.info'
          ? { serverVersion: 'bench', os: '', kernel: '', cpus: 2, memTotal: 0, containers: n, images: 0 }
          : m.method === 'containers.list'
            ? containers
            : null;
    if (m.method === 'containers.list') {
      setTimeout(() => {
        // t0: the data is handed to the page.
        const t0 = performance.now();
        const seen = () => {
          if (document.querySelector('[data-testid=container-row]')) {
            // Rows are in the DOM: wait for the frame that paints them.
            requestAnimationFrame(() => setTimeout(() => (w.__renderMs = performance.now() - t0), 0));
            return true;
          }
          return false;
        };
        const mo = new MutationObserver(() => seen() && mo.disconnect());
        mo.observe(document.body, { childList: true, subtree: true });
        listeners.forEach((l) => l({ t: 'result', id: m.id, result: { ok: true, value } }));
      }, 50);
      return;
    }
    reply({ t: 'result', id: m.id, result: { ok: true, value } });
  },
  onMessage(l) {
    listeners.add(l);
    return () => listeners.delete(l);
  },
};

createRoot(document.getElementById('root')!).render(<App api={new ApiClient(port)} />);
