// The QEMU driver: runs one machine's VM as a detached QEMU process and observes
// it only through files in the machine folder (pidfile, console log) and QMP, so
// any fresh process (CLI, agent, app) can tell what is going on.
import { existsSync } from 'node:fs';
import { chmod, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { firstLine, oneLine, UserError } from '../../base/errors';
import { tailAsync } from '../../base/files';
import { coveredSystemFolder } from '../../base/shares';
import type { Driver, ProgressFn, StartResult } from '../driver';
import type { SavedVm, SharedFolder, VmSpec, VmState } from '../../base/vm-types';
import { isHardwareAccel, kvmDeviceUsable, resolveAccel, type ConcreteAccel } from './accel';
import { buildQemuArgv, sharesTable } from './argv';
import {
  findQemu,
  installHint,
  parseQemuVersion,
  realHostFacts,
  type HostFacts,
  type QemuPrograms,
  type QemuVersion,
} from './find-qemu';
import { launch, readLaunchRecord, readPidfile, type LaunchOutcome } from './launch';
import { machineFiles, type MachineFiles } from './machine-files';
import { QemuImg } from './qemu-img';
import { checkAddReply, checkRemoveReply, hostfwdAdd, hostfwdRemove } from './hostfwd';
import { loadFromFile, saveToFile } from './migration';
import { QmpClient } from './qmp';
import { currentQmpEndpoint, newQmpEndpoint, type QmpEndpoint } from './qmp-endpoint';
import { commitSaved, diskStamp, discardSaved, fitOf, readSavedMeta, savedVmFiles, unfit } from './saved-vm';
import { realProcessHost, type ProcessHost } from './process-host';
import { execFileRunner, type Runner } from '../../base/run';
import { detachedSpawner, type Spawner } from './spawner';
import { pollUntil, sleep } from '../../base/time';

export interface QemuDriverOptions {
  /** Diagnostic lines (not user-facing progress). */
  log?: (message: string) => void;
  runner?: Runner;
  spawner?: Spawner;
  processes?: ProcessHost;
  host?: HostFacts;
  /** Linux: /dev/kvm can be opened. Default checks the real device. */
  kvmUsable?: () => boolean;
  /** Skip the PATH search (tests, or a QEMU bundled with the app). */
  programs?: QemuPrograms;
  /** accel 'auto': how long a hardware accelerator may show no console output before falling back. */
  hardwareProgressTimeoutMs?: number;
  /** TCG or an explicit accelerator: how long until no console output counts as a failed start. */
  bootProgressTimeoutMs?: number;
  pidfileTimeoutMs?: number;
  pollMs?: number;
}

/** How stop() ended; the Driver contract only needs "stopped", the agent may want to say how. */
export type StopOutcome = 'not-running' | 'powered-off' | 'terminated' | 'killed';

/** Memory is written and read at disk speed: generous bounds for a machine with many GiB in use. */
const SAVE_TIMEOUT_MS = 300_000;
const RESUME_TIMEOUT_MS = 300_000;

/** Oldest QEMU with everything the argv uses (tb-size as an accel option, free-page-reporting, server=on). */
const MIN_QEMU = { major: 6, minor: 0 };

export class QemuDriver implements Driver {
  readonly name = 'qemu';
  /** QEMU's Windows builds have no 9p file server (-fsdev/-virtfs). */
  private readonly fileSharing: boolean;
  /** Saving memory goes through /bin/sh (an exec: migration URI): not on Windows. */
  private readonly canSuspend: boolean;

  private readonly log: (m: string) => void;
  private readonly run: Runner;
  private readonly spawn: Spawner;
  private readonly procs: ProcessHost;
  private readonly host: HostFacts;
  private readonly kvmUsable: () => boolean;
  private found?: QemuPrograms;
  private readonly hwTimeoutMs: number;
  private readonly bootTimeoutMs: number;
  private readonly pidfileTimeoutMs: number;
  private readonly pollMs: number;
  /** Set by validate(). */
  version?: QemuVersion;

  constructor(opts: QemuDriverOptions = {}) {
    this.log = opts.log ?? (() => undefined);
    this.run = opts.runner ?? execFileRunner;
    this.spawn = opts.spawner ?? detachedSpawner;
    this.procs = opts.processes ?? realProcessHost;
    this.host = opts.host ?? realHostFacts();
    this.kvmUsable = opts.kvmUsable ?? (() => kvmDeviceUsable());
    this.found = opts.programs;
    this.hwTimeoutMs = opts.hardwareProgressTimeoutMs ?? 15_000;
    this.bootTimeoutMs = opts.bootProgressTimeoutMs ?? 120_000;
    this.pidfileTimeoutMs = opts.pidfileTimeoutMs ?? 10_000;
    this.pollMs = opts.pollMs ?? 100;
    const posix = this.host.platform !== 'win32';
    this.fileSharing = posix;
    this.canSuspend = posix;
  }

  private programs(): QemuPrograms {
    this.found ??= findQemu(this.host);
    return this.found;
  }

  async validate(): Promise<void> {
    const { system } = this.programs();
    const r = await this.run(system, ['--version']);
    const v = r.code === 0 ? parseQemuVersion(r.stdout) : undefined;
    if (!v) {
      throw new UserError(
        `QEMU is installed but does not run (${system}): ${firstLine(r.stderr) || `exit code ${r.code}`}.`,
        { code: 'EQEMUBROKEN', details: r.stdout + r.stderr },
      );
    }
    if (v.major < MIN_QEMU.major || (v.major === MIN_QEMU.major && v.minor < MIN_QEMU.minor)) {
      throw new UserError(
        `QEMU ${v.major}.${v.minor} is too old; Berth needs ${MIN_QEMU.major}.${MIN_QEMU.minor} or newer: ${installHint(this.host.platform)}.`,
        { code: 'EQEMUOLD' },
      );
    }
    this.version = v;
  }

  async createDisk(spec: VmSpec): Promise<void> {
    const files = machineFiles(spec.dir);
    await mkdir(spec.dir, { recursive: true, mode: 0o700 });
    const img = new QemuImg(this.run, this.programs().img);
    if (!existsSync(files.dataDisk)) {
      await img.create(files.dataDisk, spec.diskGiB);
      this.log(`created ${files.dataDisk} (${spec.diskGiB} GiB)`);
      return;
    }
    const size = (await img.info(files.dataDisk)).virtualSizeBytes;
    if (size === spec.diskGiB * 1024 ** 3) return;
    if (size < spec.diskGiB * 1024 ** 3 && (await this.inspect(spec)) === 'running') {
      throw new UserError(`Stop the machine "${spec.name}" before growing its disk to ${spec.diskGiB} GiB.`, {
        code: 'EDISKBUSY',
      });
    }
    if ((await img.grow(files.dataDisk, spec.diskGiB)) === 'grown')
      this.log(`grew ${files.dataDisk} to ${spec.diskGiB} GiB`);
  }

  async start(requested: VmSpec, progress: ProgressFn): Promise<StartResult> {
    const files = machineFiles(requested.dir);
    if ((await this.inspect(requested)) === 'running') {
      const rec = await readLaunchRecord(files.launchFile);
      return { accel: rec?.accel ?? 'tcg', note: 'the machine was already running' };
    }
    const spec: VmSpec = { ...requested, shares: await this.sharesToMount(requested, progress) };
    await this.createDisk(spec);
    await this.writeGuestConfig(spec, files);

    const accel = resolveAccel(spec.accel, { platform: this.host.platform, kvmUsable: this.kvmUsable() });
    // A machine that auto fell back to TCG for ran under TCG: its memory resumes only there.
    const resumable: ConcreteAccel[] = spec.accel === 'auto' && isHardwareAccel(accel) ? [accel, 'tcg'] : [accel];
    const resumed = await this.resumeIfSaved(spec, files, resumable, progress);
    if (resumed === accel) return { accel, resumed: true };
    if (resumed)
      return {
        accel: resumed,
        resumed: true,
        note: `resumed under ${resumed.toUpperCase()}, as the machine ran before it was saved`,
      };
    if (spec.accel === 'auto' && isHardwareAccel(accel)) {
      const first = await this.launchWith(spec, files, accel, this.hwTimeoutMs, progress);
      if (first.ok) return { accel };
      const why =
        first.reason === 'stalled'
          ? `${accel} made no progress in ${seconds(first.waitedMs)} s`
          : `${accel} failed (${firstLine(await tailAsync(files.stderrLog, 5)) || exitText(first)})`;
      const note = `${why}; falling back to TCG (software emulation, slower)`;
      progress(note);
      this.log(note);
      const second = await this.launchWith(spec, files, 'tcg', this.bootTimeoutMs, progress);
      if (!second.ok) throw await this.startFailure(spec, files, 'tcg', second);
      return { accel: 'tcg', note };
    }
    const only = await this.launchWith(spec, files, accel, this.bootTimeoutMs, progress);
    if (!only.ok) throw await this.startFailure(spec, files, accel, only);
    const note =
      spec.accel === 'auto' ? 'no hardware accelerator available; using TCG (software emulation, slower)' : undefined;
    return note ? { accel, note } : { accel };
  }

  /**
   * The shared folders that can be shared now. A folder that is not there (an unplugged drive,
   * a renamed project) is left out with a note rather than keeping the machine from starting.
   */
  private async sharesToMount(spec: VmSpec, progress: ProgressFn): Promise<SharedFolder[]> {
    if (!spec.shares.length) return [];
    if (!this.fileSharing) {
      progress('Folders are not shared: QEMU on Windows has no file sharing (9p)');
      return [];
    }
    const present: SharedFolder[] = [];
    for (const share of spec.shares) {
      const covered = coveredSystemFolder(share.guestPath);
      if (covered)
        progress(`Shared folder ${share.hostPath} is not shared: it would hide the machine's own ${covered}`);
      else if (
        await stat(share.hostPath).then(
          (st) => st.isDirectory(),
          () => false,
        )
      )
        present.push(share);
      else progress(`Shared folder ${share.hostPath} is not there: not shared this time`);
    }
    return present;
  }

  private async writeGuestConfig(spec: VmSpec, files: MachineFiles): Promise<void> {
    await mkdir(files.guestDir, { recursive: true, mode: 0o700 });
    const guestFiles: [string, string][] = [
      [files.authorizedKeys, spec.guestConfig.authorizedKeys],
      [files.daemonJson, spec.guestConfig.daemonJson],
      [files.shares, sharesTable(spec.shares)],
    ];
    for (const [file, text] of guestFiles) {
      await writeFile(file, text, { mode: 0o600 });
      await chmod(file, 0o600); // mode above applies only when the file is new
    }
  }

  /** QEMU's command line for this spec, and its fit (what saved memory must match to be resumed). */
  private async plan(
    spec: VmSpec,
    files: MachineFiles,
    accel: ConcreteAccel,
  ): Promise<{ args: string[]; fit: string; qmp: QmpEndpoint }> {
    const { system, arch } = this.programs();
    const qmp = await newQmpEndpoint(this.host.platform, files);
    const args = buildQemuArgv({ spec, accel, arch, files, qmp });
    const v = this.version;
    const fit = fitOf({
      program: system,
      qemuVersion: v && `${v.major}.${v.minor}.${v.micro} ${v.package ?? ''}`,
      accel,
      args,
      images: [spec.image.kernel, spec.image.initrd, spec.image.rootfs],
      configs: [files.authorizedKeys, files.daemonJson, files.shares],
    });
    return { args, fit, qmp };
  }

  private async launchWith(
    spec: VmSpec,
    files: MachineFiles,
    accel: ConcreteAccel,
    progressTimeoutMs: number,
    progress: ProgressFn,
  ): Promise<LaunchOutcome> {
    const { system } = this.programs();
    const { args, fit } = await this.plan(spec, files, accel);
    progress(`Starting QEMU (${accel})`);
    this.log(`${system} ${args.join(' ')}`);
    const outcome = await launch(
      {
        program: system,
        args,
        accel,
        files,
        pidfileTimeoutMs: this.pidfileTimeoutMs,
        progressTimeoutMs,
        pollMs: this.pollMs,
        fit,
      },
      this.spawn,
      this.procs,
    );
    if (outcome.ok) progress('The machine is booting (console output seen)');
    return outcome;
  }

  /**
   * Resumes the VM from the memory suspend() saved, if there is some and it still fits under one
   * of the accelerators; the one it now runs under, else undefined. Memory that does not fit, or
   * fails to load, is thrown away (the guest synced its disk before it was saved) and the caller
   * boots afresh.
   */
  private async resumeIfSaved(
    spec: VmSpec,
    files: MachineFiles,
    accels: ConcreteAccel[],
    progress: ProgressFn,
  ): Promise<ConcreteAccel | undefined> {
    const saved = savedVmFiles(spec.dir);
    if (![saved.state, saved.meta, saved.partial].some((f) => existsSync(f))) return undefined;
    if (!this.canSuspend) {
      await discardSaved(saved);
      return undefined;
    }
    const { system } = this.programs();
    const meta = readSavedMeta(saved);
    const disk = await diskStamp(files.dataDisk).catch(() => undefined);
    let why = 'its description is missing or unreadable';
    let plan: { args: string[]; fit: string; qmp: QmpEndpoint; accel: ConcreteAccel } | undefined;
    for (const accel of accels) {
      const p = { ...(await this.plan(spec, files, accel)), accel };
      const no = unfit(meta, p.fit, disk);
      if (!no) {
        plan = p;
        break;
      }
      // The reason worth telling is the one of the accelerator the memory was saved under.
      if (accel === accels[0] || meta?.fit === p.fit) why = no;
    }
    if (!plan) {
      progress(`The saved memory is not resumed (${why}): booting afresh`);
      await discardSaved(saved);
      return undefined;
    }
    const { args, fit, qmp: ep, accel } = plan;
    // From here on this memory is never resumed again, whatever happens: without its description
    // it is only a file to delete.
    await rm(saved.meta, { force: true });
    progress(`Resuming QEMU (${accel}) from the saved memory`);
    this.log(`${system} ${args.join(' ')} -incoming defer`);
    const outcome = await launch(
      {
        program: system,
        args: [...args, '-incoming', 'defer'],
        accel,
        files,
        pidfileTimeoutMs: this.pidfileTimeoutMs,
        progressTimeoutMs: 0,
        pollMs: this.pollMs,
        fit,
        resuming: true,
      },
      this.spawn,
      this.procs,
    );
    try {
      if (!outcome.ok)
        throw new Error(
          firstLine(await tailAsync(files.stderrLog, 5)) ||
            (outcome.reason === 'exited' ? exitText(outcome) : 'QEMU did not start'),
        );
      this.log('resume: QEMU started');
      const qmp = await this.connectQmp(ep, outcome.pid);
      this.log('resume: QMP connected');
      try {
        await loadFromFile(qmp, saved.state, RESUME_TIMEOUT_MS);
        this.log('resume: loaded');
        await rm(saved.state, { force: true });
        await qmp.execute('cont');
      } finally {
        qmp.close();
      }
    } catch (e) {
      const stderr = firstLine(await tailAsync(files.stderrLog, 5));
      const reason = stderr || oneLine(e);
      this.log(`resume failed: ${reason}`);
      await this.kill(spec);
      await discardSaved(saved);
      progress(`The saved memory could not be resumed (${reason}): booting afresh`);
      return undefined;
    }
    progress('The machine resumed from its saved memory');
    return accel;
  }

  /** QEMU writes its pidfile before it opens the QMP socket: a few tries while it comes up. */
  private async connectQmp(ep: QmpEndpoint, pid: number): Promise<QmpClient> {
    for (let tries = 0; ; tries++) {
      try {
        return await QmpClient.connect(ep, 5000);
      } catch (e) {
        if (tries >= 100 || !this.procs.alive(pid)) throw e;
        await sleep(20);
      }
    }
  }

  async suspend(spec: VmSpec): Promise<void> {
    if (!this.canSuspend) throw new Error("QEMU on Windows cannot save the machine's memory yet");
    const files = machineFiles(spec.dir);
    const saved = savedVmFiles(spec.dir);
    const pid = await this.pid(spec);
    if (pid === undefined) throw new Error('the VM is not running');
    const rec = await readLaunchRecord(files.launchFile);
    if (!rec?.fit) throw new Error('the VM was started by an earlier version of Berth');
    const ep = await currentQmpEndpoint(this.host.platform, files);
    if (!ep) throw new Error('no QMP endpoint recorded');
    await discardSaved(saved);
    // Created here so that it is the user's alone from the first byte (cat only writes into it).
    await writeFile(saved.partial, '', { mode: 0o600 });
    const qmp = await QmpClient.connect(ep, 5000);
    try {
      const info = await saveToFile(qmp, saved.partial, SAVE_TIMEOUT_MS);
      this.log(`saved the VM's memory: ${info.bytes ?? '?'} bytes`);
      // QEMU flushed the disks when the save completed; it has nothing left to do.
      await qmp.quit().catch(() => undefined);
    } catch (e) {
      await rm(saved.partial, { force: true });
      throw e;
    } finally {
      qmp.close();
    }
    if (!(await this.waitGone(pid, 10_000))) {
      this.procs.kill(pid, 'SIGKILL');
      await this.waitGone(pid, 5000);
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

  async saved(spec: VmSpec): Promise<SavedVm | undefined> {
    const meta = readSavedMeta(savedVmFiles(spec.dir));
    return meta && { savedAt: meta.savedAt, bytes: meta.bytes };
  }

  async discardSaved(spec: VmSpec): Promise<void> {
    await discardSaved(savedVmFiles(spec.dir));
  }

  private async startFailure(
    spec: VmSpec,
    files: MachineFiles,
    accel: ConcreteAccel,
    o: Exclude<LaunchOutcome, { ok: true }>,
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

  async stop(spec: VmSpec, timeoutMs: number): Promise<void> {
    const how = await this.shutdown(spec, timeoutMs);
    this.log(`machine "${spec.name}" stop: ${how}`);
  }

  /** stop(), saying how it ended: ACPI power-off, else SIGTERM after timeoutMs, else SIGKILL. */
  async shutdown(spec: VmSpec, timeoutMs: number): Promise<StopOutcome> {
    const files = machineFiles(spec.dir);
    const pid = await this.pid(spec);
    if (pid === undefined) return 'not-running';
    let asked = false;
    try {
      const ep = await currentQmpEndpoint(this.host.platform, files);
      if (!ep) throw new Error('no QMP endpoint recorded');
      const qmp = await QmpClient.connect(ep, Math.min(5000, timeoutMs));
      try {
        await qmp.systemPowerdown();
        asked = true;
      } finally {
        qmp.close();
      }
    } catch (e) {
      this.log(`could not ask the guest to power off (${oneLine(e)}); terminating QEMU`);
    }
    let outcome: StopOutcome;
    if (asked && (await this.waitGone(pid, timeoutMs))) {
      outcome = 'powered-off';
    } else {
      if (asked) this.log(`the guest did not power off within ${timeoutMs} ms; terminating QEMU`);
      // SIGTERM lets QEMU flush and close its disk images; SIGKILL only if it hangs.
      this.procs.kill(pid, 'SIGTERM');
      if (await this.waitGone(pid, 3000)) {
        outcome = 'terminated';
      } else {
        this.log('QEMU ignored SIGTERM; killing it');
        this.procs.kill(pid, 'SIGKILL');
        await this.waitGone(pid, 5000);
        outcome = 'killed';
      }
    }
    await rm(files.pidfile, { force: true });
    return outcome;
  }

  async forwardUdp(spec: VmSpec, hostPort: number, guestPort: number): Promise<void> {
    // A rule left by an agent that died (this one adopted its VM) holds the port: it goes first.
    checkRemoveReply(hostPort, await this.monitor(spec, hostfwdRemove(hostPort)));
    checkAddReply(hostPort, await this.monitor(spec, hostfwdAdd(hostPort, guestPort)));
  }

  async unforwardUdp(spec: VmSpec, hostPort: number): Promise<void> {
    checkRemoveReply(hostPort, await this.monitor(spec, hostfwdRemove(hostPort)));
  }

  /** Runs one human-monitor command in the running VM's QEMU; resolves with its text. */
  private async monitor(spec: VmSpec, commandLine: string): Promise<unknown> {
    const ep = await currentQmpEndpoint(this.host.platform, machineFiles(spec.dir));
    if (!ep) throw new Error(`the machine "${spec.name}" is not running`);
    const qmp = await QmpClient.connect(ep, 5000);
    try {
      return await qmp.execute('human-monitor-command', { 'command-line': commandLine });
    } finally {
      qmp.close();
    }
  }

  async kill(spec: VmSpec): Promise<void> {
    const pid = await this.pid(spec);
    if (pid === undefined) return;
    this.procs.kill(pid, 'SIGKILL');
    await this.waitGone(pid, 5000);
    await rm(machineFiles(spec.dir).pidfile, { force: true });
  }

  async delete(spec: VmSpec, keepDisk: boolean): Promise<void> {
    await this.kill(spec);
    const f = machineFiles(spec.dir);
    await discardSaved(savedVmFiles(spec.dir));
    const owned = [
      f.pidfile,
      f.console,
      f.consoleOld,
      f.stderrLog,
      f.qmpSocket,
      f.qmpEndpointFile,
      f.launchFile,
      f.guestDir,
    ];
    if (!keepDisk) owned.push(f.dataDisk);
    for (const p of owned) await rm(p, { recursive: true, force: true });
  }

  async inspect(spec: VmSpec): Promise<VmState> {
    const files = machineFiles(spec.dir);
    if ((await this.pid(spec)) !== undefined) return 'running';
    return existsSync(files.dataDisk) ? 'stopped' : 'absent';
  }

  /** The pid in the pidfile if that process is alive and is this machine's QEMU; a stale pidfile is removed. */
  async pid(spec: VmSpec): Promise<number | undefined> {
    const files = machineFiles(spec.dir);
    const pid = await readPidfile(files.pidfile);
    if (pid === undefined) return undefined;
    if (this.isOurQemu(pid, spec)) return pid;
    this.log(`removing stale pidfile ${files.pidfile} (pid ${pid} is not this machine's QEMU)`);
    await rm(files.pidfile, { force: true });
    return undefined;
  }

  private isOurQemu(pid: number, spec: VmSpec): boolean {
    if (!this.procs.alive(pid)) return false;
    // Where the OS shows command lines (Linux), a reused pid is told apart by our machine folder.
    const cmd = this.procs.cmdline(pid);
    return cmd === undefined || cmd.includes(spec.dir);
  }

  private waitGone(pid: number, timeoutMs: number): Promise<boolean> {
    return pollUntil(() => !this.procs.alive(pid), timeoutMs, this.pollMs);
  }
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return Number.isInteger(s) ? String(s) : s.toFixed(1);
}

function exitText(o: { code?: number | null; signal?: NodeJS.Signals | null }): string {
  return o.signal ? `QEMU was killed by ${o.signal}` : `QEMU exited with code ${o.code}`;
}
