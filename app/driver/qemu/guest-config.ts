// What the guest is handed at each start: the files under guest/ (fw_cfg) and the shared
// folders that can be shared now.
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import type { SharedFolder, VmSpec } from '../../base/vm-types';
import type { ProgressFn } from '../driver';
import { presentShares, sharesTable } from '../guest-files';
import type { MachineFiles } from './machine-files';

/** The shared folders that can be shared now; QEMU's Windows builds have none (no 9p server). */
export async function sharesToMount(spec: VmSpec, fileSharing: boolean, progress: ProgressFn): Promise<SharedFolder[]> {
  if (!spec.shares.length) return [];
  if (!fileSharing) {
    progress('Folders are not shared: QEMU on Windows has no file sharing (9p)');
    return [];
  }
  return presentShares(spec, progress);
}

export async function writeGuestConfig(spec: VmSpec, files: MachineFiles): Promise<void> {
  await mkdir(files.guestDir, { recursive: true, mode: 0o700 });
  const guestFiles: [string, string][] = [
    [files.authorizedKeys, spec.guestConfig.authorizedKeys],
    [files.daemonJson, spec.guestConfig.daemonJson],
    [files.shares, sharesTable(spec.shares)],
  ];
  if (spec.guestConfig.hostKey) guestFiles.push([files.hostKey, spec.guestConfig.hostKey]);
  else await rm(files.hostKey, { force: true });
  if (spec.guestConfig.engineSecret) guestFiles.push([files.engineSecret, spec.guestConfig.engineSecret + '\n']);
  else await rm(files.engineSecret, { force: true });
  for (const [file, text] of guestFiles) {
    await writeFile(file, text, { mode: 0o600 });
    await chmod(file, 0o600); // mode above applies only when the file is new
  }
}
