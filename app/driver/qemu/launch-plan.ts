// QEMU's command line for one machine and accelerator, and its launch: what start() boots and
// what a resume must match.
import type { ProgressFn } from '../driver';
import type { VmSpec } from '../../base/vm-types';
import type { ConcreteAccel } from './accel';
import { buildQemuArgv } from './argv';
import type { QemuContext } from './context';
import { launch, type LaunchOutcome } from './launch';
import type { MachineFiles } from './machine-files';
import { newQmpEndpoint, type QmpEndpoint } from './qmp-endpoint';
import { fitOf } from './saved-vm';

export interface LaunchPlan {
  args: string[];
  /** What saved memory must match to be resumed (saved-vm fitOf). */
  fit: string;
  qmp: QmpEndpoint;
}

export async function plan(
  ctx: QemuContext,
  spec: VmSpec,
  files: MachineFiles,
  accel: ConcreteAccel,
): Promise<LaunchPlan> {
  const { system } = ctx.programs(spec.arch);
  const qmp = await newQmpEndpoint(ctx.host.platform, files);
  const args = buildQemuArgv({ spec, accel, files, qmp });
  const v = ctx.version(spec.arch);
  const fit = fitOf({
    program: system,
    qemuVersion: v && `${v.major}.${v.minor}.${v.micro} ${v.package ?? ''}`,
    accel,
    args,
    // The guest has the interpreter disk mounted: saved memory fits only the same file.
    images: [
      spec.image.kernel,
      spec.image.initrd,
      spec.image.rootfs,
      ...(spec.image.binfmt ? [spec.image.binfmt] : []),
    ],
    // The host key only when given: a machine made before it keeps the fit of its saved memory.
    configs: [
      files.authorizedKeys,
      files.daemonJson,
      files.shares,
      ...(spec.guestConfig.hostKey ? [files.hostKey] : []),
      ...(spec.guestConfig.engineSecret ? [files.engineSecret] : []),
    ],
  });
  return { args, fit, qmp };
}

/** Boots the VM afresh under one accelerator; a launch that shows no console output in time has failed. */
export async function launchWith(
  ctx: QemuContext,
  spec: VmSpec,
  files: MachineFiles,
  accel: ConcreteAccel,
  progressTimeoutMs: number,
  progress: ProgressFn,
): Promise<LaunchOutcome> {
  const { system } = ctx.programs(spec.arch);
  const { args, fit } = await plan(ctx, spec, files, accel);
  progress(`Starting QEMU (${accel})`);
  ctx.log(`${system} ${args.join(' ')}`);
  const outcome = await launch(
    {
      program: system,
      args,
      accel,
      files,
      pidfileTimeoutMs: ctx.pidfileTimeoutMs,
      progressTimeoutMs,
      pollMs: ctx.pollMs,
      fit,
    },
    ctx.spawn,
    ctx.procs,
  );
  if (outcome.ok) progress('The machine is booting (console output seen)');
  return outcome;
}
