// The host agent process: `node out/app/agent/main.js berth-agent <machine dir> <name>`.
// Started detached by the CLI or the app; it outlives them and exits when its
// VM has stopped. (The marker and the folder in argv let others recognise it.)
import * as fs from 'node:fs';
import { createDriver } from '../driver/choose';
import { oneLine } from '../base/errors';
import { sleep } from '../base/time';
import type { AgentStatus } from '../base/machine-types';
import { machinePaths } from '../base/paths';
import { loadSettings } from '../base/settings/store';
import { ControlServer } from './control-server';
import { hostAgentDeps } from './host-deps';
import { acquireAgentLock, releaseAgentLock } from './lock';
import { MachineAgent } from './machine-agent';

/** How long an agent with no VM waits for a request before it leaves. */
const IDLE_EXIT_MS = 30000;

async function main(): Promise<void> {
  const name = process.argv[4];
  const paths = machinePaths(name);
  const log = (m: string) => fs.appendFileSync(paths.agentLog, `${new Date().toISOString()} ${m}\n`, { mode: 0o600 });
  if (!acquireAgentLock(paths.agentPid, paths.dir)) return; // another agent owns this machine
  log(`agent ${process.pid} started`);
  // The benchmark's engine TCP listener is asked for through this process's environment, and
  // taken from it here only (bench-engine-tcp.ts): no settings file or API call reaches it.
  // The machine's own hypervisor, from its settings (a machine made before there was a choice is QEMU's).
  const driver = createDriver(loadSettings(paths.settings)?.settings.driver ?? 'qemu', log);
  const agent = new MachineAgent(hostAgentDeps(name, paths, driver, log, process.env));
  const control = new ControlServer(paths.agentSock, agent, log);
  let exiting = false;
  const exit = async (why: string) => {
    if (exiting) return;
    exiting = true;
    agent.retire();
    log(`agent exiting: ${why}`);
    // Stop taking clients first, then give up the machine (a client that finds
    // the pid but no answer retries briefly, and spawns a new agent once the pid
    // is gone); attached clients get a moment to read the final status.
    await control.stopAccepting();
    await sleep(300);
    control.close();
    releaseAgentLock(paths.agentPid);
    process.exit(0);
  };
  await control.listen();
  // A start asked for while the machine was stopping runs once the stop is done (it begins in
  // the same turn of the event loop): then this agent stays to own the new VM.
  // exit() ends the process; a failure on its way is an agent bug, reported like any other.
  agent.on('stopped', () => setImmediate(() => agent.status.state === 'stopped' && void exit('the VM stopped')));
  setTimeout(() => {
    if (agent.status.state === 'stopped') void exit('nothing to do');
  }, IDLE_EXIT_MS).unref();
  process.on('SIGTERM', () => {
    agent.retire();
    void agent.down().finally(() => exit('SIGTERM'));
  });
  process.on('SIGINT', () => undefined); // a terminal's Ctrl-C must not take the machine down
  process.on('uncaughtException', (e) => {
    log(`agent bug: ${e.stack ?? oneLine(e)}`);
  });
  agent.on('status', (s: AgentStatus) => {
    // A start that failed leaves no VM behind: nothing to own any more.
    if (s.state === 'stopped' && s.error && !agent.status.vmPid)
      setTimeout(() => agent.status.state === 'stopped' && void exit('start failed'), 1000);
  });
}

main().catch((e) => {
  process.stderr.write(`berth agent: ${oneLine(e)}\n`);
  process.exit(1);
});
