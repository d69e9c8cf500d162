// A tiny container image made from busybox-static, since no registry outside
// this machine is reachable: a rootfs tar that `docker import` accepts.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from './cli';

/** ELF e_machine of each architecture's busybox: the cache holds both (build:vm --arch aarch64). */
const ELF_MACHINE = { x86_64: 0x3e, aarch64: 0xb7 } as const;

/** Why busyboxRootfsTar(arch) cannot be made here (no such busybox in the image cache), or undefined. */
export function noBusybox(arch: keyof typeof ELF_MACHINE): string | undefined {
  if (arch === 'x86_64') return undefined; // apt-get download gives the host's own
  const cache = path.join(REPO, 'vm-images', 'cache', 'debs');
  const found = fs.existsSync(cache) && fs.readdirSync(cache).some((f) => /^busybox-static_.+_arm64\.deb$/.test(f));
  return found ? undefined : `no ${arch} busybox-static in ${cache}: run npm run build:vm -- --arch ${arch}`;
}

export function busyboxRootfsTar(arch: keyof typeof ELF_MACHINE = 'x86_64'): string {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-tiny-'));
  const cache = path.join(REPO, 'vm-images', 'cache', 'debs');
  // The image build keeps the amd64 .debs under their plain names and the arm64 ones with _arm64.
  const name = arch === 'aarch64' ? /^busybox-static_.+_arm64\.deb$/ : /^busybox-static_[^_]+\.deb$/;
  let deb = fs.existsSync(cache) ? fs.readdirSync(cache).find((f) => name.test(f)) : undefined;
  let debPath = deb ? path.join(cache, deb) : undefined;
  if (!debPath) {
    if (arch !== 'x86_64')
      throw new Error(`no ${arch} busybox-static in ${cache}: run npm run build:vm -- --arch ${arch}`);
    execFileSync('apt-get', ['download', 'busybox-static'], { cwd: work, stdio: 'ignore' });
    deb = fs.readdirSync(work).find((f) => f.endsWith('.deb'))!;
    debPath = path.join(work, deb);
  }
  const x = path.join(work, 'x');
  execFileSync('dpkg-deb', ['-x', debPath, x]);
  const root = path.join(work, 'root');
  fs.mkdirSync(path.join(root, 'bin'), { recursive: true });
  // Debian 13's busybox-static has it under /usr (merged /usr), Debian 12's under /bin.
  const usr = path.join(x, 'usr', 'bin', 'busybox');
  fs.copyFileSync(fs.existsSync(usr) ? usr : path.join(x, 'bin', 'busybox'), path.join(root, 'bin', 'busybox'));
  fs.chmodSync(path.join(root, 'bin', 'busybox'), 0o755);
  const machine = fs.readFileSync(path.join(root, 'bin', 'busybox')).readUInt16LE(18);
  if (machine !== ELF_MACHINE[arch]) throw new Error(`${debPath} holds a busybox for another CPU than ${arch}`);
  for (const app of ['sh', 'echo', 'cat', 'sleep', 'ls', 'httpd', 'wget', 'env'])
    fs.symlinkSync('busybox', path.join(root, 'bin', app));
  for (const d of ['tmp', 'proc', 'sys', 'dev', 'etc']) fs.mkdirSync(path.join(root, d));
  const tar = path.join(work, 'tiny.tar');
  execFileSync('tar', ['-C', root, '-cf', tar, '.']);
  return tar;
}
