// The dashboard's benchmark figures, called by scripts/bench/main.ts:
// - 1,000 containers: data to rendered list in Chromium (synthetic data, in-page transport);
// - event to screen: a docker CLI change visible in the dashboard (median of 20, real machine);
// - idle: requests to the engine with the dashboard open and nothing happening, counted at
//   the engine socket through a counting proxy (the open events stream excluded).
// Functions return numbers; nothing is printed here except by runUiBench's caller.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createImplementation } from '../../app/api/handlers';
import { createDriver } from '../../app/driver/choose';
import { Machines } from '../../app/machine/machines';
import { startUiServer } from '../../app/ui/server';
import { launchChromium } from '../../test/e2e/browser';
import { berth, docker, dockerSock, importImage, ROOT, tinyRootfsTar, tmpHome } from '../../test/e2e/fixtures';
import { median, type Figure } from './report';

// The page-side globals the callbacks below touch, as far as they use them (no DOM types here).
interface PageElement {
  getAttribute(name: string): string | null;
}
declare const window: {
  /** Set by bench.html once the list has rendered. */
  __renderMs?: number;
  /** When each `name:state` row first showed, noted by the observer installed below. */
  __seen: Record<string, number>;
  MutationObserver: new (cb: () => void) => { observe(target: unknown, options: object): void };
};
declare const document: {
  body: unknown;
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
};

const BENCH_DIST = path.join(ROOT, 'renderer/dist-bench');
const UI_DIST = path.join(ROOT, 'renderer/dist');

/** vite build of the dashboard, quietly; `mode` picks the bench page's build. */
function viteBuild(mode?: string): void {
  execFileSync(
    process.execPath,
    [
      path.join(ROOT, 'node_modules/vite/bin/vite.js'),
      'build',
      '--config',
      'renderer/vite.config.mts',
      ...(mode ? ['--mode', mode] : []),
      '--logLevel',
      'error',
    ],
    { cwd: ROOT, stdio: 'ignore' },
  );
}

function ensureBuilt(): void {
  if (!fs.existsSync(path.join(BENCH_DIST, 'bench.html'))) viteBuild('bench');
  if (!fs.existsSync(path.join(UI_DIST, 'index.html'))) viteBuild();
}

function serveStatic(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = path.resolve(dir, '.' + rel);
    if (!file.startsWith(dir + path.sep) || !fs.existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) });
    }),
  );
}

/** Milliseconds from 1,000 container summaries handed to the page to the rows painted (median of `runs` fresh pages). */
async function renderThousandMs(runs = 5, n = 1000): Promise<number> {
  ensureBuilt();
  const srv = await serveStatic(BENCH_DIST);
  const browser = await launchChromium();
  try {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(`${srv.url}/bench.html?n=${n}#/containers`);
      await page.waitForFunction(() => typeof window.__renderMs === 'number', undefined, { timeout: 30_000 });
      const rows = await page.evaluate(() => document.querySelectorAll('[data-testid=container-row]').length);
      if (rows < 5 || rows > 200) throw new Error(`expected a virtualized window of rows, got ${rows}`);
      times.push(await page.evaluate(() => window.__renderMs ?? NaN));
      await page.close();
    }
    return median(times);
  } finally {
    await browser.close();
    await srv.close();
  }
}

/** A unix-socket proxy in front of the engine socket that counts HTTP requests by path. */
function countingProxy(target: string, listenAt: string): Promise<{ requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const head = /(GET|POST|PUT|DELETE|HEAD) (\S+) HTTP\/1\.[01]\r\n/g;
  const conns = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const upstream = net.connect(target);
    conns.add(client).add(upstream);
    client.on('data', (d: Buffer) => {
      for (const m of d.toString('latin1').matchAll(head)) requests.push(`${m[1]} ${m[2]}`);
    });
    client.pipe(upstream).on('error', () => undefined);
    upstream.pipe(client).on('error', () => undefined);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  fs.rmSync(listenAt, { force: true });
  return new Promise((resolve) =>
    server.listen(listenAt, () =>
      resolve({
        requests,
        close: () =>
          new Promise<void>((r) => {
            for (const c of conns) c.destroy();
            server.close(() => r());
          }),
      }),
    ),
  );
}

export interface LiveDashboard {
  home: string;
  url: string;
  requests: string[];
  close(): Promise<void>;
}

/** `berth ui`'s server for a machine already running in `home`, its engine calls counted. */
export async function openDashboard(home: string): Promise<LiveDashboard> {
  ensureBuilt();
  const proxyPath = path.join(home, 'count.sock');
  const proxy = await countingProxy(dockerSock(home), proxyPath);
  const impl = createImplementation({
    machines: new Machines({ home, driver: createDriver }),
    name: 'default',
    dockerSocket: proxyPath,
  });
  const server = await startUiServer({ impl, staticDir: UI_DIST });
  return {
    home,
    url: server.url,
    requests: proxy.requests,
    close: async () => {
      await server.close();
      await proxy.close();
    },
  };
}

/** Milliseconds from the docker CLI being started to the change visible in the dashboard, for `samples` changes. */
async function eventToScreenMs(
  home: string,
  samples = 20,
): Promise<{ median: number; cliMedian: number; all: number[] }> {
  const dash = await openDashboard(home);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(dash.url);
    await page.waitForSelector('[data-testid=container-count]', { timeout: 60_000 });
    // The page notes the wall-clock time each row first shows in its state.
    await page.evaluate(() => {
      window.__seen = {};
      const note = () => {
        for (const el of document.querySelectorAll('[data-testid=container-row]')) {
          const k = `${el.getAttribute('data-name')}:${el.getAttribute('data-state')}`;
          if (!(k in window.__seen)) window.__seen[k] = Date.now();
        }
      };
      new window.MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    const all: number[] = [];
    const cli: number[] = [];
    for (let i = 0; i < samples; i++) {
      const name = `bench-evt-${i}`;
      const t0 = Date.now();
      await docker(home, ['create', '--name', name, 'tiny', 'true']);
      cli.push(Date.now() - t0);
      const key = `${name}:created`;
      await page.waitForFunction((k: string) => k in window.__seen, key, { timeout: 30_000 });
      all.push((await page.evaluate((k: string) => window.__seen[k], key)) - t0);
    }
    await docker(home, ['rm', ...Array.from({ length: samples }, (_, i) => `bench-evt-${i}`)]).catch(() => undefined);
    return { median: median(all), cliMedian: median(cli), all };
  } finally {
    await browser.close();
    await dash.close();
  }
}

/** Requests reaching the engine while the dashboard sits open for `seconds` (after it has settled). */
async function idleEngineRequests(home: string, seconds = 60): Promise<{ requests: number; paths: string[] }> {
  const dash = await openDashboard(home);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(dash.url);
    await page.waitForSelector('[data-testid=container-count]', { timeout: 60_000 });
    await new Promise((r) => setTimeout(r, 2000));
    const before = dash.requests.length;
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const paths = dash.requests.slice(before);
    return { requests: paths.length, paths };
  } finally {
    await browser.close();
    await dash.close();
  }
}

/** Boots a small machine in a temporary home with the tiny image in it; `down` stops and removes it all. */
async function benchMachine(): Promise<{ home: string; down(): Promise<void> }> {
  const home = tmpHome('berth-uibench-');
  await berth(home, ['init', '--memory', '1024', '--cpus', '2']);
  await berth(home, ['up']);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-uibench-img-'));
  await importImage(home, tinyRootfsTar(work, 'tiny'), 'tiny:latest');
  fs.rmSync(work, { recursive: true, force: true });
  return {
    home,
    down: async () => {
      await berth(home, ['down']).catch(() => undefined);
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

/** All three figures, in the core benchmark's format (reference = the budget). */
export async function runUiBench(opts: { quick?: boolean } = {}): Promise<Figure[]> {
  const figures: Figure[] = [];
  figures.push({
    name: 'dashboard: 1,000 containers, data to rendered list (Chromium)',
    short: 'dashboard: 1,000 containers rendered',
    value: await renderThousandMs(opts.quick ? 3 : 5),
    unit: 'ms',
    reference: 200,
    referenceName: 'budget',
    target: { op: '<=', ratio: 1 },
  });
  const m = await benchMachine();
  try {
    const e = await eventToScreenMs(m.home, opts.quick ? 5 : 20);
    figures.push({
      name: `dashboard: docker CLI change to screen, median of ${e.all.length} (the CLI itself: ${e.cliMedian} ms)`,
      short: 'dashboard: change to screen',
      value: e.median,
      unit: 'ms',
      reference: 500,
      referenceName: 'budget',
      target: { op: '<=', ratio: 1 },
    });
    const idle = await idleEngineRequests(m.home, opts.quick ? 10 : 60);
    figures.push({
      name: `dashboard: engine requests while idle ${opts.quick ? 10 : 60} s (beyond the open events stream)`,
      short: 'dashboard: engine requests while idle',
      value: idle.requests,
      unit: 'requests',
      reference: 1,
      referenceName: 'one request',
      target: { op: '<=', ratio: 0 },
    });
  } finally {
    await m.down();
  }
  return figures;
}
