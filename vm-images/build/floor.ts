// The "floor" initramfs for boot-time comparisons: the same kernel with a tiny busybox initramfs
// whose /init only prints a marker (with the kernel uptime) and powers off. Time from QEMU start to
// that marker is the least any image on this kernel can take; the benchmark reuses this.
// With FLOOR_IDLE_ARG on the kernel command line it sleeps instead of powering off: the idle
// kernel, the least CPU any idle VM on this kernel and QEMU costs (the idle CPU figure's reference).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Arch, target } from './arch';
import { BUSYBOX } from './config';
import { writeCpio } from './cpio';
import { compress } from './initramfs';
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
  const data = compress(
    writeCpio([
      { kind: 'dir', path: 'bin' },
      { kind: 'dir', path: 'dev' },
      { kind: 'dir', path: 'proc' },
      { kind: 'chardev', path: 'dev/console', major: 5, minor: 1 },
      { kind: 'file', path: 'bin/busybox', data: await fs.readFile(busybox), mode: 0o755 },
      { kind: 'file', path: 'init', data: Buffer.from(FLOOR_INIT), mode: 0o755 },
    ]),
  );
  await fs.mkdir(outDir, { recursive: true });
  const initrd = path.join(outDir, 'floor-initrd.img');
  const vmlinuz = path.join(outDir, 'vmlinuz');
  await fs.writeFile(initrd + '.tmp', data);
  await fs.rename(initrd + '.tmp', initrd);
  await writeVmlinuz(kernel.image, vmlinuz + '.tmp', t);
  await fs.rename(vmlinuz + '.tmp', vmlinuz);
  return { initrd, vmlinuz };
}
