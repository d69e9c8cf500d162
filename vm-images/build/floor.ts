// The "floor" initramfs for boot-time comparisons: the same kernel with a tiny busybox initramfs
// whose /init only prints a marker (with the kernel uptime) and powers off. Time from QEMU start to
// that marker is the least any image on this kernel can take; the benchmark reuses this.
// With FLOOR_IDLE_ARG on the kernel command line it sleeps instead of powering off: the idle
// kernel, the least CPU any idle VM on this kernel and QEMU costs (the idle CPU figure's reference).
// The bench makes it from a built image (buildImageFloorInitramfs: that image's own busybox, booted
// with that image's kernel), for either architecture; `--floor DIR` from the pinned packages.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Arch, target } from './arch';
import { BUSYBOX } from './config';
import { writeCpio } from './cpio';
import { run } from './exec';
import { exists } from './fsutil';
import { compress } from './initramfs';
import { BuildError } from './log';
import { guestKernel } from './kernel';
import { preparePackages } from './packages';
import { writeVmlinuz } from './vmlinuz';

const FLOOR_MARKER = 'berth-floor: init';
export const FLOOR_IDLE_ARG = 'berth.floor=idle';

const FLOOR_INIT = `#!/bin/busybox sh
# Floor init: report that userspace was reached, then power off at once.
/bin/busybox mount -t proc proc /proc
echo "${FLOOR_MARKER} uptime=$(/bin/busybox cut -d' ' -f1 /proc/uptime)"
/bin/busybox grep -q ${FLOOR_IDLE_ARG} /proc/cmdline && exec /bin/busybox sleep 2147483647
/bin/busybox poweroff -f
`;

/** The floor's initramfs (gzipped cpio) around a static busybox of the kernel's architecture. */
function floorInitrd(busybox: Buffer): Buffer {
  return compress(
    writeCpio([
      { kind: 'dir', path: 'bin' },
      { kind: 'dir', path: 'dev' },
      { kind: 'dir', path: 'proc' },
      { kind: 'chardev', path: 'dev/console', major: 5, minor: 1 },
      { kind: 'file', path: 'bin/busybox', data: busybox, mode: 0o755 },
      { kind: 'file', path: 'init', data: Buffer.from(FLOOR_INIT), mode: 0o755 },
    ]),
  );
}

/**
 * Writes floor-initrd.img into outDir from the built image in imageDir: the static busybox taken out
 * of its rootfs.squashfs (unsquashfs), so the floor is of the image's architecture and needs neither
 * the package cache nor a kernel build; boot it with the image's own vmlinuz and cmdline. Kept while
 * the image's root and this code are the same (a `.key` file beside it). Returns its path.
 */
export async function buildImageFloorInitramfs(imageDir: string, outDir: string): Promise<string> {
  const squashfs = path.join(imageDir, 'rootfs.squashfs');
  const initrd = path.join(outDir, 'floor-initrd.img');
  const keyFile = initrd + '.key';
  const h = createHash('sha256');
  h.update(await fs.readFile(squashfs));
  h.update(await fs.readFile(__filename));
  const key = h.digest('hex');
  if ((await fs.readFile(keyFile, 'utf8').catch(() => '')) === key && (await exists(initrd))) return initrd;
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'floor-'));
  try {
    const rel = BUSYBOX.slice(1);
    await run('unsquashfs', ['-q', '-n', '-d', path.join(work, 'root'), squashfs, rel]);
    const busybox = await fs.readFile(path.join(work, 'root', rel)).catch(() => undefined);
    if (!busybox) throw new BuildError(`floor: the image in ${imageDir} has no ${BUSYBOX}`);
    await fs.mkdir(outDir, { recursive: true });
    await fs.writeFile(initrd + '.tmp', floorInitrd(busybox));
    await fs.rename(initrd + '.tmp', initrd);
    await fs.writeFile(keyFile, key);
    return initrd;
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/**
 * Write floor-initrd.img (and a copy of the image's kernel, built from the pinned source) into outDir.
 * Returns the paths; boot them with the same QEMU command and the image's kernel cmdline.
 */
export async function buildFloorInitramfs(
  outDir: string,
  arch: Arch = 'x86_64',
): Promise<{ initrd: string; vmlinuz: string }> {
  const t = target(arch);
  const pk = await preparePackages(t, { only: ['busybox-static'] });
  const kernel = await guestKernel(pk.lock, t);
  const busybox = path.join(pk.roots.get('busybox-static')!, '.' + BUSYBOX);
  const data = floorInitrd(await fs.readFile(busybox));
  await fs.mkdir(outDir, { recursive: true });
  const initrd = path.join(outDir, 'floor-initrd.img');
  const vmlinuz = path.join(outDir, 'vmlinuz');
  await fs.writeFile(initrd + '.tmp', data);
  await fs.rename(initrd + '.tmp', initrd);
  await writeVmlinuz(kernel.image, vmlinuz + '.tmp', t);
  await fs.rename(vmlinuz + '.tmp', vmlinuz);
  return { initrd, vmlinuz };
}
