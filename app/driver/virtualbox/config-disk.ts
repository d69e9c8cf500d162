// The config disk: VirtualBox has no fw_cfg, so a VirtualBox guest reads its configuration (the
// SSH keys, hostname, daemon.json, the engine's secret, the shares) from a small disk the driver
// writes at each boot, in pure Node (nothing like mkfs is needed on the user's computer).
//
// The format, for the guest side (vm-images/README.md, "The config disk", says the same):
//
//   sector 0 (512 bytes): one line of ASCII, "BERTH-CONFIG <version> <tar bytes>\n", then NULs.
//                         The version is 1; <tar bytes> is a multiple of 512.
//   sector 1 onwards:     a POSIX ustar archive of <tar bytes> bytes, regular files only, each
//                         named as its fw_cfg entry (opt/berth/NAME): authorized_keys, hostname,
//                         daemon.json, shares, ssh_host_key, engine-tcp, engine-proxy,
//                         engine-proxy-secret, with the same bytes; plus "shares-fs", holding
//                         "vboxsf": the shares are VirtualBox shared folders (mount -t vboxsf
//                         TAG PATH), not 9p. Files are owned by root, mode 0600.
//   the rest:             zeros, up to a whole MiB.
//
// The guest finds it among its disks by the label, with busybox alone (busybox sh, head, dd and
// tar; tried with Debian's busybox-static 1.37 on a disk this file wrote):
//   set -- $(head -c 512 /dev/sdX | head -n 1)
//   [ "$1" = BERTH-CONFIG ] && dd if=/dev/sdX bs=512 skip=1 count=$(($3 / 512)) | tar -x -C DIR
import { chmod, rm, writeFile } from 'node:fs/promises';
import type { VmSpec } from '../../base/vm-types';
import { guestEntries } from '../guest-files';
import { ustar } from './ustar';

export const CONFIG_LABEL = 'BERTH-CONFIG';
export const CONFIG_VERSION = 1;
const SECTOR = 512;
const MiB = 1024 * 1024;

/** The whole raw disk for a spec: label sector, archive, zeros to a whole MiB. */
export function configDiskImage(spec: VmSpec): Buffer {
  const files = guestEntries(spec).map(([name, content]) => ({ name, content: Buffer.from(content), mode: 0o600 }));
  if (spec.shares.length) files.push({ name: 'shares-fs', content: Buffer.from('vboxsf'), mode: 0o600 });
  const tar = ustar(files);
  const label = Buffer.alloc(SECTOR);
  label.write(`${CONFIG_LABEL} ${CONFIG_VERSION} ${tar.length}\n`, 0, 'ascii');
  const used = SECTOR + tar.length;
  const size = Math.ceil(used / MiB) * MiB;
  return Buffer.concat([label, tar, Buffer.alloc(size - used)]);
}

/**
 * Writes the raw disk, private to the user (0600: it holds the VM's host key and the engine's
 * secret). A file left from before is replaced, never appended to.
 */
export async function writeConfigDisk(file: string, spec: VmSpec): Promise<void> {
  await rm(file, { force: true });
  await writeFile(file, configDiskImage(spec), { mode: 0o600, flag: 'wx' });
  await chmod(file, 0o600);
}
