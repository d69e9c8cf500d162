// Saving a running VM's memory at stop (suspend) and resuming it at the next start, instead of
// a fresh boot. What is saved, and when it still fits, is saved-vm's job; this is the doing.
import { existsSync } from 'node:fs';
import { rm, stat, writeFile } from 'node:fs/promises';
import { oneLine } from '../../base/errors';
import { sleep } from '../../base/time';
import type { VmSpec } from '../../base/vm-types';
import type { ProgressFn } from '../driver';
import type { ConcreteAccel } from './accel';
import type { QemuContext } from './context';
import { launch, readLaunchRecord } from './launch';
import { plan, type LaunchPlan } from './launch-plan';
import { machineFiles, type MachineFiles } from './machine-files';
import { loadFromFile, saveToFile } from './migration';
import { QmpClient } from './qmp';
import { currentQmpEndpoint, type QmpEndpoint } from './qmp-endpoint';
import { kill, runningPid, waitGone } from './qemu-process';
import { commitSaved, diskStamp, discardSaved, readSavedMeta, savedVmFiles, unfit } from './saved-vm';
import { exitText, stderrLine } from './start-failure';

/** Memory is written and read at disk speed: generous bounds for a machine with many GiB in use. */
const SAVE_TIMEOUT_MS = 300_000;
const RESUME_TIMEOUT_MS = 300_000;

/** Saving memory goes through /bin/sh (an exec: migration URI): not on Windows. */
export function canSaveMemory(platform: NodeJS.Platform): boolean {
  return platform !== 'win32';
}

/**
 * Resumes the VM from the memory suspend() saved, if there is some and it still fits under one
 * of the accelerators; the one it now runs under, else undefined. Memory that does not fit, or
 * fails to load, is thrown away (the guest synced its disk before it was saved) and the caller
 * boots afresh.
 */
export async function resumeIfSaved(
  ctx: QemuContext,
  spec: VmSpec,
  files: MachineFiles,
  accels: ConcreteAccel[],
  progress: ProgressFn,
): Promise<ConcreteAccel | undefined> {
  const saved = savedVmFiles(spec.dir);
  if (![saved.state, saved.meta, saved.partial].some((f) => existsSync(f))) return undefined;
  if (!canSaveMemory(ctx.host.platform)) {
    await discardSaved(saved);
    return undefined;
  }
  const { system } = ctx.programs(spec.arch);
  const meta = readSavedMeta(saved);
  const disk = await diskStamp(files.dataDisk).catch(() => undefined);
  let why = 'its description is missing or unreadable';
  let fitting: (LaunchPlan & { accel: ConcreteAccel }) | undefined;
  for (const accel of accels) {
    const p = { ...(await plan(ctx, spec, files, accel)), accel };
    const no = unfit(meta, p.fit, disk);
    if (!no) {
      fitting = p;
      break;
    }
    // The reason worth telling is the one of the accelerator the memory was saved under.
    if (accel === accels[0] || meta?.fit === p.fit) why = no;
  }
  if (!fitting) {
    progress(`The saved memory is not resumed (${why}): booting afresh`);
    await discardSaved(saved);
    return undefined;
  }
  const { args, fit, qmp: ep, accel } = fitting;
  // From here on this memory is never resumed again, whatever happens: without its description
  // it is only a file to delete.
  await rm(saved.meta, { force: true });
  progress(`Resuming QEMU (${accel}) from the saved memory`);
  ctx.log(`${system} ${args.join(' ')} -incoming defer`);
  const outcome = await launch(
    {
      program: system,
      args: [...args, '-incoming', 'defer'],
      accel,
      files,
      pidfileTimeoutMs: ctx.pidfileTimeoutMs,
      progressTimeoutMs: 0,
      pollMs: ctx.pollMs,
      fit,
      resuming: true,
    },
    ctx.spawn,
    ctx.procs,
  );
  try {
    if (!outcome.ok)
      throw new Error(
        (await stderrLine(files)) || (outcome.reason === 'exited' ? exitText(outcome) : 'QEMU did not start'),
      );
    ctx.log('resume: QEMU started');
    const qmp = await connectQmp(ctx, ep, outcome.pid);
    ctx.log('resume: QMP connected');
    try {
      await loadFromFile(qmp, saved.state, RESUME_TIMEOUT_MS);
      ctx.log('resume: loaded');
      await rm(saved.state, { force: true });
      await qmp.execute('cont');
    } finally {
      qmp.close();
    }
  } catch (e) {
    const reason = (await stderrLine(files)) || oneLine(e);
    ctx.log(`resume failed: ${reason}`);
    await kill(ctx, spec);
    await discardSaved(saved);
    progress(`The saved memory could not be resumed (${reason}): booting afresh`);
    return undefined;
  }
  progress('The machine resumed from its saved memory');
  return accel;
}

/** QEMU writes its pidfile before it opens the QMP socket: a few tries while it comes up. */
async function connectQmp(ctx: QemuContext, ep: QmpEndpoint, pid: number): Promise<QmpClient> {
  for (let tries = 0; ; tries++) {
    try {
      return await QmpClient.connect(ep, 5000);
    } catch (e) {
      if (tries >= 100 || !ctx.procs.alive(pid)) throw e;
      await sleep(20);
    }
  }
}

/** Saves the running VM's memory and device state, and lets QEMU go: the VM is stopped after. */
export async function suspend(ctx: QemuContext, spec: VmSpec): Promise<void> {
  if (!canSaveMemory(ctx.host.platform)) throw new Error("QEMU on Windows cannot save the machine's memory yet");
  const files = machineFiles(spec.dir);
  const saved = savedVmFiles(spec.dir);
  const pid = await runningPid(ctx, spec);
  if (pid === undefined) throw new Error('the VM is not running');
  const rec = await readLaunchRecord(files.launchFile);
  if (!rec?.fit) throw new Error('the VM was started by an earlier version of Berth');
  const ep = await currentQmpEndpoint(ctx.host.platform, files);
  if (!ep) throw new Error('no QMP endpoint recorded');
  await discardSaved(saved);
  // Created here so that it is the user's alone from the first byte (cat only writes into it).
  await writeFile(saved.partial, '', { mode: 0o600 });
  const qmp = await QmpClient.connect(ep, 5000);
  try {
    const info = await saveToFile(qmp, saved.partial, SAVE_TIMEOUT_MS);
    ctx.log(`saved the VM's memory: ${info.bytes ?? '?'} bytes`);
    // QEMU flushed the disks when the save completed; it has nothing left to do.
    await qmp.quit().catch(() => undefined);
  } catch (e) {
    await rm(saved.partial, { force: true });
    throw e;
  } finally {
    qmp.close();
  }
  if (!(await waitGone(ctx, pid, 10_000))) {
    ctx.procs.kill(pid, 'SIGKILL');
    await waitGone(ctx, pid, 5000);
  }
  await rm(files.pidfile, { force: true });
  // The disk's stamp is taken once no process has it open: any later write shows.
  const bytes = (await stat(saved.partial)).size;
  await commitSaved(saved, {
    version: 1,
    fit: rec.fit,
    disk: await diskStamp(files.dataDisk),
    savedAt: new Date().toISOString(),
    bytes,
  });
}
