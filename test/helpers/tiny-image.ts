// A tiny container image made from busybox-static, since no registry outside
// this machine is reachable: a rootfs tar that `docker import` accepts.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from './cli';

export function busyboxRootfsTar(): string {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-tiny-'));
  const cache = path.join(REPO, 'vm-images', 'cache', 'debs');
  let deb = fs.existsSync(cache) ? fs.readdirSync(cache).find((f) => /^busybox-static_.*\.deb$/.test(f)) : undefined;
  let debPath = deb ? path.join(cache, deb) : undefined;
  if (!debPath) {
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
  for (const app of ['sh', 'echo', 'cat', 'sleep', 'ls', 'httpd', 'wget', 'env'])
    fs.symlinkSync('busybox', path.join(root, 'bin', app));
  for (const d of ['tmp', 'proc', 'sys', 'dev', 'etc']) fs.mkdirSync(path.join(root, d));
  const tar = path.join(work, 'tiny.tar');
  execFileSync('tar', ['-C', root, '-cf', tar, '.']);
  return tar;
}
