// One agent per machine: the agent pid file is created exclusively; a stale
// one (its process gone or not an agent) is replaced.
import * as fs from 'node:fs';
import { pidIs, readPid } from '../core/proc';

export const AGENT_MARKER = 'berth-agent';

export function agentPidIfAlive(pidFile: string, machineDir: string): number | undefined {
  const pid = readPid(pidFile);
  return pid && pidIs(pid, [AGENT_MARKER, machineDir]) ? pid : undefined;
}

/**
 * Returns true when this process now owns the machine. The pid file appears with its content
 * already in it (written aside, then hard-linked into place, which fails if the name exists): a
 * second agent started at the same moment must never read it empty, take it for stale and
 * replace it, leaving two agents of which the first no longer shows as the owner.
 */
export function acquireAgentLock(pidFile: string, machineDir: string): boolean {
  const mine = `${pidFile}.${process.pid}`;
  fs.writeFileSync(mine, String(process.pid), { mode: 0o600 });
  try {
    for (let i = 0; i < 3; i++) {
      try {
        fs.linkSync(mine, pidFile);
        return true;
      } catch (e: any) {
        if (e.code !== 'EEXIST') throw e;
        const other = agentPidIfAlive(pidFile, machineDir);
        if (other && other !== process.pid) return false;
        removeStale(pidFile, readPid(pidFile));
      }
    }
    return false;
  } finally {
    fs.rmSync(mine, { force: true });
  }
}

/**
 * Move a stale pid file out of the way, unless another agent replaced it since it was judged
 * stale: then its file is put back (it raced us and won).
 */
function removeStale(pidFile: string, stalePid: number | undefined): void {
  const aside = `${pidFile}.stale.${process.pid}`;
  try {
    fs.renameSync(pidFile, aside);
  } catch {
    return; // gone already
  }
  if (readPid(aside) !== stalePid) {
    try {
      fs.linkSync(aside, pidFile);
    } catch {
      /* a third agent got there: it owns the machine */
    }
  }
  fs.rmSync(aside, { force: true });
}

export function releaseAgentLock(pidFile: string): void {
  if (readPid(pidFile) === process.pid) fs.rmSync(pidFile, { force: true });
}
