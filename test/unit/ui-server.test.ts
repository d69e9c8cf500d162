import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import type { Implementation } from '../../app/api/session';
import { startUiServer, type UiServer } from '../../app/ui/server';

let server: UiServer;
let dir: string;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ui-test-'));
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>t</title>');
  fs.writeFileSync(path.join(dir, 'assets', 'a.js'), 'console.log(1)');
  fs.writeFileSync(path.join(os.tmpdir(), 'berth-secret.txt'), 'secret');
  server = await startUiServer({
    // Only the one method the test calls, answering with just enough to recognise.
    impl: {
      methods: { 'engine.info': async () => ({ serverVersion: 'x' }) } as unknown as Implementation['methods'],
      streams: {} as Implementation['streams'],
    },
    staticDir: dir,
  });
});

after(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const base = () => `http://127.0.0.1:${server.port}`;

test('binds to 127.0.0.1 and prints an address with a 32-byte token', () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
});

test('the page needs the token; assets do not; nothing outside the dist folder is served', async () => {
  assert.equal((await fetch(`${base()}/`)).status, 401);
  assert.equal((await fetch(`${base()}/?token=nope`)).status, 401);
  const ok = await fetch(server.url);
  assert.equal(ok.status, 200);
  assert.match(ok.headers.get('content-security-policy')!, /script-src 'self'/);
  assert.equal((await fetch(`${base()}/assets/a.js`)).status, 200);
  assert.equal((await fetch(`${base()}/assets/../../berth-secret.txt`)).status, 404);
  assert.equal((await fetch(`${base()}/%2e%2e/berth-secret.txt`)).status, 404);
});

function open(url: string, headers: Record<string, string> = {}): Promise<{ status: number; ws?: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_q, res) => resolve({ status: res.statusCode ?? 0 }));
    ws.on('open', () => resolve({ status: 101, ws }));
    ws.on('error', () => resolve({ status: -1 }));
  });
}

test('the WebSocket is refused without the token, from another origin, or under another host name', async () => {
  const host = `127.0.0.1:${server.port}`;
  assert.equal((await open(`ws://${host}/api`)).status, 401);
  assert.equal((await open(`ws://${host}/api?token=${'0'.repeat(64)}`)).status, 401);
  assert.equal((await open(`ws://${host}/api?token=${server.token}`, { Origin: 'http://evil.example' })).status, 403);
  assert.equal(
    (await open(`ws://${host}/api?token=${server.token}`, { Origin: `http://127.0.0.1:${server.port + 1}` })).status,
    403,
  );
  assert.equal(
    (await open(`ws://${host}/api?token=${server.token}`, { Host: `attacker.example:${server.port}` })).status,
    421,
  );
  // fetch() cannot set Host: a raw request can, like a DNS-rebound page would.
  const status = await new Promise<number>((resolve, reject) => {
    const u = new URL(server.url);
    http
      .get(
        {
          host: '127.0.0.1',
          port: server.port,
          path: u.pathname + u.search,
          headers: { Host: `attacker.example:${server.port}` },
        },
        (res) => (res.resume(), resolve(res.statusCode!)),
      )
      .on('error', reject);
  });
  assert.equal(status, 421);
});

test('with the token and its own origin it speaks the contract', async () => {
  const { status, ws } = await open(`ws://localhost:${server.port}/api?token=${server.token}`, {
    Origin: `http://localhost:${server.port}`,
  });
  assert.equal(status, 101);
  const reply = await new Promise<unknown>((resolve) => {
    // ws hands a text frame over as one Buffer (its default binaryType, 'nodebuffer').
    ws!.once('message', (d) => resolve(JSON.parse((d as Buffer).toString('utf8'))));
    ws!.send(JSON.stringify({ t: 'call', id: 7, method: 'engine.info', params: {} }));
  });
  assert.deepEqual(reply, { t: 'result', id: 7, result: { ok: true, value: { serverVersion: 'x' } } });
  ws!.close();
});

/** A raw GET (fetch() cannot set Host or Cookie freely). */
function rawGet(
  target: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: server.port, path: target, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

test('a malformed address (bad percent-encoding, no token) gets a one-line 400 and the server keeps serving', async () => {
  const r = await rawGet('/%E0%A4%A', {});
  assert.equal(r.status, 400);
  assert.match(r.body, /^Berth: malformed address.*\n$/);
  assert.equal((await rawGet('/%00', {})).status, 400);
  assert.equal((await fetch(server.url)).status, 200);
});

/** The cookie the first visit with the token sets: its "name=value" and its attributes. */
async function firstVisitCookie(): Promise<{ pair: string; attrs: string[] }> {
  const r = await fetch(server.url);
  assert.equal(r.status, 200);
  const set = r.headers.getSetCookie();
  assert.equal(set.length, 1);
  const [pair, ...attrs] = set[0].split(';').map((s) => s.trim());
  return { pair: pair, attrs };
}

test('the first visit with the token sets a session cookie that is not the token', async () => {
  const { pair, attrs } = await firstVisitCookie();
  const [name, value] = pair.split('=');
  assert.equal(name, `berth_ui_${server.port}`);
  assert.match(value, /^[0-9a-f]{64}$/);
  assert.notEqual(value, server.token);
  assert.deepEqual(attrs.sort(), ['HttpOnly', 'Path=/', 'SameSite=Strict']);
  // No Expires or Max-Age: it ends with the browser session.
  assert.ok(!attrs.some((a) => /^(expires|max-age)=/i.test(a)));
  // The assets are public and set nothing; a refused page sets nothing.
  assert.equal((await fetch(`${base()}/assets/a.js`)).headers.getSetCookie().length, 0);
  assert.equal((await fetch(`${base()}/`)).headers.getSetCookie().length, 0);
});

test('a reload or a second tab gets the page and the socket with the cookie alone', async () => {
  const { pair } = await firstVisitCookie();
  const host = `127.0.0.1:${server.port}`;
  assert.equal((await rawGet('/', { Cookie: pair })).status, 200);
  assert.equal((await rawGet('/index.html', { Cookie: `other=1; ${pair}; x=y` })).status, 200);
  const { status, ws } = await open(`ws://${host}/api`, { Cookie: pair, Origin: `http://${host}` });
  assert.equal(status, 101);
  const reply = await new Promise<unknown>((resolve) => {
    ws!.once('message', (d) => resolve(JSON.parse((d as Buffer).toString('utf8'))));
    ws!.send(JSON.stringify({ t: 'call', id: 8, method: 'engine.info', params: {} }));
  });
  assert.deepEqual(reply, { t: 'result', id: 8, result: { ok: true, value: { serverVersion: 'x' } } });
  ws!.close();
});

test('a wrong cookie, the token as the cookie, or the right cookie from another host or origin is refused', async () => {
  const { pair } = await firstVisitCookie();
  const name = `berth_ui_${server.port}`;
  const host = `127.0.0.1:${server.port}`;
  for (const cookie of [
    `${name}=${'0'.repeat(64)}`,
    `${name}=${server.token}`,
    `${name}=`,
    `berth_ui_1=${pair.split('=')[1]}`,
  ]) {
    assert.equal((await rawGet('/', { Cookie: cookie })).status, 401, cookie);
    assert.equal((await open(`ws://${host}/api`, { Cookie: cookie })).status, 401, cookie);
  }
  // The browser sends a 127.0.0.1 cookie to every port and to a rebound name: Host and Origin stop those.
  assert.equal((await rawGet('/', { Cookie: pair, Host: `attacker.example:${server.port}` })).status, 421);
  assert.equal((await rawGet('/', { Cookie: pair, Host: `127.0.0.1:${server.port + 1}` })).status, 421);
  assert.equal((await open(`ws://${host}/api`, { Cookie: pair, Origin: 'http://evil.example' })).status, 403);
  assert.equal(
    (await open(`ws://${host}/api`, { Cookie: pair, Origin: `http://127.0.0.1:${server.port + 1}` })).status,
    403,
  );
  assert.equal((await open(`ws://${host}/api`, { Cookie: pair, Host: `attacker.example:${server.port}` })).status, 421);
});
