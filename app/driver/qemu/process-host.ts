// What the driver may ask the OS about processes. Injected so inspect/stop/kill
// are tested without real processes; the real one is base/proc's.
import { cmdline, pidAlive } from '../../base/proc';

export interface ProcessHost {
  /** The process exists (signal 0 succeeds, or EPERM: it exists but is not ours). */
  alive(pid: number): boolean;
  /** The command line as one string (NULs as spaces), where the OS shows it (Linux); else undefined. */
  cmdline(pid: number): string | undefined;
  /** Sends a signal; a process that is already gone is not an error. */
  kill(pid: number, signal: NodeJS.Signals): void;
}

export const realProcessHost: ProcessHost = {
  alive: pidAlive,
  cmdline,
  kill(pid, signal) {
    try {
      process.kill(pid, signal);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  },
};
