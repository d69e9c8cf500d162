// The QEMU driver: runs one machine's VM as a detached QEMU process and observes
// it only through files in the machine folder (pidfile, console log) and QMP, so
// any fresh process (CLI, agent, app) can tell what is going on. This class is the
// one Driver; its jobs live beside it (launch-plan, suspend-resume, qemu-process,
// guest-config, start-failure), sharing one QemuContext.
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { nativeArch, type Arch } from '../../base/arch';
import { firstLine, UserError } from '../../base/errors';
import { execFileRunner, type Runner } from '../../base/run';
import type { SavedVm, VmSpec, VmState } from '../../base/vm-types';
import type { Driver, ProgressFn, StartResult } from '../driver';
import { emulated, isHardwareAccel, kvmDeviceUsable, resolveAccel, type ConcreteAccel } from './accel';
import type { QemuContext } from './context';
import {
  findQemu,
  installHint,
  parseQemuVersion,
  realHostFacts,
  type HostFacts,
  type QemuPrograms,
  type QemuVersion,
} from './find-qemu';
import { sharesToMount, writeGuestConfig } from './guest-config';
import { checkAddReply, checkRemoveReply, hostfwdAdd, hostfwdRemove } from './hostfwd';
import { readLaunchRecord } from './launch';
import { launchWith } from './launch-plan';
import { machineFiles } from './machine-files';
import { realProcessHost, type ProcessHost } from './process-host';
import { kill, runningPid, shutdown, type StopOutcome } from './qemu-process';
import { QemuImg } from './qemu-img';
import { QmpClient } from './qmp';
import { currentQmpEndpoint } from './qmp-endpoint';
import { discardSaved, readSavedMeta, savedVmFiles } from './saved-vm';
import { detachedSpawner, type Spawner } from './spawner';
import { fallbackReason, startFailure } from './start-failure';
import { resumeIfSaved, suspend } from './suspend-resume';

export type { StopOutcome } from './qemu-process';

/** query-block's answer: some device stopped the VM for want of space on the host (io-status nospace). */
export function pausedForNoSpace(blocks: unknown): boolean {
  return Array.isArray(blocks) && blocks.some((b) => (b as { 'io-status'?: string })['io-status'] === 'nospace');
}

export interface QemuDriverOptions {
  /** Diagnostic lines (not user-facing progress). */
  log?: (message: string) => void;
  runner?: Runner;
  spawner?: Spawner;
  processes?: ProcessHost;
  host?: HostFacts;
  /** Linux: /dev/kvm can be opened. Default checks the real device. */
  kvmUsable?: () => boolean;
  /** Skip the PATH search for machines of its architecture (tests, or a QEMU bundled with the app). */
  programs?: QemuPrograms;
  /** accel 'auto': how long a hardware accelerator may show no console output before falling back. */
  hardwareProgressTimeoutMs?: number;
  /** TCG or an explicit accelerator: how long until no console output counts as a failed start. */
  bootProgressTimeoutMs?: number;
  pidfileTimeoutMs?: number;
  pollMs?: number;
}

/**
 * The oldest QEMU Berth runs on, per host. Older ones are refused before anything is started
 * rather than failing later on an option they do not know.
 * - Debian 12's 7.2: the suites ran there until they moved to QEMU 10, what Homebrew, winget and
 *   (8.2) Ubuntu 24.04 users have.
 * - Windows: 10.0. QMP is behind TLS there (qmp-endpoint.ts), and 7.2's TLS monitor answers only
 *   the first command (test/unit/qemu-qmp-windows.test.ts fails on 7.2, passes on 10.0; no version
 *   in between was available to try). winget's QEMU is 10.
 */
export function minQemu(platform: NodeJS.Platform): { major: number; minor: number; why?: string } {
  return platform === 'win32'
    ? { major: 10, minor: 0, why: "on Windows, for QEMU's control channel behind TLS" }
    : { major: 7, minor: 2 };
}

/** Why auto ended up with TCG: no hypervisor here, or a machine of another architecture than the host. */
function tcgNote(facts: { hostArch: string; guestArch: Arch }): string {
  return emulated(facts)
    ? `an ${facts.guestArch} machine on this ${nativeArch(facts.hostArch)} host is emulated (TCG, software emulation, slower)`
    : 'no hardware accelerator available; using TCG (software emulation, slower)';
}

export class QemuDriver implements Driver {
  readonly name = 'qemu';
  /** QEMU's Windows builds have no 9p file server (-fsdev/-virtfs). */
  private readonly fileSharing: boolean;

  private readonly ctx: QemuContext;
  private readonly kvmUsable: () => boolean;
  /** The QEMU programs of each architecture, found on first use: one driver serves every machine. */
  private readonly found = new Map<Arch, QemuPrograms>();
  private readonly hwTimeoutMs: number;
  private readonly bootTimeoutMs: number;
  /** Set by validate(), for each architecture. */
  private readonly versions = new Map<Arch, QemuVersion>();

  constructor(opts: QemuDriverOptions = {}) {
    const host = opts.host ?? realHostFacts();
    this.ctx = {
      log: opts.log ?? (() => undefined),
      run: opts.runner ?? execFileRunner,
      spawn: opts.spawner ?? detachedSpawner,
      procs: opts.processes ?? realProcessHost,
      host,
      pidfileTimeoutMs: opts.pidfileTimeoutMs ?? 10_000,
      pollMs: opts.pollMs ?? 100,
      programs: (arch) => this.programs(arch),
      version: (arch) => this.versions.get(arch),
    };
    this.kvmUsable = opts.kvmUsable ?? (() => kvmDeviceUsable());
    if (opts.programs) this.found.set(opts.programs.arch, opts.programs);
    this.hwTimeoutMs = opts.hardwareProgressTimeoutMs ?? 15_000;
    this.bootTimeoutMs = opts.bootProgressTimeoutMs ?? 120_000;
    this.fileSharing = host.platform !== 'win32';
  }

  private programs(arch: Arch): QemuPrograms {
    let p = this.found.get(arch);
    if (!p) this.found.set(arch, (p = findQemu(this.ctx.host, arch)));
    return p;
  }

  /** The QEMU version validate() saw for machines of `arch`. */
  version(arch: Arch): QemuVersion | undefined {
    return this.versions.get(arch);
  }

  async validate(arch: Arch): Promise<void> {
    const { system } = this.programs(arch);
    const r = await this.ctx.run(system, ['--version']);
    const v = r.code === 0 ? parseQemuVersion(r.stdout) : undefined;
    if (!v) {
      throw new UserError(
        `QEMU is installed but does not run (${system}): ${firstLine(r.stderr) || `exit code ${r.code}`}.`,
        { code: 'EQEMUBROKEN', details: r.stdout + r.stderr },
      );
    }
    const min = minQemu(this.ctx.host.platform);
    if (v.major < min.major || (v.major === min.major && v.minor < min.minor)) {
      throw new UserError(
        `QEMU ${v.major}.${v.minor} is too old; Berth needs ${min.major}.${min.minor} or newer${min.why ? ` ${min.why}` : ''}: ${installHint(this.ctx.host.platform, arch)}.`,
        { code: 'EQEMUOLD' },
      );
    }
    this.versions.set(arch, v);
  }

  async createDisk(spec: VmSpec): Promise<void> {
    const files = machineFiles(spec.dir);
    await mkdir(spec.dir, { recursive: true, mode: 0o700 });
    const img = new QemuImg(this.ctx.run, this.programs(spec.arch).img);
    if (!existsSync(files.dataDisk)) {
      await img.create(files.dataDisk, spec.diskGiB);
      this.ctx.log(`created ${files.dataDisk} (${spec.diskGiB} GiB)`);
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
      this.ctx.log(`grew ${files.dataDisk} to ${spec.diskGiB} GiB`);
  }

  async start(requested: VmSpec, progress: ProgressFn): Promise<StartResult> {
    const files = machineFiles(requested.dir);
    if ((await this.inspect(requested)) === 'running') {
      const rec = await readLaunchRecord(files.launchFile);
      return { accel: rec?.accel ?? 'tcg', note: 'the machine was already running' };
    }
    const spec: VmSpec = { ...requested, shares: await sharesToMount(requested, this.fileSharing, progress) };
    await this.createDisk(spec);
    await writeGuestConfig(spec, files);

    const facts = { platform: this.ctx.host.platform, hostArch: this.ctx.host.arch, guestArch: spec.arch };
    const accel = resolveAccel(spec.accel, { ...facts, kvmUsable: this.kvmUsable() });
    // A machine that auto fell back to TCG for ran under TCG: its memory resumes only there.
    const resumable: ConcreteAccel[] = spec.accel === 'auto' && isHardwareAccel(accel) ? [accel, 'tcg'] : [accel];
    const resumed = await resumeIfSaved(this.ctx, spec, files, resumable, progress);
    if (resumed === accel) return { accel, resumed: true };
    if (resumed)
      return {
        accel: resumed,
        resumed: true,
        note: `resumed under ${resumed.toUpperCase()}, as the machine ran before it was saved`,
      };
    if (spec.accel === 'auto' && isHardwareAccel(accel)) {
      const first = await launchWith(this.ctx, spec, files, accel, this.hwTimeoutMs, progress);
      if (first.ok) return { accel };
      const note = `${await fallbackReason(files, accel, first)}; falling back to TCG (software emulation, slower)`;
      progress(note);
      this.ctx.log(note);
      const second = await launchWith(this.ctx, spec, files, 'tcg', this.bootTimeoutMs, progress);
      if (!second.ok) throw await startFailure(spec, files, 'tcg', second);
      return { accel: 'tcg', note };
    }
    const only = await launchWith(this.ctx, spec, files, accel, this.bootTimeoutMs, progress);
    if (!only.ok) throw await startFailure(spec, files, accel, only);
    const note = spec.accel === 'auto' ? tcgNote(facts) : undefined;
    return note ? { accel, note } : { accel };
  }

  async suspend(spec: VmSpec): Promise<void> {
    await suspend(this.ctx, spec);
  }

  saved(spec: VmSpec): Promise<SavedVm | undefined> {
    // Reading the small description file is all there is to it.
    const meta = readSavedMeta(savedVmFiles(spec.dir));
    return Promise.resolve(meta && { savedAt: meta.savedAt, bytes: meta.bytes });
  }

  async discardSaved(spec: VmSpec): Promise<void> {
    await discardSaved(savedVmFiles(spec.dir));
  }

  async stop(spec: VmSpec, timeoutMs: number): Promise<void> {
    const how = await this.shutdown(spec, timeoutMs);
    this.ctx.log(`machine "${spec.name}" stop: ${how}`);
  }

  /** stop(), saying how it ended: ACPI power-off, else SIGTERM after timeoutMs, else SIGKILL. */
  shutdown(spec: VmSpec, timeoutMs: number): Promise<StopOutcome> {
    return shutdown(this.ctx, spec, timeoutMs);
  }

  async forwardUdp(spec: VmSpec, hostPort: number, guestPort: number): Promise<void> {
    // A rule left by an agent that died (this one adopted its VM) holds the port: it goes first.
    checkRemoveReply(hostPort, await this.monitor(spec, hostfwdRemove(hostPort)));
    checkAddReply(hostPort, await this.monitor(spec, hostfwdAdd(hostPort, guestPort)));
  }

  async unforwardUdp(spec: VmSpec, hostPort: number): Promise<void> {
    checkRemoveReply(hostPort, await this.monitor(spec, hostfwdRemove(hostPort)));
  }

  /**
   * QEMU's default for a drive's write errors (werror=enospc) stops the VM on ENOSPC only (run
   * state io-error, the device's io-status nospace) and retries the write on `cont`.
   */
  async pausedForHostDiskFull(spec: VmSpec): Promise<boolean> {
    return this.withQmp(spec, async (qmp) => {
      if ((await qmp.queryStatus()) !== 'io-error') return false;
      return pausedForNoSpace(await qmp.execute('query-block'));
    });
  }

  async continueAfterHostDiskFull(spec: VmSpec): Promise<void> {
    await this.withQmp(spec, (qmp) => qmp.execute('cont'));
  }

  /** Runs one human-monitor command in the running VM's QEMU; resolves with its text. */
  private monitor(spec: VmSpec, commandLine: string): Promise<unknown> {
    return this.withQmp(spec, (qmp) => qmp.execute('human-monitor-command', { 'command-line': commandLine }));
  }

  private async withQmp<T>(spec: VmSpec, fn: (qmp: QmpClient) => Promise<T>): Promise<T> {
    const ep = await currentQmpEndpoint(this.ctx.host.platform, machineFiles(spec.dir));
    if (!ep) throw new Error(`the machine "${spec.name}" is not running`);
    const qmp = await QmpClient.connect(ep, 5000);
    try {
      return await fn(qmp);
    } finally {
      qmp.close();
    }
  }

  kill(spec: VmSpec): Promise<void> {
    return kill(this.ctx, spec);
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
      f.qmpKeyDir,
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
  pid(spec: VmSpec): Promise<number | undefined> {
    return runningPid(this.ctx, spec);
  }
}
