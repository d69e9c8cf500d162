// The host's Docker socket: real HTTP on both sides. A Node HTTP server on a
// unix socket stands for dockerd in the VM; only the SSH hop is replaced, by a
// plain Duplex around a unix connection (an ssh2 channel is a plain Duplex,
// not a net.Socket). Every docker CLI call, the stdin of `docker run -i` and
// the streams are tested against the real engine in the integration test.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Duplex } from 'node:stream';
import { after, test } from 'node:test';
import { EngineSocket } from '../../app/agent/engine-socket';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-es-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** Stands for dockerd: /_ping, an echo of the request, a never-ending stream, and an Upgrade that echoes raw bytes. */
async function engine(): Promise<{ sock: string; conns: Set<net.Socket>; server: http.Server }> {
  const sock = path.join(dir, `engine-${n++}.sock`);
  const conns = new Set<net.Socket>();
  // Go's http server, as dockerd's, takes headers up to 1 MiB.
  const server = http.createServer({ maxHeaderSize: 1 << 20 }, (req, res) => {
    if (req.url === '/_ping') return void res.end('OK');
    if (req.url === '/events') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"status":"start"}\n');
      return; // never ends, as the engine's event stream
    }
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () =>
      res.end(
        JSON.stringify({
          method: req.method,
          url: req.url,
          auth: req.headers['x-registry-auth']?.length ?? 0,
          body,
          te: req.headers['transfer-encoding'] ?? null,
        }),
      ),
    );
  });
  // As dockerd's attach: 101, then whatever the client sends comes back upper-cased once it half-closes.
  server.on('upgrade', (req, s: net.Socket, head: Buffer) => {
    s.write('HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
    let got = head.toString();
    s.on('data', (d: Buffer) => (got += d.toString()));
    s.on('end', () => s.end(`${req.url}:${got.toUpperCase()}`));
  });
  server.on('connection', (c) => {
    conns.add(c);
    c.on('close', () => conns.delete(c));
  });
  await new Promise<void>((r) => server.listen(sock, r));
  return { sock, conns, server };
}

/** Opens a "channel" to the engine: a bare Duplex, so the agent cannot lean on socket-only methods. */
function opener(engineSock: string, opened: { count: number; channels?: Duplex[] }): () => Promise<Duplex> {
  return async () => {
    opened.count++;
    const s = net.connect({ path: engineSock, allowHalfOpen: true });
    await new Promise((r, j) => s.once('connect', r).once('error', j));
    const ch = new Duplex({
      read() {},
      write(chunk, _enc, cb) {
        // ssh2 takes writes to a channel of a dead connection without a word.
        if (s.destroyed) return cb();
        s.write(chunk, cb);
      },
      final(cb) {
        s.end();
        cb();
      },
      destroy(err, cb) {
        s.destroy();
        cb(err);
      },
    });
    s.on('data', (d) => ch.push(d));
    // As ssh2 does with the channels of a connection that died: they end, nothing more.
    s.on('close', () => ch.push(null));
    opened.channels?.push(ch);
    return ch;
  };
}

async function hostSocket(
  open: () => Promise<Duplex>,
  logs: string[] = [],
): Promise<{ path: string; es: EngineSocket }> {
  const p = path.join(dir, `docker-${n++}.sock`);
  const es = new EngineSocket(p, open, (m) => logs.push(m));
  await es.listen();
  return { path: p, es };
}

/** One request on a new connection, as each docker CLI invocation makes. */
function request(
  socketPath: string,
  opts: http.RequestOptions = {},
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path: '/_ping', agent: false, ...opts }, (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: b }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('requests on new host connections reuse one channel into the VM', async () => {
  const eng = await engine();
  const opened = { count: 0 };
  const { path: p, es } = await hostSocket(opener(eng.sock, opened));
  for (let i = 0; i < 5; i++) assert.deepEqual(await request(p), { status: 200, body: 'OK' });
  const r = await request(
    p,
    { method: 'POST', path: '/containers/create?name=x', headers: { 'Content-Type': 'application/json' } },
    '{"Image":"tiny:1"}',
  );
  assert.deepEqual(JSON.parse(r.body), {
    method: 'POST',
    url: '/containers/create?name=x',
    auth: 0,
    body: '{"Image":"tiny:1"}',
    te: null,
  });
  assert.equal(opened.count, 1);
  assert.equal(eng.conns.size, 1);
  await es.close();
  eng.server.close();
});

test('a channel used for many requests gathers no listeners (the agent runs for days)', async () => {
  const eng = await engine();
  const opened = { count: 0, channels: [] as Duplex[] };
  const { path: p, es } = await hostSocket(opener(eng.sock, opened));
  try {
    await request(p);
    const [ch] = opened.channels;
    const before = ch
      .eventNames()
      .map((e) => ch.listenerCount(e))
      .reduce((a, b) => a + b, 0);
    for (let i = 0; i < 30; i++) await request(p);
    const after = ch
      .eventNames()
      .map((e) => ch.listenerCount(e))
      .reduce((a, b) => a + b, 0);
    assert.equal(opened.count, 1);
    assert.equal(after, before, `listeners on the channel: ${before} after one request, ${after} after 31`);
  } finally {
    await es.close();
    eng.server.close();
  }
});

test("the socket is the user's alone", { skip: process.platform === 'win32' }, async () => {
  const eng = await engine();
  const { path: p, es } = await hostSocket(opener(eng.sock, { count: 0 }));
  assert.equal(fs.statSync(p).mode & 0o777, 0o600);
  await es.close();
  assert.equal(fs.existsSync(p), false);
  eng.server.close();
});

test('a chunked body and a 64 KiB registry-auth header arrive whole', async () => {
  const eng = await engine();
  const { path: p, es } = await hostSocket(opener(eng.sock, { count: 0 }));
  const body = await new Promise<string>((resolve, reject) => {
    const req = http.request(
      {
        socketPath: p,
        method: 'POST',
        path: '/build',
        agent: false,
        headers: { 'X-Registry-Auth': 'a'.repeat(65536) },
      },
      (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve(b));
      },
    );
    req.on('error', reject);
    req.write('part one, ');
    setTimeout(() => req.end('part two'), 20);
  });
  assert.deepEqual(JSON.parse(body), {
    method: 'POST',
    url: '/build',
    auth: 65536,
    body: 'part one, part two',
    te: 'chunked',
  });
  await es.close();
  eng.server.close();
});

test('a client that leaves a stream closes its channel; the next request gets a fresh one', async () => {
  const eng = await engine();
  const opened = { count: 0 };
  const { path: p, es } = await hostSocket(opener(eng.sock, opened));
  await request(p);
  const first = await new Promise<string>((resolve) => {
    const req = http.get({ socketPath: p, path: '/events', agent: false }, (res) =>
      res.once('data', (d) => (resolve(String(d)), req.destroy())),
    );
  });
  assert.equal(first, '{"status":"start"}\n');
  // The stream's channel must not go back to the pool with the stream still running.
  for (let i = 0; i < 50 && eng.conns.size > 1; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(eng.conns.size, 1);
  assert.deepEqual(await request(p), { status: 200, body: 'OK' });
  assert.equal(opened.count, 2);
  await es.close();
  eng.server.close();
});

test('an Upgrade request gets its own channel, byte for byte, and keeps half-close (docker run -i)', async () => {
  const eng = await engine();
  const opened = { count: 0 };
  const { path: p, es } = await hostSocket(opener(eng.sock, opened));
  const got = await new Promise<string>((resolve, reject) => {
    const s = net.connect({ path: p, allowHalfOpen: true });
    let out = '';
    s.on('connect', () => {
      s.write(
        'POST /containers/abc/attach?stdin=1 HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
      );
      setTimeout(() => s.end('through stdin'), 20);
    });
    s.on('data', (d: Buffer) => (out += d.toString()));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
  assert.match(got, /^HTTP\/1\.1 101 UPGRADED\r\n/);
  assert.ok(got.endsWith('\r\n\r\n/containers/abc/attach?stdin=1:THROUGH STDIN'), got);
  await es.close();
  eng.server.close();
});

test(
  'an engine that restarted between requests is reached again without the client noticing',
  { timeout: 10000 },
  async () => {
    const eng = await engine();
    const { path: p, es } = await hostSocket(opener(eng.sock, { count: 0 }));
    assert.equal((await request(p)).body, 'OK');
    for (const c of eng.conns) c.destroy();
    assert.deepEqual(await request(p), { status: 200, body: 'OK' });
    await es.close();
    eng.server.close();
  },
);

test('an engine that cannot be reached gets a Docker-style error message, not a dropped connection', async () => {
  const logs: string[] = [];
  const { path: p, es } = await hostSocket(async () => {
    throw new Error('no SSH connection to the VM within 30 s');
  }, logs);
  const r = await request(p, { path: '/containers/json' });
  assert.equal(r.status, 502);
  assert.equal(
    JSON.parse(r.body).message,
    'Berth could not reach the Docker engine in the VM (no SSH connection to the VM within 30 s): run "berth status"',
  );
  assert.match(logs.join('\n'), /could not reach the guest's Docker socket/);
  await es.close();
});

test("while refused (the host's disk is full), a request waiting on the engine and every new one get the message; then requests go through again", async () => {
  const eng = await engine();
  const { path: p, es } = await hostSocket(opener(eng.sock, { count: 0 }));
  try {
    // A load under way: its body is still coming, so the engine has not answered.
    const waiting = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ socketPath: p, method: 'POST', path: '/images/load', agent: false }, (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: b }));
      });
      req.on('error', reject);
      req.write('x'.repeat(65536));
      // The client goes on sending while the answer comes: the rest is read and dropped.
      setTimeout(() => req.end('y'.repeat(65536)), 100);
    });
    await new Promise((r) => setTimeout(r, 50));
    es.refuse("The host's disk is full");
    const w = await waiting;
    assert.equal(w.status, 507);
    assert.equal(JSON.parse(w.body).message, "The host's disk is full");
    const fresh = await request(p);
    assert.equal(fresh.status, 507);
    es.refuse(undefined);
    assert.deepEqual(await request(p), { status: 200, body: 'OK' });
  } finally {
    await es.close();
    eng.server.close();
  }
});

test('a stream under way (docker logs -f, a wait) ends for the client when the SSH connection drops, instead of hanging', async () => {
  const eng = await engine();
  const { path: p, es } = await hostSocket(opener(eng.sock, { count: 0 }));
  try {
    const ended = await new Promise<string>((resolve, reject) => {
      const req = http.request({ socketPath: p, path: '/events', agent: false }, (res) => {
        res.once('data', () => es.dropChannels());
        res.on('error', () => resolve('error'));
        res.on('end', () => resolve('end'));
        res.on('close', () => resolve('close'));
      });
      req.on('error', reject);
      req.end();
      setTimeout(() => resolve('still open'), 5000).unref();
    });
    assert.notEqual(ended, 'still open');
  } finally {
    await es.close();
    eng.server.close();
  }
});
