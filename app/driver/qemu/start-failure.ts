// What a failed QEMU start tells the user: one line saying why, the logs' last lines as details.
import { firstLine, UserError } from '../../base/errors';
import { tailAsync } from '../../base/files';
import type { VmSpec } from '../../base/vm-types';
import type { ConcreteAccel } from './accel';
import type { LaunchOutcome } from './launch';
import type { MachineFiles } from './machine-files';

export type FailedLaunch = Exclude<LaunchOutcome, { ok: true }>;

export async function startFailure(
  spec: VmSpec,
  files: MachineFiles,
  accel: ConcreteAccel,
  o: FailedLaunch,
): Promise<UserError> {
  const stderr = await tailAsync(files.stderrLog, 20);
  const consoleTail = await tailAsync(files.console, 20);
  const details = `qemu.stderr.log (last lines):\n${stderr || '(empty)'}\n\nconsole.log (last lines):\n${consoleTail || '(empty)'}`;
  const message =
    o.reason === 'exited'
      ? `QEMU failed to start the machine "${spec.name}" (${accel}): ${firstLine(stderr) || exitText(o)}.`
      : `QEMU failed to start the machine "${spec.name}" (${accel}): no console output in ${seconds(o.waitedMs)} s, so it was stopped.`;
  return new UserError(message, { code: 'EQEMUSTART', details });
}

/** Why a hardware accelerator's launch failed, for the note that says TCG takes over. */
export async function fallbackReason(files: MachineFiles, accel: ConcreteAccel, o: FailedLaunch): Promise<string> {
  return o.reason === 'stalled'
    ? `${accel} made no progress in ${seconds(o.waitedMs)} s`
    : `${accel} failed (${firstLine(await tailAsync(files.stderrLog, 5)) || exitText(o)})`;
}

/** The first line QEMU wrote to stderr, if any. */
export async function stderrLine(files: MachineFiles): Promise<string> {
  return firstLine(await tailAsync(files.stderrLog, 5));
}

export function exitText(o: { code?: number | null; signal?: NodeJS.Signals | null }): string {
  return o.signal ? `QEMU was killed by ${o.signal}` : `QEMU exited with code ${o.code}`;
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return Number.isInteger(s) ? String(s) : s.toFixed(1);
}
