// One agent per machine, the owner's side: the agent pid file is created exclusively; a stale
// one (its process gone or not an agent) is replaced. Others read it with api/lock.ts.
import * as fs from 'node:fs';
import { pidAlive, readPid } from '../base/proc';
import { sleepSync } from '../base/time';
import { agentPidIfAlive } from './api/lock';

/**
 * Returns true when this process now owns the machine. The pid file appears with its content
 * already in it (written aside, then hard-linked into place, which fails if the name exists), so a
 * second agent started at the same moment never reads it empty and takes it for stale. Replacing a
 * stale file (its agent is gone) happens under a guard file that only one agent holds at a time,
 * so two agents can never both replace it and both believe they own the machine.
 */
export function acquireAgentLock(pidFile: string, machineDir: string): boolean {
  const mine = `${pidFile}.${process.pid}`;
  fs.writeFileSync(mine, String(process.pid), { mode: 0o600 });
  try {
    for (let i = 0; i < 100; i++) {
      if (linked(mine, pidFile)) return true;
      const other = agentPidIfAlive(pidFile, machineDir);
      if (other && other !== process.pid) return false;
      const taken = replaceStale(pidFile, machineDir, mine);
      if (taken !== undefined) return taken;
      sleepSync(10); // another agent holds the guard: look again
    }
    return false;
  } finally {
    fs.rmSync(mine, { force: true });
  }
}

/** link(2): true if `to` was created, false if it exists. */
function linked(from: string, to: string): boolean {
  try {
    fs.linkSync(from, to);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return false;
  }
}

/** Under the guard: true = now ours, false = a live agent owns it, undefined = guard busy. */
function replaceStale(pidFile: string, machineDir: string, mine: string): boolean | undefined {
  const guard = `${pidFile}.takeover`;
  if (!linked(mine, guard)) {
    // A guard whose holder died (held for microseconds, so only after a crash) is cleared.
    const holder = readPid(guard);
    if (holder !== undefined && !pidAlive(holder)) fs.rmSync(guard, { force: true });
    return undefined;
  }
  try {
    const other = agentPidIfAlive(pidFile, machineDir);
    if (other && other !== process.pid) return false;
    fs.rmSync(pidFile, { force: true });
    // A newcomer may link between the removal and this link: then it owns the machine.
    return linked(mine, pidFile);
  } finally {
    fs.rmSync(guard, { force: true });
  }
}

export function releaseAgentLock(pidFile: string): void {
  if (readPid(pidFile) === process.pid) fs.rmSync(pidFile, { force: true });
}
