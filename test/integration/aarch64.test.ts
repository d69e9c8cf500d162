// An aarch64 machine, for real: the arm64 image booted by qemu-system-aarch64 on the virt board
// (under TCG on an x86_64 host), with the host docker CLI on its socket. Runs where the aarch64
// image has been built (npm run build:vm -- --arch aarch64) and qemu-system-aarch64 is installed;
// skipped otherwise, saying which is missing. CI does not build the aarch64 image yet.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { locateImage } from '../../app/base/image';
import { freePort } from '../../app/base/net';
import { berth, berthSync, tempHome } from '../helpers/cli';
import { busyboxRootfsTar } from '../helpers/tiny-image';
import { until } from '../helpers/wait';

const run = promisify(execFile);

function whyNot(): string | undefined {
  try {
    locateImage({ arch: 'aarch64', verify: false });
  } catch (e) {
    return (e as Error).message;
  }
  try {
    execFileSync('qemu-system-aarch64', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'qemu-system-aarch64 is not installed (Debian: qemu-system-arm)';
  }
  return undefined;
}
const skip = whyNot();

const home = tempHome('ba');
const dir = path.join(home, 'machines', 'default');
const sock = path.join(dir, 'docker.sock');
const shared = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-shared-arm-'));
process.env.DOCKER_CONFIG = path.join(home, 'docker-config');
const dockerEnv = { ...process.env, DOCKER_HOST: `unix://${sock}` };

async function docker(...args: string[]): Promise<string> {
  const r = await run('docker', args, { env: dockerEnv, timeout: 180000 });
  return r.stdout;
}

function httpStatus(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

describe('an aarch64 machine', { concurrency: false, skip }, () => {
  before(() => {
    const r = berthSync(home, ['init', '--arch', 'aarch64', '--memory', '1024', '--disk', '8', '--share', shared]);
    assert.equal(r.code, 0, r.stderr);
  });

  after(async () => {
    await berth(home, ['down', '--shutdown']);
    fs.rmSync(shared, { recursive: true, force: true });
  });

  test('berth up boots it with the named steps, and the engine is arm64', async () => {
    const r = await berth(home, ['up']);
    assert.equal(r.code, 0, r.stderr);
    for (const step of ['image ready', 'disk ready', 'VM booting', 'SSH ready', 'engine ready', 'socket ready'])
      assert.match(r.stderr, new RegExp(`done: ${step}`), r.stderr);
    assert.equal((await docker('version', '--format', '{{.Server.Arch}}')).trim(), 'arm64');
    const st = JSON.parse(berthSync(home, ['status', '--json']).stdout);
    assert.equal(st.arch, 'aarch64');
  });

  test('an arm64 image made here runs, and a shared folder works both ways', async () => {
    await docker('import', '--platform', 'linux/arm64', busyboxRootfsTar('aarch64'), 'tiny:arm');
    assert.equal((await docker('run', '--rm', 'tiny:arm', '/bin/busybox', 'uname', '-m')).trim(), 'aarch64');
    fs.writeFileSync(path.join(shared, 'from-host'), 'hello\n');
    const seen = await docker(
      'run',
      '--rm',
      '-v',
      `${shared}:/s`,
      'tiny:arm',
      '/bin/sh',
      '-c',
      'cat /s/from-host; echo back >/s/from-vm',
    );
    assert.equal(seen, 'hello\n');
    assert.equal(fs.readFileSync(path.join(shared, 'from-vm'), 'utf8'), 'back\n');
  });

  test('an amd64 image runs on it through qemu-user registered at boot', async () => {
    await docker('import', '--platform', 'linux/amd64', busyboxRootfsTar('x86_64'), 'tiny:amd64');
    const out = await docker(
      'run',
      '--rm',
      '--platform',
      'linux/amd64',
      'tiny:amd64',
      '/bin/sh',
      '-c',
      'busybox uname -m; echo through | cat',
    );
    assert.equal(out, 'x86_64\nthrough\n');
  });

  test('a published port answers on the host, and down then up resumes the container', async () => {
    const port = await freePort();
    await docker(
      'run',
      '-d',
      '--name',
      'web',
      '-p',
      `${port}:80`,
      'tiny:arm',
      '/bin/busybox',
      'httpd',
      '-f',
      '-p',
      '80',
      '-h',
      '/',
    );
    // busybox httpd answers 404 for a folder without an index: the port reaches it.
    assert.equal(await until(() => httpStatus(port), 'the published port to answer', 60000), 404);
    const down = await berth(home, ['down']);
    assert.equal(down.code, 0, down.stderr);
    const up = await berth(home, ['up']);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stderr, /resumed from saved memory/);
    assert.match(await docker('ps', '--format', '{{.Names}}'), /web/);
    assert.equal(await until(() => httpStatus(port), 'the port to answer after the resume', 60000), 404);
    const guest = Number((await berth(home, ['ssh', '--', 'date +%s'])).stdout.trim());
    assert.ok(Math.abs(guest - Date.now() / 1000) < 5, 'the guest clock follows the host after the resume');
  });

  test('kill -9 of QEMU, then up: the data is intact', async () => {
    const st = JSON.parse(berthSync(home, ['status', '--json']).stdout);
    process.kill(st.agent.vmPid, 'SIGKILL');
    await until(
      () => JSON.parse(berthSync(home, ['status', '--json']).stdout).state === 'stopped',
      'the state to turn stopped',
    );
    const up = await berth(home, ['up']);
    assert.equal(up.code, 0, up.stderr);
    assert.match(await docker('images', '--format', '{{.Repository}}:{{.Tag}}'), /tiny:arm/);
    assert.match(await docker('ps', '-a', '--format', '{{.Names}}'), /web/);
  });
});
