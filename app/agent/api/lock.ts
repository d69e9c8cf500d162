// The agent lock's read side: which process, if any, owns a machine. The pid file alone can lie
// (a reused pid), so the process must also carry the agent marker and the machine's folder.
import { pidIs, readPid } from '../../base/proc';

/** The first argument of every host agent process, so others recognise it. */
export const AGENT_MARKER = 'berth-agent';

export function agentPidIfAlive(pidFile: string, machineDir: string): number | undefined {
  const pid = readPid(pidFile);
  return pid && pidIs(pid, [AGENT_MARKER, machineDir]) ? pid : undefined;
}
