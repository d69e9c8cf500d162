// Is a process alive, and is it the one we think? A pid file alone can lie
// (the pid may have been reused), so on Linux we also look at its command line.
import * as fs from 'node:fs';

/** The process exists (signal 0 succeeds, or EPERM: it exists but is not ours). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command line as one string (NULs as spaces), where the OS shows it (Linux); else undefined. */
export function cmdline(pid: number): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return undefined;
  }
}

/** True when pid lives and (where the OS lets us see it) its command line contains every marker. */
export function pidIs(pid: number, markers: string[]): boolean {
  if (!pidAlive(pid)) return false;
  if (process.platform !== 'linux') return true;
  const cmd = cmdline(pid);
  return cmd !== undefined && markers.every((m) => cmd.includes(m));
}

export function readPid(file: string): number | undefined {
  try {
    const n = parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}
