// initrd.img: busybox-static and guest/initramfs/init (no modules: the kernel has its drivers built
// in). Its only job is to mount rootfs.squashfs under a tmpfs overlay and switch_root into it.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { gzipSync, constants as zc } from 'node:zlib';
import { GUEST_DIR } from './config';
import { CpioEntry, writeCpio } from './cpio';

/** Read a staged directory into cpio entries (parents first, sorted for reproducible bytes). */
async function entriesFromDir(dir: string, rel = ''): Promise<CpioEntry[]> {
  const out: CpioEntry[] = [];
  const names = (await fs.readdir(path.join(dir, rel))).sort();
  for (const n of names) {
    const r = rel ? `${rel}/${n}` : n;
    const full = path.join(dir, r);
    const st = await fs.lstat(full);
    if (st.isDirectory()) {
      out.push({ kind: 'dir', path: r, mode: st.mode & 0o7777 });
      out.push(...(await entriesFromDir(dir, r)));
    } else if (st.isSymbolicLink()) out.push({ kind: 'symlink', path: r, target: await fs.readlink(full) });
    else out.push({ kind: 'file', path: r, data: await fs.readFile(full), mode: st.mode & 0o7777 });
  }
  return out;
}

/** Gzip: the kernel decompresses it quickly, and the archive is small enough that xz gains little. */
export function compress(cpio: Buffer): Buffer {
  return gzipSync(cpio, { level: zc.Z_BEST_COMPRESSION });
}

/**
 * A minimal initramfs tree: /bin/busybox with applet links, /dev/console (so the kernel can give
 * /init a console before devtmpfs is mounted) and the usual mount points.
 */
async function busyboxEntries(stage: string, busybox: string, appletPaths: string[]): Promise<void> {
  for (const d of ['bin', 'dev', 'proc', 'sys', 'mnt', 'newroot'])
    await fs.mkdir(path.join(stage, d), { recursive: true });
  await fs.copyFile(busybox, path.join(stage, 'bin/busybox'));
  await fs.chmod(path.join(stage, 'bin/busybox'), 0o755);
  const applets = new Set(appletPaths.map((a) => path.basename(a)).filter((a) => a && a !== 'busybox'));
  for (const a of [...applets].sort()) await fs.symlink('busybox', path.join(stage, 'bin', a));
  await fs.symlink('bin', path.join(stage, 'sbin'));
}

/** busybox's applets (`--list-full`) come from the caller: a cross build cannot run the target's busybox. */
export async function buildInitramfs(opts: {
  stage: string;
  out: string;
  busybox: string;
  applets: string[];
}): Promise<void> {
  const { stage } = opts;
  await busyboxEntries(stage, opts.busybox, opts.applets);
  await fs.copyFile(path.join(GUEST_DIR, 'initramfs/init'), path.join(stage, 'init'));
  await fs.chmod(path.join(stage, 'init'), 0o755);
  const entries = await entriesFromDir(stage);
  entries.push({ kind: 'chardev', path: 'dev/console', major: 5, minor: 1 });
  await fs.writeFile(opts.out, compress(writeCpio(entries)));
}

export { entriesFromDir };
