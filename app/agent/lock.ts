// One agent per machine: the agent pid file is created exclusively; a stale
// one (its process gone or not an agent) is replaced.
import * as fs from 'node:fs';
import { pidIs, readPid } from '../core/proc';

export const AGENT_MARKER = 'berth-agent';

export function agentPidIfAlive(pidFile: string, machineDir: string): number | undefined {
  const pid = readPid(pidFile);
  return pid && pidIs(pid, [AGENT_MARKER, machineDir]) ? pid : undefined;
}

/** Returns true when this process now owns the machine. */
export function acquireAgentLock(pidFile: string, machineDir: string): boolean {
  for (let i = 0; i < 3; i++) {
    try {
      fs.writeFileSync(pidFile, String(process.pid), { flag: 'wx', mode: 0o600 });
      return true;
    } catch (e: any) {
      if (e.code !== 'EEXIST') throw e;
      const other = agentPidIfAlive(pidFile, machineDir);
      if (other && other !== process.pid) return false;
      fs.rmSync(pidFile, { force: true });
    }
  }
  return false;
}

export function releaseAgentLock(pidFile: string): void {
  if (readPid(pidFile) === process.pid) fs.rmSync(pidFile, { force: true });
}
