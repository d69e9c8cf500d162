// What the e2e suite and the UI benchmark need around a real machine: a
// temporary BERTH_HOME, the berth CLI, the docker CLI pointed at the
// machine, a tiny busybox image made offline, and Debian's docker-registry.
import { ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = path.resolve(__dirname, '../../..');
const BERTH = path.join(ROOT, 'bin/berth');

export function tmpHome(prefix = 'berth-e2e-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export { freePort } from '../../app/base/net';

export async function berth(home: string, args: string[], timeout = 240_000): Promise<string> {
  const r = await run(process.execPath, [BERTH, ...args], {
    env: { ...process.env, BERTH_HOME: home },
    timeout,
    maxBuffer: 1 << 24,
  });
  return r.stdout;
}

export function dockerSock(home: string, name = 'default'): string {
  return path.join(home, 'machines', name, 'docker.sock');
}

export async function docker(home: string, args: string[], timeout = 120_000): Promise<string> {
  const r = await run('docker', args, {
    env: { ...process.env, DOCKER_HOST: `unix://${dockerSock(home)}`, DOCKER_CONFIG: path.join(home, 'docker-config') },
    timeout,
    maxBuffer: 1 << 24,
  });
  return r.stdout.trim();
}

/** Starts `berth ui` and resolves with the address it prints (token included). */
export async function startUi(home: string): Promise<{ url: string; proc: ChildProcess; stop(): Promise<void> }> {
  const proc = spawn(process.execPath, [BERTH, 'ui', '--port', '0'], {
    env: { ...process.env, BERTH_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(out);
      if (m) resolve(m[1]);
    });
    proc.stderr.on('data', (d) => (err += d));
    proc.once('exit', (code) => reject(new Error(`berth ui exited (${code}): ${err}`)));
  });
  return {
    url,
    proc,
    stop: () =>
      new Promise<void>((r) => {
        if (proc.exitCode !== null) return r();
        proc.once('exit', () => r());
        proc.kill('SIGTERM');
      }),
  };
}

/** busybox-static, unpacked from the VM build's cache or fetched with apt-get download. */
function busybox(work: string): string {
  const cache = path.join(ROOT, 'vm-images/cache/debs');
  let deb = fs.existsSync(cache) ? fs.readdirSync(cache).find((f) => f.startsWith('busybox-static_')) : undefined;
  let debPath = deb ? path.join(cache, deb) : '';
  if (!deb) {
    const dl = path.join(work, 'deb');
    fs.mkdirSync(dl, { recursive: true });
    execFileSync('apt-get', ['download', 'busybox-static'], { cwd: dl, stdio: 'ignore' });
    deb = fs.readdirSync(dl).find((f) => f.startsWith('busybox-static_'))!;
    debPath = path.join(dl, deb);
  }
  const x = path.join(work, 'bb');
  fs.mkdirSync(x, { recursive: true });
  execFileSync('dpkg-deb', ['-x', debPath, x]);
  // Debian 13's busybox-static has it under /usr (merged /usr), Debian 12's under /bin.
  const usr = path.join(x, 'usr/bin/busybox');
  return fs.existsSync(usr) ? usr : path.join(x, 'bin/busybox');
}

/** A busybox root filesystem as a tar (with `extraBytes` of random data to make a pull take a while). */
export function tinyRootfsTar(work: string, name: string, extraBytes = 0): string {
  const root = path.join(work, `${name}-root`);
  fs.mkdirSync(path.join(root, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(root, 'tmp'), { recursive: true });
  fs.copyFileSync(busybox(work), path.join(root, 'bin/busybox'));
  fs.chmodSync(path.join(root, 'bin/busybox'), 0o755);
  for (const c of ['sh', 'echo', 'sleep', 'cat', 'ls', 'sync']) fs.symlinkSync('busybox', path.join(root, 'bin', c));
  if (extraBytes) fs.writeFileSync(path.join(root, 'payload.bin'), randomBytes(extraBytes));
  const tar = path.join(work, `${name}.tar`);
  execFileSync('tar', ['-C', root, '-cf', tar, '.']);
  return tar;
}

export async function importImage(home: string, tar: string, ref: string): Promise<void> {
  await docker(home, ['import', tar, ref]);
}

/** Debian's docker-registry on 127.0.0.1:port with its storage in `dir`. */
export async function startRegistry(dir: string, port: number): Promise<{ stop(): Promise<void> }> {
  const cfg = path.join(dir, 'registry.yml');
  fs.mkdirSync(path.join(dir, 'storage'), { recursive: true });
  fs.writeFileSync(
    cfg,
    `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'storage')}\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  );
  const proc = spawn('/usr/bin/docker-registry', ['serve', cfg], { stdio: 'ignore' });
  await waitUntil(async () => {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/v2/`);
      return r.ok;
    } catch {
      return false;
    }
  }, 20_000);
  return {
    stop: () =>
      new Promise<void>((r) => {
        if (proc.exitCode !== null) return r();
        proc.once('exit', () => r());
        proc.kill('SIGTERM');
      }),
  };
}

/** Waits until `cond` holds, checking every `every` ms; fails after `timeout` with `what`. */
export async function waitUntil(
  cond: () => Promise<boolean> | boolean,
  timeout = 30_000,
  what = 'condition',
  every = 100,
): Promise<void> {
  const end = Date.now() + timeout;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}
