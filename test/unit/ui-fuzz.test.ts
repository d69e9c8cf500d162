// Generated input against the two places where the outside world talks to the
// API: `berth ui` (raw HTTP from any web page or local program, and the
// WebSocket once the token is known) and the desktop app's IPC endpoint
// (messages from the renderer, which a compromised page controls). Nothing may
// crash them: after every batch the server still answers a good request and the
// session a valid call, and no exception reached the process.
//
// fast-check generates the input from a fixed seed (the same inputs on every
// run) and shrinks a failing batch to a small one, so a failure names the input.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import WebSocket from 'ws';
import type { ServerMessage } from '../../app/api/contract';
import type { Implementation } from '../../app/api/session';
import { WindowEndpoint } from '../../app/shell/ipc-endpoint';
import { APP_ENTRY } from '../../app/shell/policy';
import { startUiServer, type UiServer } from '../../app/ui/server';

const SEED = 1515;

// Exceptions that escaped to the process while the fuzz ran (they would have killed `berth ui`).
const escaped: unknown[] = [];
const onEscaped = (e: unknown) => void escaped.push(e);

let server: UiServer;
let dir: string;
const internalErrors: unknown[] = [];

// Just enough of the API to tell a real answer: one method, one stream with input.
const impl = {
  methods: { 'engine.info': async () => ({ serverVersion: 'x' }) },
  streams: {
    'engine.events': async () => ({ stop: () => undefined }),
    'container.exec': async () => ({ input: () => undefined, stop: () => undefined }),
  },
} as unknown as Implementation;

before(async () => {
  process.on('uncaughtException', onEscaped);
  process.on('unhandledRejection', onEscaped);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ui-fuzz-'));
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>t</title>');
  fs.writeFileSync(path.join(dir, 'assets', 'a.js'), 'console.log(1)');
  server = await startUiServer({ impl, staticDir: dir, onInternalError: (e) => internalErrors.push(e) });
});

after(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
  process.off('uncaughtException', onEscaped);
  process.off('unhandledRejection', onEscaped);
});

function describeEscaped(): string {
  return escaped.map((e) => (e instanceof Error ? e.message : String(e))).join(' | ');
}

/** Sends raw bytes, returns the first line of the answer ('' when the server said nothing in time). */
function rawExchange(bytes: Buffer, waitMs = 300): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(server.port, '127.0.0.1');
    let got = '';
    const done = () => {
      clearTimeout(timer);
      s.destroy();
      resolve(got.split('\r\n')[0] ?? '');
    };
    const timer = setTimeout(done, waitMs);
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (got.includes('\r\n')) done();
    });
    s.on('error', done);
    s.on('close', done);
    s.write(bytes);
  });
}

function goodPage(): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(server.url, (res) => (res.resume(), resolve(res.statusCode ?? 0)))
      .on('error', reject)
      .setTimeout(2000, () => reject(new Error('the server did not answer a good request')));
  });
}

// --- HTTP ---------------------------------------------------------------------------------

const percentEscape = fc
  .tuple(fc.constantFrom(...'0123456789abcdefABCDEFgxz%'), fc.constantFrom(...'0123456789abcdefABCDEFgxz%', ''))
  .map(([a, b]) => `%${a}${b}`);
const pathPiece = fc.oneof(
  fc.constantFrom('/', '/api', '/index.html', '/assets/a.js', '..', '/..', '%2e%2e', '%00', '%E0%A4%A', '?', '#', '//'),
  fc.constantFrom('?token=', `?token=TOKEN`, '&token=', 'token=TOKEN'),
  percentEscape,
  fc.string({ maxLength: 8 }),
  fc.uint8Array({ maxLength: 6 }).map((b) => Buffer.from(b).toString('latin1')),
);
const requestTarget = fc.oneof(
  fc.array(pathPiece, { maxLength: 8 }).map((p) => '/' + p.join('')),
  fc.constantFrom('*', 'http://[', 'http://127.0.0.1:1/x', '', 'x'),
);
const headerName = fc.oneof(
  fc.constantFrom('Host', 'Origin', 'Cookie', 'Upgrade', 'Connection', 'Sec-WebSocket-Key', 'Sec-WebSocket-Version'),
  fc.string({ minLength: 1, maxLength: 10 }),
);
const headerValue = fc.oneof(
  fc.constantFrom(
    'HOST',
    'http://HOST',
    'http://evil.example',
    'websocket',
    'Upgrade',
    '13',
    'dGhlIHNhbXBsZSBub25jZQ==',
  ),
  fc.constantFrom('COOKIE', 'berth_ui=%E0%A4%A', '=;;=', 'a=b; c', 'null', 'localhost:1', '[::1]:80'),
  fc.string({ maxLength: 24 }),
  fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b).toString('latin1')),
);
const httpRequest = fc.record({
  method: fc.oneof(
    fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'OPTIONS', 'DELETE', 'PATCH', 'CONNECT', 'TRACE'),
    fc.string({ minLength: 1, maxLength: 8 }),
  ),
  target: requestTarget,
  headers: fc.array(fc.tuple(headerName, headerValue), { maxLength: 6 }),
  goodHost: fc.boolean(),
  version: fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2', 'x'),
});
type HttpRequest = typeof httpRequest extends fc.Arbitrary<infer T> ? T : never;

/** Fills in the live values (the port, the token, a valid cookie) the generator can only name. */
function render(r: HttpRequest, cookie: string): Buffer {
  const host = `127.0.0.1:${server.port}`;
  const live = (s: string) =>
    s
      .replace(/TOKEN/g, server.token)
      .replace(/COOKIE/g, cookie)
      .replace(/http:\/\/HOST/g, `http://${host}`)
      .replace(/HOST/g, host);
  const lines = [`${r.method} ${live(r.target)} ${r.version}`];
  if (r.goodHost) lines.push(`Host: ${host}`);
  for (const [k, v] of r.headers) lines.push(`${k}: ${live(v)}`);
  lines.push('Connection: close', '', '');
  return Buffer.from(lines.join('\r\n'), 'latin1');
}

/** The cookie a first visit with the token sets, if the server sets one ('' otherwise). */
function cookieOfFirstVisit(): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(server.url, (res) => {
        res.resume();
        resolve((res.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '');
      })
      .on('error', reject);
  });
}

test('no HTTP request of any shape crashes `berth ui`', async () => {
  const cookie = await cookieOfFirstVisit();
  // The case that was reported: malformed percent-encoding, no token (an <img> tag can send it).
  await rawExchange(Buffer.from(`GET /%E0%A4%A HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`));
  let tried = 1;
  await fc.assert(
    fc.asyncProperty(fc.array(httpRequest, { minLength: 1, maxLength: 20 }), async (batch) => {
      for (const r of batch) {
        await rawExchange(render(r, cookie));
        tried++;
      }
      assert.equal(escaped.length, 0, `an exception escaped: ${describeEscaped()}`);
      assert.equal(await goodPage(), 200);
    }),
    { seed: SEED, numRuns: 40, endOnFailure: true },
  );
  console.log(`# http fuzz: ${tried} requests`);
  assert.equal(escaped.length, 0, `an exception escaped: ${describeEscaped()}`);
});

// --- WebSocket ----------------------------------------------------------------------------

const methodName = fc.oneof(
  fc.constantFrom('engine.info', 'engine.events', 'container.exec', '__proto__', 'constructor', 'toString', ''),
  fc.string({ maxLength: 12 }),
);
const id = fc.oneof(
  fc.integer(),
  fc.constantFrom(0, -1, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, 1e308, -0),
  fc.double(),
  fc.string({ maxLength: 4 }),
);
const contractish = fc.record(
  {
    t: fc.oneof(fc.constantFrom('call', 'sub', 'input', 'unsub', 'result', 'data', 'end'), fc.anything()),
    id,
    method: methodName,
    stream: methodName,
    params: fc.oneof(fc.jsonValue(), fc.constant({})),
    data: fc.jsonValue(),
  },
  { requiredKeys: [] },
);
const frame = fc.oneof(
  contractish.map((m) => ({ text: JSON.stringify(m) })),
  fc.jsonValue().map((v) => ({ text: JSON.stringify(v) })),
  fc.string({ maxLength: 40 }).map((s) => ({ text: s })),
  fc.constantFrom('{', '[', '{"t":"call","id":1e999}', '{"__proto__":{"t":"call"},"id":1}').map((s) => ({ text: s })),
  fc.uint8Array({ maxLength: 64 }).map((b) => ({ binary: Buffer.from(b) })),
  // Frames around the 1 MiB limit, named by size so a failure report stays short.
  fc.integer({ min: 1, max: 3 }).map((n) => ({ bytes: n * 400_000 })),
);

function openSocket(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function validCall(ws: WebSocket, callId: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the session did not answer a valid call')), 2000);
    const onMessage = (d: WebSocket.RawData) => {
      const m = JSON.parse((d as Buffer).toString('utf8')) as ServerMessage;
      if (m.t === 'result' && m.id === callId) {
        clearTimeout(timer);
        ws.off('message', onMessage);
        resolve(m.result);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ t: 'call', id: callId, method: 'engine.info', params: {} }));
  });
}

test('no WebSocket frame of any shape crashes the session', async () => {
  let tried = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 25 }), async (batch) => {
      const ws = await openSocket();
      ws.on('error', () => undefined);
      const closed = new Promise((r) => ws.once('close', r));
      let tooBig = false;
      for (const f of batch) {
        if ('bytes' in f) tooBig ||= f.bytes > 1 << 20;
        ws.send('text' in f ? f.text : 'binary' in f ? f.binary : 'x'.repeat(f.bytes), { binary: 'binary' in f });
        tried++;
      }
      // A frame over the size limit closes the socket (by design): a fresh one must work then.
      if (tooBig) await closed;
      const live = tooBig ? await openSocket() : ws;
      assert.deepEqual(await validCall(live, 424242), { ok: true, value: { serverVersion: 'x' } });
      ws.terminate();
      live.terminate();
      assert.equal(escaped.length, 0, `an exception escaped: ${describeEscaped()}`);
    }),
    { seed: SEED, numRuns: 30, endOnFailure: true },
  );
  // Frames that are not WebSocket at all, after a valid handshake.
  const junk = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 64 }), { seed: SEED, numRuns: 30 });
  for (const bytes of junk) {
    const key = 'dGhlIHNhbXBsZSBub25jZQ==';
    const head =
      `GET /api?token=${server.token} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
    await rawExchange(Buffer.concat([Buffer.from(head), Buffer.from(bytes)]), 50);
    tried++;
  }
  const ws = await openSocket();
  assert.deepEqual(await validCall(ws, 1), { ok: true, value: { serverVersion: 'x' } });
  ws.terminate();
  console.log(`# websocket fuzz: ${tried} frames`);
  assert.equal(escaped.length, 0, `an exception escaped: ${describeEscaped()}`);
});

// --- IPC ----------------------------------------------------------------------------------

test('no IPC message or sender of any shape crashes the window endpoint', async () => {
  const webContents = {};
  const mainFrame = { url: APP_ENTRY };
  const sent: ServerMessage[] = [];
  const ep = new WindowEndpoint(
    impl,
    { webContents, mainFrame },
    (m) => sent.push(m),
    () => undefined,
  );
  // A frame whose URL throws, like a WebFrameMain whose render frame is gone.
  class DisposedFrame {
    get url(): string {
      throw new Error('Render frame was disposed before WebFrameMain could be accessed');
    }
  }
  const disposed = new DisposedFrame();
  const sender = fc.oneof(
    fc.constant({ sender: webContents, senderFrame: mainFrame }),
    fc.constant({ sender: webContents, senderFrame: null }),
    fc.constant({ sender: webContents, senderFrame: disposed }),
    fc.constant({ sender: webContents, senderFrame: { url: 'https://evil.example/' } }),
    fc.record({ sender: fc.anything(), senderFrame: fc.anything() }),
  );
  // Structured clone carries more than JSON: BigInt, Map, Date, typed arrays, sparse arrays.
  const message = fc.oneof(
    contractish,
    fc.anything({ withBigInt: true, withMap: true, withSet: true, withDate: true, withTypedArray: true }),
    fc.record({ t: fc.constantFrom('call', 'sub', 'input'), id: fc.nat(), method: methodName, params: fc.anything() }),
  );
  let tried = 0;
  let callId = 1_000_000;
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(sender, message), { minLength: 1, maxLength: 30 }), async (batch) => {
      for (const [s, m] of batch) {
        assert.doesNotThrow(() => ep.receive(s as never, m));
        tried++;
      }
      const idNow = callId++;
      assert.ok(
        ep.receive({ sender: webContents, senderFrame: mainFrame }, { t: 'call', id: idNow, method: 'engine.info' }),
      );
      await new Promise((r) => setImmediate(r));
      assert.ok(sent.some((m) => m.t === 'result' && m.id === idNow && m.result.ok));
    }),
    { seed: SEED, numRuns: 60, endOnFailure: true },
  );
  ep.close();
  console.log(`# ipc fuzz: ${tried} messages`);
  assert.equal(escaped.length, 0, `an exception escaped: ${describeEscaped()}`);
});
