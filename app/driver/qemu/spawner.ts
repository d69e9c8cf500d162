// Starts QEMU so that it outlives whoever started it (CLI, agent, app): its own
// process group, no pipes back to us, stdout+stderr into a log file, unref'd.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

export interface Spawned {
  pid: number;
  /** Settles when the process exits, as long as this process is still alive to see it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export type Spawner = (file: string, args: string[], logFile: string) => Spawned;

export const detachedSpawner: Spawner = (file, args, logFile) => {
  const fd = openSync(logFile, 'w', 0o600);
  try {
    const child = spawn(file, args, { detached: true, stdio: ['ignore', fd, fd], windowsHide: true });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      // ENOENT etc.: spawn reports through 'error' and there is no exit.
      child.once('error', () => resolve({ code: -1, signal: null }));
    });
    child.unref();
    return { pid: child.pid ?? -1, exited };
  } finally {
    closeSync(fd); // QEMU holds its own copy of the descriptor.
  }
};
