// Starts one QEMU process with one accelerator and watches it until it either
// makes progress (first byte on the serial console), exits, or stalls. It does
// not decide what to do next: the driver chooses between fallback and error.
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import type { ConcreteAccel } from './accel';
import type { MachineFiles } from './machine-files';
import type { ProcessHost } from './process-host';
import type { Spawner } from './spawner';
import { pollUntil } from '../../base/time';

export interface LaunchRequest {
  program: string;
  args: string[];
  accel: ConcreteAccel;
  files: MachineFiles;
  /** How long QEMU may take to write its pidfile. */
  pidfileTimeoutMs: number;
  /** How long the console may stay silent before the launch counts as stalled. */
  progressTimeoutMs: number;
  pollMs: number;
  /** fitOf() this launch, kept in the launch record for a later save of its memory. */
  fit: string;
  /** A VM loading saved memory prints nothing: it has started once QEMU wrote its pidfile. */
  resuming?: boolean;
}

export type LaunchOutcome =
  | { ok: true; pid: number }
  | { ok: false; reason: 'exited'; code: number | null; signal: NodeJS.Signals | null }
  | { ok: false; reason: 'stalled'; waitedMs: number };

/** What was started last, kept in the machine folder for diagnostics and an idempotent start. */
export interface LaunchRecord {
  accel: ConcreteAccel;
  program: string;
  args: string[];
  startedAt: string;
  fit?: string;
}

export async function readPidfile(file: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(file, 'utf8')).trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export async function readLaunchRecord(file: string): Promise<LaunchRecord | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LaunchRecord;
  } catch {
    return undefined;
  }
}

export async function launch(req: LaunchRequest, spawn: Spawner, procs: ProcessHost): Promise<LaunchOutcome> {
  const { files } = req;
  await rotate(files.console, files.consoleOld);
  await rm(files.pidfile, { force: true });
  const record: LaunchRecord = {
    accel: req.accel,
    program: req.program,
    args: req.args,
    startedAt: new Date().toISOString(),
    fit: req.fit,
  };
  await writeFile(files.launchFile, JSON.stringify(record, null, 2) + '\n', { mode: 0o600 });

  const child = spawn(req.program, req.args, files.stderrLog);
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void child.exited.then((e) => {
    exit = e;
  });
  const exitedOutcome = async (): Promise<LaunchOutcome> => {
    await rm(files.pidfile, { force: true });
    return { ok: false, reason: 'exited', code: exit!.code, signal: exit!.signal };
  };

  // The pidfile is what inspect() trusts later; QEMU writes it before the guest runs.
  const pidSeen = await pollUntil(
    async () => exit !== undefined || (await readPidfile(files.pidfile)) !== undefined,
    req.pidfileTimeoutMs,
    req.pollMs,
  );
  if (exit) return exitedOutcome();
  if (pidSeen && req.resuming) return { ok: true, pid: child.pid };

  // First byte on the serial console: firmware or kernel is executing, the accelerator works.
  const progressed =
    pidSeen &&
    (await pollUntil(
      async () => exit !== undefined || (await hasOutput(files.console)),
      req.progressTimeoutMs,
      req.pollMs,
    ));
  if (exit) return exitedOutcome();
  if (progressed) return { ok: true, pid: child.pid };

  // Stalled: a hung hardware accelerator, or QEMU never wrote its pidfile. Do not leave it behind.
  procs.kill(child.pid, 'SIGKILL');
  await Promise.race([child.exited, pollUntil(() => !procs.alive(child.pid), 5000, req.pollMs)]);
  await rm(files.pidfile, { force: true });
  return { ok: false, reason: 'stalled', waitedMs: pidSeen ? req.progressTimeoutMs : req.pidfileTimeoutMs };
}

/** Keeps the previous boot's console as console.log.1, so a failed boot can be read after a retry. */
async function rotate(file: string, old: string): Promise<void> {
  try {
    await rename(file, old);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** The serial console has output: where "the VM is making progress" is observed. */
async function hasOutput(file: string): Promise<boolean> {
  try {
    return (await stat(file)).size > 0;
  } catch {
    return false;
  }
}
