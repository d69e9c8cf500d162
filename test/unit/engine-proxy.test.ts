// The guest's engine proxy (vm-images/guest/engine-proxy/engine-proxy.c), compiled with the host's
// gcc and run on the host against a stand-in engine socket, with the host agent's own opener
// (engine-direct.ts): the secret lets a connection in, anything else is closed before the engine
// is touched, bytes go both ways intact, and either side may half-close first.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as http from 'node:http';
import { ChannelAgent } from '../../app/agent/channel-agent';
import { ENGINE_PROXY_ACK, openDirect } from '../../app/agent/engine-direct';

const REPO = path.resolve(__dirname, '..', '..', '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-engine-proxy-'));
const bin = path.join(work, 'berth-engine-proxy');
execFileSync('gcc', [
  '-O2',
  '-Wall',
  '-Wextra',
  '-Werror',
  '-o',
  bin,
  path.join(REPO, 'vm-images/guest/engine-proxy/engine-proxy.c'),
]);

const secret = randomBytes(32).toString('hex');
const secretFile = path.join(work, 'secret');
fs.writeFileSync(secretFile, secret + '\n', { mode: 0o600 });
const engineSock = path.join(work, 'docker.sock');

/** A stand-in engine: echoes what it gets with "engine:" in front, and says "bye" when its client half-closes. */
let engineConnections = 0;
const engine = net.createServer({ allowHalfOpen: true }, (c) => {
  engineConnections++;
  c.on('data', (d: Buffer) => c.write(Buffer.concat([Buffer.from('engine:'), d])));
  c.on('end', () => c.end('bye'));
});

const started: ChildProcess[] = [];
/** Starts the proxy on a free loopback port; resolves with the port it prints. */
function startProxy(file = secretFile, sock = engineSock): Promise<number> {
  // Its own process group: it forks a process per connection, and the group goes at the end.
  const p = spawn(bin, ['127.0.0.1', '0', file, sock], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  started.push(p);
  return new Promise((resolve, reject) => {
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    p.on('exit', (code) => reject(new Error(`the proxy exited (${code})`)));
  });
}

let port: number;
test.before(async () => {
  await new Promise<void>((r) => engine.listen(engineSock, r));
  port = await startProxy();
});
after(() => {
  for (const p of started) {
    try {
      if (p.pid) process.kill(-p.pid, 'SIGKILL');
    } catch {
      // exited already (the bad secret file's proxy)
    }
  }
  engine.close();
  fs.rmSync(work, { recursive: true, force: true });
});

/**
 * Everything a raw connection receives after sending `first` (and ending), until it is closed. A
 * close with bytes still unread in the proxy is a reset (ECONNRESET): a close all the same.
 */
function rawExchange(first: Buffer, end = true): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    const got: Buffer[] = [];
    s.on('data', (d: Buffer) => got.push(d));
    s.on('close', () => resolve(Buffer.concat(got)));
    s.on('error', (e: NodeJS.ErrnoException) => e.code !== 'ECONNRESET' && reject(e));
    s.write(first);
    if (end) s.end();
  });
}

function readAll(s: net.Socket): Promise<Buffer> {
  const got: Buffer[] = [];
  s.on('data', (d: Buffer) => got.push(d));
  return new Promise((resolve) => s.on('end', () => resolve(Buffer.concat(got))));
}

test('the right secret: ACK, then both ways byte for byte; the client half-closes and still reads', async () => {
  const s = await openDirect({ port, secret });
  const all = readAll(s);
  s.resume();
  s.write('ping');
  await new Promise((r) => setTimeout(r, 100));
  s.end();
  assert.equal((await all).toString(), 'engine:pingbye');
  s.destroy();
});

test('a wrong secret is closed at once: no ACK, no engine data, and the engine never sees it', async () => {
  const before = engineConnections;
  const wrong = randomBytes(32);
  const got = await rawExchange(Buffer.concat([wrong, Buffer.from('GET /_ping HTTP/1.0\r\n\r\n')]), false);
  assert.equal(got.length, 0);
  await assert.rejects(openDirect({ port, secret: wrong.toString('hex') }), /closed the connection/);
  // The right secret with one bit flipped.
  const flipped = Buffer.from(secret, 'hex');
  flipped[31] ^= 1;
  assert.equal((await rawExchange(flipped, false)).length, 0);
  assert.equal(engineConnections, before);
});

test('a short secret, then the end: closed, nothing sent back', async () => {
  const before = engineConnections;
  assert.equal((await rawExchange(Buffer.from(secret, 'hex').subarray(0, 31))).length, 0);
  assert.equal(engineConnections, before);
});

test('the ACK is one byte, sent only once the engine socket answered', async () => {
  const s = net.connect({ port, host: '127.0.0.1' });
  const first = new Promise<Buffer>((r) => s.once('data', r));
  s.write(Buffer.from(secret, 'hex'));
  assert.deepEqual([...(await first)], [ENGINE_PROXY_ACK]);
  s.destroy();
});

test('40 MB each way intact (the splice path)', async () => {
  const s = await openDirect({ port, secret });
  const data = randomBytes(40 * 1024 * 1024);
  const all = readAll(s);
  s.resume();
  s.end(data);
  const got = await all;
  const want = Buffer.concat([Buffer.from('engine:'), data, Buffer.from('bye')]);
  // The echo may come back in more chunks than it went: compare what arrived without the "engine:" markers.
  const body = got.toString('latin1').split('engine:').join('');
  assert.equal(body.length, want.length - 'engine:'.length);
  const hash = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
  assert.equal(hash(body), hash(Buffer.concat([data, Buffer.from('bye')]).toString('latin1')));
  s.destroy();
});

test('no engine socket: the connection is closed without ACK', async () => {
  const p2 = await startProxy(secretFile, path.join(work, 'missing.sock'));
  await assert.rejects(openDirect({ port: p2, secret }), /closed the connection/);
});

test('a secret file that is not 64 hex digits: the proxy refuses to start, saying why', async () => {
  const bad = path.join(work, 'bad');
  fs.writeFileSync(bad, 'xyz\n');
  await assert.rejects(startProxy(bad), /exited \(1\)/);
});

test(
  "HTTP through the host agent's channel pool over the direct path: requests answered, the connection kept for the next",
  { timeout: 20000 },
  async () => {
    const httpSock = path.join(work, 'http.sock');
    const seen = new Set<net.Socket>();
    const server = http.createServer((req, res) => {
      seen.add(req.socket);
      res.end(`OK ${req.url}`);
    });
    await new Promise<void>((r) => server.listen(httpSock, r));
    try {
      const p2 = await startProxy(secretFile, httpSock);
      const agent = new ChannelAgent(() => openDirect({ port: p2, secret }));
      const get = (url: string) =>
        new Promise<string>((resolve, reject) => {
          http
            .get({ agent, path: url }, (res) => {
              let body = '';
              res.on('data', (d: Buffer) => (body += d.toString()));
              res.on('end', () => resolve(body));
            })
            .on('error', reject);
        });
      assert.equal(await get('/_ping'), 'OK /_ping');
      assert.equal(await get('/containers/json'), 'OK /containers/json');
      assert.equal(seen.size, 1, 'one kept-alive connection for both requests');
      agent.destroy();
    } finally {
      server.close();
    }
  },
);
