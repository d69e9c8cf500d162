// The files the VirtualBox driver owns in a machine's folder: its view of the machine folder's
// table (base/machine-files), so start, inspect and delete agree on them.
import * as path from 'node:path';
import { machineFile } from '../../base/machine-files';

export interface VBoxFiles {
  /** The data disk (VDI). */
  dataDisk: string;
  /** VirtualBox's machine folder (createvm --basefolder): the VM's .vbox settings, Logs, Snapshots. */
  vboxDir: string;
  configRaw: string;
  configDisk: string;
  /** The first serial port's file: the guest's console. */
  console: string;
  consoleOld: string;
}

export function vboxFiles(dir: string, p: path.PlatformPath = path): VBoxFiles {
  return {
    dataDisk: machineFile(dir, 'vboxDisk', p),
    vboxDir: machineFile(dir, 'vboxDir', p),
    configRaw: machineFile(dir, 'vboxConfigRaw', p),
    configDisk: machineFile(dir, 'vboxConfigDisk', p),
    console: machineFile(dir, 'console', p),
    consoleOld: machineFile(dir, 'consoleOld', p),
  };
}
