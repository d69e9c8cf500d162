// Facts about the running VM that the agent learns when it starts it (ports,
// the accelerator in use). They describe the live VM only: a VM that is not
// running makes them meaningless, whatever the file says.
import * as fs from 'node:fs';
import { readIfExists, writePrivateFile } from './files';
import { machineFile } from './machine-files';
import type { MachinePaths } from './paths';

export interface RuntimeInfo {
  sshPort: number;
  engineTcpPort?: number;
  /** The host port of the engine's direct path (absent: the VM was started without one). */
  enginePort?: number;
  accel: string;
  note?: string;
  startedAt: string;
}

const file = (p: MachinePaths) => machineFile(p.dir, 'runtime');

export function readRuntime(p: MachinePaths): RuntimeInfo | undefined {
  const t = readIfExists(file(p));
  if (!t) return undefined;
  try {
    return JSON.parse(t) as RuntimeInfo;
  } catch {
    return undefined;
  }
}

export function writeRuntime(p: MachinePaths, info: RuntimeInfo): void {
  writePrivateFile(file(p), JSON.stringify(info, null, 2) + '\n');
}

/** The VM stopped: its facts no longer hold. */
export function clearRuntime(p: MachinePaths): void {
  fs.rmSync(file(p), { force: true });
}
