// Is a process alive, and is it the one we think? A pid file alone can lie
// (the pid may have been reused), so on Linux we also look at its command line.
import * as fs from 'node:fs';

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e: any) {
    return e.code === 'EPERM';
  }
}

/** True when pid lives and (where the OS lets us see it) its command line contains every marker. */
export function pidIs(pid: number, markers: string[]): boolean {
  if (!pidAlive(pid)) return false;
  if (process.platform !== 'linux') return true;
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    return markers.every((m) => cmd.includes(m));
  } catch {
    return false;
  }
}

export function readPid(file: string): number | undefined {
  try {
    const n = parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}
