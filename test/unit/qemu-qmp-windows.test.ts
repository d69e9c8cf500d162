// QMP on Windows: loopback TCP behind TLS with a key that only the user can read.
// The endpoint is chosen with the platform as a parameter ('win32') and served by a
// real QEMU on this (Linux) host with exactly the arguments Windows gets: the TLS
// handshake is GnuTLS and OpenSSL here as there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { machineFiles } from '../../app/driver/qemu/machine-files';
import { QmpClient } from '../../app/driver/qemu/qmp';
import { currentQmpEndpoint, newQmpEndpoint, qmpArgs } from '../../app/driver/qemu/qmp-endpoint';

const QEMU = 'qemu-system-x86_64';
const version = spawnSync(QEMU, ['--version'], { encoding: 'utf8' });
const major = Number(/version (\d+)\./.exec(version.stdout ?? '')?.[1] ?? 0);
// The real-QEMU test needs what Windows users need (10.0, minQemu in qemu-driver.ts): 7.2's TLS
// monitor answers only the first command. The test machines run QEMU 10 (scripts/setup.sh).
const realQemu =
  version.status !== 0 ? 'no QEMU here' : major < 10 ? `QEMU ${major} here; Windows needs 10 or newer` : false;

function tmpMachine() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-qmp-win-'));
  return { dir, files: machineFiles(dir), done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('the key is new at each launch, private, and not on the command line; the port is recorded', async () => {
  const m = tmpMachine();
  try {
    const ep = await newQmpEndpoint('win32', m.files);
    assert.equal(ep.kind, 'tls');
    const key = readFileSync(m.files.qmpKeyFile, 'utf8');
    assert.match(key, /^berth:[0-9a-f]{64}\n$/);
    assert.equal(statSync(m.files.qmpKeyFile).mode & 0o077, 0);
    assert.ok(!qmpArgs(ep).some((a) => a.includes(key.trim().slice(6))));
    assert.deepEqual(await currentQmpEndpoint('win32', m.files), ep);
    await newQmpEndpoint('win32', m.files);
    assert.notEqual(readFileSync(m.files.qmpKeyFile, 'utf8'), key);
  } finally {
    m.done();
  }
});

test('a QEMU started with the plain TCP monitor of earlier versions is not talked to', async () => {
  const m = tmpMachine();
  try {
    writeFileSync(m.files.qmpEndpointFile, JSON.stringify({ kind: 'tcp', host: '127.0.0.1', port: 50123 }) + '\n');
    assert.equal(await currentQmpEndpoint('win32', m.files), undefined);
  } finally {
    m.done();
  }
});

test('Linux and macOS keep the unix socket in the machine folder, with no key', async () => {
  const m = tmpMachine();
  try {
    const ep = await newQmpEndpoint('linux', m.files);
    assert.deepEqual(ep, { kind: 'unix', path: m.files.qmpSocket });
    assert.deepEqual(qmpArgs(ep), ['-qmp', `unix:${m.files.qmpSocket},server=on,wait=off`]);
  } finally {
    m.done();
  }
});

test(
  "a real QEMU with Windows' QMP arguments: the key opens it; a wrong key or none does nothing",
  { skip: realQemu, timeout: 60000 },
  async () => {
    const m = tmpMachine();
    const ep = await newQmpEndpoint('win32', m.files);
    if (ep.kind !== 'tls') throw new Error('a TLS endpoint on Windows');
    const qemu = spawn(QEMU, ['-machine', 'none', '-nodefaults', '-display', 'none', '-S', ...qmpArgs(ep)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    qemu.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<void>((r) => qemu.once('exit', () => r()));
    try {
      const current = await currentQmpEndpoint('win32', m.files);
      if (current?.kind !== 'tls') throw new Error('the recorded endpoint is TLS');
      // QEMU opens the port a moment after it starts: the client's own retry, as connectQmp does.
      let qmp: QmpClient | undefined;
      for (let i = 0; !qmp && i < 200; i++) {
        qmp = await QmpClient.connect(current).catch(async (e: Error) => {
          if (qemu.exitCode !== null) throw new Error(`QEMU exited: ${stderr || e.message}`);
          await new Promise((r) => setTimeout(r, 25));
          return undefined;
        });
      }
      assert.ok(qmp, 'connected with the key');
      assert.equal(await qmp.queryStatus(), 'prelaunch');
      qmp.close();

      // Someone without the key, speaking plain QMP: QEMU drops the connection and obeys nothing.
      const plain = net.connect({ host: '127.0.0.1', port: ep.port });
      let heard = '';
      plain.on('data', (d: Buffer) => (heard += d.toString()));
      plain.on('error', () => undefined);
      plain.write('{"execute":"qmp_capabilities"}\n{"execute":"cont"}\n{"execute":"quit"}\n');
      await new Promise((r) => plain.once('close', r));
      assert.ok(!heard.includes('QMP'), 'no greeting without the key');

      // A key that is not this QEMU's: the handshake fails.
      const wrong = path.join(m.dir, 'other.psk');
      writeFileSync(wrong, `berth:${'ab'.repeat(32)}\n`, { mode: 0o600 });
      await assert.rejects(QmpClient.connect({ ...current, pskFile: wrong }));

      // The VM is as it was: still not started, still there.
      const again = await QmpClient.connect(current);
      assert.equal(await again.queryStatus(), 'prelaunch');
      await again.quit();
      again.close();
      await exited;
    } finally {
      if (qemu.exitCode === null) qemu.kill('SIGKILL');
      m.done();
    }
  },
);
