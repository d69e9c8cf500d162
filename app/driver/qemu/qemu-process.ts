// The running QEMU process of a machine: which one it is (the pidfile, checked against the
// process table), and how it is stopped: asked to power off, terminated, or killed.
import { rm } from 'node:fs/promises';
import { oneLine } from '../../base/errors';
import { pollUntil } from '../../base/time';
import type { VmSpec } from '../../base/vm-types';
import type { QemuContext } from './context';
import { readPidfile } from './launch';
import { machineFiles } from './machine-files';
import { QmpClient } from './qmp';
import { currentQmpEndpoint } from './qmp-endpoint';

/** How stop() ended; the Driver contract only needs "stopped", the agent may want to say how. */
export type StopOutcome = 'not-running' | 'powered-off' | 'terminated' | 'killed';

/** The pid in the pidfile if that process is alive and is this machine's QEMU; a stale pidfile is removed. */
export async function runningPid(ctx: QemuContext, spec: VmSpec): Promise<number | undefined> {
  const files = machineFiles(spec.dir);
  const pid = await readPidfile(files.pidfile);
  if (pid === undefined) return undefined;
  if (isOurQemu(ctx, pid, spec)) return pid;
  ctx.log(`removing stale pidfile ${files.pidfile} (pid ${pid} is not this machine's QEMU)`);
  await rm(files.pidfile, { force: true });
  return undefined;
}

function isOurQemu(ctx: QemuContext, pid: number, spec: VmSpec): boolean {
  if (!ctx.procs.alive(pid)) return false;
  // Where the OS shows command lines (Linux), a reused pid is told apart by our machine folder.
  const cmd = ctx.procs.cmdline(pid);
  return cmd === undefined || cmd.includes(spec.dir);
}

export function waitGone(ctx: QemuContext, pid: number, timeoutMs: number): Promise<boolean> {
  return pollUntil(() => !ctx.procs.alive(pid), timeoutMs, ctx.pollMs);
}

/** ACPI power-off, else SIGTERM after timeoutMs, else SIGKILL; says how it ended. */
export async function shutdown(ctx: QemuContext, spec: VmSpec, timeoutMs: number): Promise<StopOutcome> {
  const files = machineFiles(spec.dir);
  const pid = await runningPid(ctx, spec);
  if (pid === undefined) return 'not-running';
  let asked = false;
  try {
    const ep = await currentQmpEndpoint(ctx.host.platform, files);
    if (!ep) throw new Error('no QMP endpoint recorded');
    const qmp = await QmpClient.connect(ep, Math.min(5000, timeoutMs));
    try {
      await qmp.systemPowerdown();
      asked = true;
    } finally {
      qmp.close();
    }
  } catch (e) {
    ctx.log(`could not ask the guest to power off (${oneLine(e)}); terminating QEMU`);
  }
  let outcome: StopOutcome;
  if (asked && (await waitGone(ctx, pid, timeoutMs))) {
    outcome = 'powered-off';
  } else {
    if (asked) ctx.log(`the guest did not power off within ${timeoutMs} ms; terminating QEMU`);
    // SIGTERM lets QEMU flush and close its disk images; SIGKILL only if it hangs.
    ctx.procs.kill(pid, 'SIGTERM');
    if (await waitGone(ctx, pid, 3000)) {
      outcome = 'terminated';
    } else {
      ctx.log('QEMU ignored SIGTERM; killing it');
      ctx.procs.kill(pid, 'SIGKILL');
      await waitGone(ctx, pid, 5000);
      outcome = 'killed';
    }
  }
  await rm(files.pidfile, { force: true });
  return outcome;
}

export async function kill(ctx: QemuContext, spec: VmSpec): Promise<void> {
  const pid = await runningPid(ctx, spec);
  if (pid === undefined) return;
  ctx.procs.kill(pid, 'SIGKILL');
  await waitGone(ctx, pid, 5000);
  await rm(machineFiles(spec.dir).pidfile, { force: true });
}
