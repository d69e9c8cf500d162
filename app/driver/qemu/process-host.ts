// What the driver may ask the OS about processes. Injected so inspect/stop/kill
// are tested without real processes.
import { readFileSync } from 'node:fs';

export interface ProcessHost {
  /** The process exists (signal 0 succeeds, or EPERM: it exists but is not ours). */
  alive(pid: number): boolean;
  /** The command line as one string (NULs as spaces), where the OS shows it (Linux); else undefined. */
  cmdline(pid: number): string | undefined;
  /** Sends a signal; a process that is already gone is not an error. */
  kill(pid: number, signal: NodeJS.Signals): void;
}

export const realProcessHost: ProcessHost = {
  alive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
  cmdline(pid) {
    if (process.platform !== 'linux') return undefined;
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      return undefined;
    }
  },
  kill(pid, signal) {
    try {
      process.kill(pid, signal);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  },
};
