// The Docker socket's direct path, for real: a VM booted from the image, its engine proxy on a
// loopback-only QEMU forward that lets in only the machine's secret, the real docker CLI loading,
// saving and running through the Berth socket over it, a resume keeping it, and SSH taking over
// when the proxy is gone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { makeBulkImage } from '../../scripts/bench/bulk';
import { berth, berthSync, tempHome } from '../helpers/cli';
import { machineLogs } from '../helpers/machine-logs';
import { busyboxRootfsTar } from '../helpers/tiny-image';

const run = promisify(execFile);
const home = tempHome('bd');
const dir = path.join(home, 'machines', 'default');
const sock = path.join(dir, 'docker.sock');
process.env.DOCKER_CONFIG = path.join(home, 'docker-config');
const dockerEnv = { ...process.env, DOCKER_HOST: `unix://${sock}` };

async function docker(...args: string[]): Promise<string> {
  const r = await run('docker', args, { env: dockerEnv, timeout: 300000, maxBuffer: 64 * 1024 * 1024 });
  return r.stdout;
}

const agentLog = () => fs.readFileSync(path.join(dir, 'agent.log'), 'utf8');
const runtime = () => JSON.parse(fs.readFileSync(path.join(dir, 'runtime.json'), 'utf8')) as { enginePort?: number };
const secret = () => Buffer.from(fs.readFileSync(path.join(dir, 'engine-secret'), 'utf8').trim(), 'hex');
const fallbacks = () => agentLog().match(/direct path failed/g)?.length ?? 0;

/** The guest's engine proxy processes: the listener and two per open connection. */
async function guestProxies(): Promise<number> {
  const r = await berth(home, ['ssh', '--', 'pidof berth-engine-proxy || true']);
  return r.stdout.trim().split(/\s+/).filter(Boolean).length;
}

/**
 * Sends `first` to the direct path's host port, then a /_ping; everything that comes back until
 * the connection closes (a reset, when the proxy closed with the request unread, is a close too).
 */
function exchange(first: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port: runtime().enginePort!, host: '127.0.0.1' });
    const got: Buffer[] = [];
    // Only a guard against a hang: a guest engine paged out on a busy host took 12 s to answer.
    const t = setTimeout(() => s.destroy(), 60000);
    s.on('data', (d: Buffer) => got.push(d));
    s.on('close', () => (clearTimeout(t), resolve(Buffer.concat(got))));
    s.on('error', (e: NodeJS.ErrnoException) => e.code !== 'ECONNRESET' && reject(e));
    s.write(Buffer.concat([first, Buffer.from('GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n')]));
  });
}

describe('the engine socket through its direct path', { concurrency: false }, () => {
  before(() => {
    const r = berthSync(home, ['init', '--memory', '1024', '--disk', '8', '--no-share']);
    assert.equal(r.code, 0, r.stderr);
  });

  after(async () => {
    await berth(home, ['down', '--shutdown']);
  });

  test('berth up serves the socket through the direct path; the forward is on loopback, the secret 0600 and off the command line', async () => {
    const r = await berth(home, ['up']);
    assert.equal(r.code, 0, r.stderr + machineLogs(dir));
    assert.match(agentLog(), /engine socket: through the direct path \(127\.0\.0\.1:\d+\)/);
    const port = runtime().enginePort;
    assert.equal(typeof port, 'number');
    const st = JSON.parse(berthSync(home, ['status', '--json']).stdout);
    const qemu = spawnSync('ps', ['-o', 'args=', '-p', String(st.agent.vmPid)], { encoding: 'utf8' }).stdout;
    assert.match(qemu, new RegExp(`hostfwd=tcp:127\\.0\\.0\\.1:${port}-:2399`), 'forwarded on 127.0.0.1 only');
    assert.equal(qemu.includes(secret().toString('hex')), false, 'the secret is not on the command line');
    for (const f of ['engine-secret', 'guest/engine_secret'])
      assert.equal(fs.statSync(path.join(dir, f)).mode & 0o777, 0o600, f);
    assert.equal(secret().length, 32);
  });

  test('a connection with a wrong secret is closed with no engine data; the right one gets the engine', async () => {
    assert.equal((await exchange(randomBytes(32))).length, 0, 'a random secret');
    const flipped = secret();
    flipped[0] ^= 0x80;
    assert.equal((await exchange(flipped)).length, 0, 'the secret with one bit flipped');
    assert.equal((await exchange(Buffer.alloc(0))).length, 0, 'no secret at all: the request itself');
    const right = (await exchange(secret())).toString('latin1');
    assert.equal(right.charCodeAt(0), 0x06, 'ACK first');
    assert.match(right.slice(1), /^HTTP\/1\.[01] 200 OK\r\n[\s\S]*\r\n\r\nOK$/);
  });

  test('docker load, save, run -i and exec through the Berth socket, all on the direct path', async () => {
    await docker('import', busyboxRootfsTar(), 'tiny:1');
    // A 10 MB random layer: many reads each way (the proxy moves at most 256 KiB at a time).
    const work = fs.mkdtempSync(path.join(home, 'img-'));
    const image = makeBulkImage(work, 10e6);
    await docker('load', '-i', image);
    const saved = path.join(work, 'saved.tar');
    await docker('save', '-o', saved, 'berth-bench/bulk:latest');
    assert.ok(fs.statSync(saved).size > 10e6, 'the whole image came back');
    await docker('rmi', 'berth-bench/bulk:latest');
    await docker('load', '-i', saved);
    // stdin half-closed, output still read.
    const cat = spawnSync('docker', ['run', '-i', '--rm', 'tiny:1', '/bin/cat'], {
      env: dockerEnv,
      input: 'through the direct path\n',
      encoding: 'utf8',
      timeout: 120000,
    });
    assert.equal(cat.stdout, 'through the direct path\n', cat.stderr);
    await docker('run', '-d', '--name', 'sleeper', 'tiny:1', '/bin/sleep', '3600');
    const ex = spawnSync('docker', ['exec', '-i', 'sleeper', '/bin/cat'], {
      env: dockerEnv,
      input: 'into exec\n',
      encoding: 'utf8',
      timeout: 60000,
    });
    assert.equal(ex.stdout, 'into exec\n', ex.stderr);
    assert.equal(fallbacks(), 0, 'no connection went through SSH');
    // The agent's kept-alive connections are open in the guest's proxy: listener plus two per connection.
    assert.ok((await guestProxies()) >= 3, 'connections through the guest engine proxy');
  });

  test('a resumed machine keeps its direct path (same secret, a new port)', async () => {
    const before = runtime().enginePort;
    const down = await berth(home, ['down']);
    assert.equal(down.code, 0, down.stderr);
    const up = await berth(home, ['up']);
    assert.equal(up.code, 0, up.stderr + machineLogs(dir));
    assert.match(up.stderr + agentLog(), /resumed/);
    assert.notEqual(runtime().enginePort, before);
    assert.equal((await docker('ps', '--format', '{{.Names}}')).trim(), 'sleeper');
    assert.equal(fallbacks(), 0, 'the resumed proxy took the secret');
  });

  test('without the engine proxy the socket goes through SSH, logged once, and keeps working', async () => {
    const k = await berth(home, ['ssh', '--', 'killall berth-engine-proxy']);
    assert.equal(k.code, 0, k.stderr);
    assert.equal(await guestProxies(), 0);
    assert.equal((await docker('ps', '--format', '{{.Names}}')).trim(), 'sleeper');
    const cat = spawnSync('docker', ['run', '-i', '--rm', 'tiny:1', '/bin/cat'], {
      env: dockerEnv,
      input: 'through SSH\n',
      encoding: 'utf8',
      timeout: 120000,
    });
    assert.equal(cat.stdout, 'through SSH\n', cat.stderr);
    const work = fs.mkdtempSync(path.join(home, 'img-'));
    const saved = path.join(work, 'saved.tar');
    await docker('save', '-o', saved, 'tiny:1');
    await docker('load', '-i', saved);
    assert.equal(fallbacks(), 1, agentLog());
  });
});
