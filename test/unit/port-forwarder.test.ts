// The host side of published ports: real listeners on 127.0.0.1 and real TCP
// servers standing for docker-proxy in the VM. Only the SSH hop is replaced:
// dial() connects straight to the stand-in instead of through a channel.
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import * as os from 'node:os';
import { after, test } from 'node:test';
import { PortForwarder } from '../../app/agent/port-forwarder';
import type { WantedPort } from '../../app/agent/published-ports';
import { freePort } from '../../app/base/net';

/** A TCP server that answers "<prefix>" + everything the client sent, once the client has finished. */
async function upperServer(prefix: string): Promise<{ port: number; close(): void }> {
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString()));
    s.on('end', () => s.end(prefix + got));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

/** Connects to host:port (127.0.0.1 unless said), sends `text`, half-closes, and reads the whole answer. */
function ask(port: number, text: string, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host, allowHalfOpen: true });
    let got = '';
    s.on('connect', () => s.end(text));
    s.on('data', (d: Buffer) => (got += d.toString()));
    s.on('end', () => resolve(got));
    s.on('error', reject);
  });
}

const logs: string[] = [];
const stands: Array<{ close(): void }> = [];
after(() => stands.forEach((s) => s.close()));

/** A forwarder whose "VM" maps each published port to a stand-in server; records what it dialed. */
function forwarder(guest: Map<number, number>, dialed: string[] = []): PortForwarder {
  return new PortForwarder({
    dial: async (host, port) => {
      dialed.push(`${host}:${port}`);
      const target = guest.get(port);
      if (!target) throw new Error(`nothing listens on ${port} in the VM`);
      const s = net.connect({ port: target, host: '127.0.0.1', allowHalfOpen: true });
      await new Promise((r, j) => s.once('connect', r).once('error', j));
      return s;
    },
    log: (m) => logs.push(m),
  });
}

const want = (hostPort: number, extra: Partial<WantedPort> = {}): WantedPort => ({
  hostPort,
  protocol: 'tcp',
  guestHost: '127.0.0.1',
  container: 'web',
  containerPort: 80,
  ...extra,
});

test('a published port answers on the host, both ways, with a half-close', async () => {
  const web = await upperServer('web says: ');
  stands.push(web);
  const hostPort = await freePort();
  const dialed: string[] = [];
  const f = forwarder(new Map([[hostPort, web.port]]), dialed);
  await f.apply([want(hostPort, { guestHost: '10.0.2.15' })]);
  assert.equal(await ask(hostPort, 'hello'), 'web says: hello');
  assert.deepEqual(dialed, [`10.0.2.15:${hostPort}`], 'dials the address docker-proxy listens on, same port number');
  assert.deepEqual(f.list(), [{ hostPort, protocol: 'tcp', container: 'web', containerPort: 80 }]);
  await f.close();
});

/** Whether this host has an IPv6 loopback (CI containers may not). */
async function hasIpv6Loopback(): Promise<boolean> {
  const s = net.createServer();
  return new Promise((resolve) => {
    s.once('error', () => resolve(false));
    s.listen(0, '::1', () => s.close(() => resolve(true)));
  });
}

test('localhost answers on both loopback addresses (Node and browsers try ::1 first), never on the network', async (t) => {
  if (!(await hasIpv6Loopback())) return t.skip('this host has no IPv6 loopback');
  const web = await upperServer('v6: ');
  stands.push(web);
  const hostPort = await freePort();
  const f = forwarder(new Map([[hostPort, web.port]]));
  await f.apply([want(hostPort)]);
  assert.equal(await ask(hostPort, 'hi', '::1'), 'v6: hi');
  assert.equal(await ask(hostPort, 'hi', '127.0.0.1'), 'v6: hi');
  const outside = Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a && !a.internal);
  if (outside)
    await assert.rejects(ask(hostPort, 'x', outside.address), /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|EINVAL/);
  await f.close();
  await assert.rejects(ask(hostPort, 'x', '::1'), /ECONNREFUSED/);
});

test('a port no longer published is closed on the host; one still published keeps working', async () => {
  const a = await upperServer('a:');
  const b = await upperServer('b:');
  stands.push(a, b);
  const [pa, pb] = [await freePort(), await freePort()];
  const f = forwarder(
    new Map([
      [pa, a.port],
      [pb, b.port],
    ]),
  );
  await f.apply([want(pa), want(pb, { container: 'db' })]);
  assert.equal(await ask(pb, 'x'), 'b:x');
  await f.apply([want(pb, { container: 'db' })]);
  await assert.rejects(ask(pa, 'x'), /ECONNREFUSED/);
  assert.equal(await ask(pb, 'y'), 'b:y');
  assert.deepEqual(
    f.list().map((p) => p.hostPort),
    [pb],
  );
  await f.close();
  await assert.rejects(ask(pb, 'x'), /ECONNREFUSED/);
});

test('a host port already taken is reported in one line naming it; the others still forward', async () => {
  const busy = net.createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const taken = (busy.address() as net.AddressInfo).port;
  const web = await upperServer('ok:');
  stands.push(web, { close: () => busy.close() });
  const free = await freePort();
  const f = forwarder(new Map([[free, web.port]]));
  await f.apply([want(taken, { container: 'clash' }), want(free)]);
  const [t, ok] = f.list().sort((x, y) => (x.hostPort === taken ? -1 : y.hostPort === taken ? 1 : 0));
  assert.equal(t.hostPort, taken);
  assert.match(
    t.error!,
    new RegExp(`^port ${taken} is already in use on this computer: stop what uses it, or publish another port$`),
  );
  assert.equal(ok.error, undefined);
  assert.equal(await ask(free, 'z'), 'ok:z');
  assert.ok(logs.some((l) => l.includes(`clash: port ${taken} is already in use`)));
  await f.close();
});

test('UDP ports are listed with the reason they are not forwarded when the driver cannot forward them', async () => {
  const f = forwarder(new Map());
  const port = await freePort();
  await f.apply([want(port, { protocol: 'udp', container: 'dns', containerPort: 53 })]);
  assert.deepEqual(f.list(), [
    {
      hostPort: port,
      protocol: 'udp',
      container: 'dns',
      containerPort: 53,
      error: 'UDP ports are not forwarded to the host by this hypervisor',
    },
  ]);
  await f.close();
});

test('UDP ports go to the driver: opened once, closed before the same port opens again, failures listed', async () => {
  const calls: string[] = [];
  const busy = new Set<number>();
  const f = new PortForwarder({
    dial: () => Promise.reject(new Error('no TCP here')),
    udp: {
      open: async (p) => {
        if (busy.has(p))
          throw new Error(
            `UDP port ${p} is already in use on this computer: stop what uses it, or publish another port`,
          );
        busy.add(p);
        calls.push(`open ${p}`);
      },
      close: async (p) => {
        busy.delete(p);
        calls.push(`close ${p}`);
      },
    },
    log: (m) => logs.push(m),
  });
  const dns = want(5353, { protocol: 'udp', container: 'dns', containerPort: 53 });
  await f.apply([dns]);
  await f.apply([dns]);
  assert.deepEqual(f.list(), [{ hostPort: 5353, protocol: 'udp', container: 'dns', containerPort: 53 }]);
  // The same port now published by another container in another place: closed, then opened anew.
  await f.apply([{ ...dns, container: 'dns2', guestHost: '10.0.2.15' }]);
  assert.deepEqual(calls, ['open 5353', 'close 5353', 'open 5353']);
  busy.add(6000);
  await f.apply([want(6000, { protocol: 'udp', container: 'syslog', containerPort: 514 })]);
  assert.deepEqual(calls, ['open 5353', 'close 5353', 'open 5353', 'close 5353']);
  assert.deepEqual(f.list(), [
    {
      hostPort: 6000,
      protocol: 'udp',
      container: 'syslog',
      containerPort: 514,
      error: 'UDP port 6000 is already in use on this computer: stop what uses it, or publish another port',
    },
  ]);
  await f.apply([]);
  assert.deepEqual(calls.length, 4, 'a port that never opened is not closed');
  await f.close();
});

test('a connection to a port the VM no longer answers on is closed, not left hanging', async () => {
  const port = await freePort();
  const f = forwarder(new Map());
  await f.apply([want(port)]);
  // Closed at once: an end with nothing read, or a reset (the sent bytes were never read).
  const r = await ask(port, 'anyone?').catch((e) => e.code as string);
  assert.ok(r === '' || r === 'ECONNRESET', `got ${JSON.stringify(r)}`);
  assert.ok(logs.some((l) => l.includes(`${port}: could not reach it in the VM: nothing listens on ${port}`)));
  await f.close();
});
