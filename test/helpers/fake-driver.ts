// A Driver that behaves as the QEMU driver does (app/driver/qemu/qemu-driver.ts) without a VM:
// the data disk, the console log and the saved memory are files in the machine folder, as the real
// ones are, so Machines and the agent see the same things; the VM "process" lives in a FakeHost that
// every FakeDriver built on it shares, as processes are shared by every program on a computer.
// Tests make the VM die (crash), make a start or a save fail, and see every call in order.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../../app/base/errors';
import type { Arch } from '../../app/base/arch';
import type { LocatedImage } from '../../app/base/image';
import type { SavedVm, VmSpec, VmState } from '../../app/base/vm-types';
import type { Driver, ProgressFn, StartResult } from '../../app/driver/driver';

/** The VM processes running on the fake computer: machine folder → pid and accelerator. */
export class FakeHost {
  readonly vms = new Map<string, { pid: number; accel: StartResult['accel'] }>();
  private nextPid = 40000;
  newPid(): number {
    return this.nextPid++;
  }
}

/** The files the fake driver owns in a machine folder (the names the QEMU driver uses). */
export function fakeVmFiles(dir: string) {
  return {
    dataDisk: path.join(dir, 'data.qcow2'),
    console: path.join(dir, 'console.log'),
    saved: path.join(dir, 'saved-vm.json'),
  };
}

export interface FakeDriverOptions {
  host?: FakeHost;
  /** Without it the driver has no suspend/saved/discardSaved, as a driver that cannot save memory. */
  canSuspend?: boolean;
}

export class FakeDriver implements Driver {
  readonly name = 'fake';
  readonly host: FakeHost;
  /** Every call as "method", in the order they began. */
  readonly calls: string[] = [];
  /** Thrown by the next start (the VM is left not running, as the QEMU driver leaves it). */
  failStart?: Error;
  /** Thrown by suspend (the VM still runs, as the Driver contract says). */
  failSuspend?: Error;
  /** Runs as each call begins, before it acts: a test looks at the world at that moment. */
  onCall?: (method: string, spec: VmSpec) => void | Promise<void>;

  suspend?: (spec: VmSpec) => Promise<void>;
  saved?: (spec: VmSpec) => Promise<SavedVm | undefined>;
  discardSaved?: (spec: VmSpec) => Promise<void>;

  constructor(opts: FakeDriverOptions = {}) {
    this.host = opts.host ?? new FakeHost();
    if (opts.canSuspend !== false) {
      this.suspend = (spec) => this.doSuspend(spec);
      this.saved = (spec) => this.doSaved(spec);
      this.discardSaved = (spec) => this.doDiscard(spec);
    }
  }

  private async called(method: string, spec: VmSpec): Promise<void> {
    this.calls.push(method);
    await this.onCall?.(method, spec);
  }

  /** The VM process dies by itself (a crash, kill -9, a guest poweroff). */
  crash(dir: string): void {
    this.host.vms.delete(dir);
  }

  /** The machine's VM runs (without going through start, e.g. left behind by an earlier agent). */
  running(dir: string): boolean {
    return this.host.vms.has(dir);
  }

  /** The architecture of each validate(). */
  readonly validated: Arch[] = [];

  async validate(arch: Arch): Promise<void> {
    this.calls.push('validate');
    this.validated.push(arch);
  }

  async createDisk(spec: VmSpec): Promise<void> {
    await this.called('createDisk', spec);
    const disk = fakeVmFiles(spec.dir).dataDisk;
    fs.mkdirSync(spec.dir, { recursive: true, mode: 0o700 });
    const size = fs.existsSync(disk) ? Number(fs.readFileSync(disk, 'utf8')) : undefined;
    if (size === spec.diskGiB) return;
    if (size !== undefined && size < spec.diskGiB && this.running(spec.dir))
      throw new UserError(`Stop the machine "${spec.name}" before growing its disk to ${spec.diskGiB} GiB.`, {
        code: 'EDISKBUSY',
      });
    // Never shrinks: a smaller diskGiB keeps the disk as it is.
    if (size === undefined || size < spec.diskGiB) fs.writeFileSync(disk, String(spec.diskGiB), { mode: 0o600 });
  }

  async start(spec: VmSpec, progress: ProgressFn): Promise<StartResult> {
    await this.called('start', spec);
    const running = this.host.vms.get(spec.dir);
    if (running) return { accel: running.accel, note: 'the machine was already running' };
    await this.createDisk(spec);
    const failure = this.failStart;
    this.failStart = undefined;
    if (failure) throw failure;
    const accel = spec.accel === 'auto' ? 'tcg' : spec.accel;
    const files = fakeVmFiles(spec.dir);
    if (fs.existsSync(files.saved)) {
      progress(`Resuming QEMU (${accel}) from the saved memory`);
      fs.rmSync(files.saved);
      this.host.vms.set(spec.dir, { pid: this.host.newPid(), accel });
      progress('The machine resumed from its saved memory');
      return { accel, resumed: true };
    }
    progress(`Starting QEMU (${accel})`);
    this.host.vms.set(spec.dir, { pid: this.host.newPid(), accel });
    // A fresh console each boot; the guest says when its sshd listens (vm-images/README.md).
    fs.writeFileSync(files.console, 'fake kernel booting\nberth: sshd started\n', { mode: 0o600 });
    progress('The machine is booting (console output seen)');
    return spec.accel === 'auto'
      ? { accel, note: 'no hardware accelerator available; using TCG (software emulation, slower)' }
      : { accel };
  }

  private async doSuspend(spec: VmSpec): Promise<void> {
    await this.called('suspend', spec);
    const failure = this.failSuspend;
    if (failure) throw failure;
    if (!this.running(spec.dir)) throw new Error('the VM is not running');
    const saved: SavedVm = { savedAt: new Date().toISOString(), bytes: spec.memoryMiB * 1024 * 1024 };
    fs.writeFileSync(fakeVmFiles(spec.dir).saved, JSON.stringify(saved), { mode: 0o600 });
    this.host.vms.delete(spec.dir);
  }

  private async doSaved(spec: VmSpec): Promise<SavedVm | undefined> {
    const file = fakeVmFiles(spec.dir).saved;
    return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as SavedVm) : undefined;
  }

  private async doDiscard(spec: VmSpec): Promise<void> {
    await this.called('discardSaved', spec);
    fs.rmSync(fakeVmFiles(spec.dir).saved, { force: true });
  }

  async stop(spec: VmSpec): Promise<void> {
    await this.called('stop', spec);
    this.host.vms.delete(spec.dir);
  }

  async kill(spec: VmSpec): Promise<void> {
    await this.called('kill', spec);
    this.host.vms.delete(spec.dir);
  }

  async delete(spec: VmSpec, keepDisk: boolean): Promise<void> {
    await this.called('delete', spec);
    this.host.vms.delete(spec.dir);
    const files = fakeVmFiles(spec.dir);
    for (const f of [files.console, files.saved, ...(keepDisk ? [] : [files.dataDisk])]) fs.rmSync(f, { force: true });
  }

  async inspect(spec: VmSpec): Promise<VmState> {
    if (this.running(spec.dir)) return 'running';
    return fs.existsSync(fakeVmFiles(spec.dir).dataDisk) ? 'stopped' : 'absent';
  }

  async pid(spec: VmSpec): Promise<number | undefined> {
    return this.host.vms.get(spec.dir)?.pid;
  }
}

/**
 * A VM image the way `npm run build:vm` leaves it (manifest and artifacts), with tiny artifacts: enough
 * for locateImage, which Machines and the agent call. Point BERTH_IMAGE_DIR at its dir.
 */
export function fakeImage(dir: string, arch?: Arch): LocatedImage {
  fs.mkdirSync(dir, { recursive: true });
  const artifacts: Record<string, { sha256: string; size: number }> = {};
  for (const name of ['vmlinuz', 'initrd.img', 'rootfs.squashfs']) {
    fs.writeFileSync(path.join(dir, name), name);
    artifacts[name] = { sha256: 'not checked', size: name.length };
  }
  const cmdline = 'console=ttyS0';
  // Without an arch, as images made before there was a choice (x86_64).
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ arch, inputsHash: 'fake', cmdline, artifacts }));
  return {
    dir,
    kernel: path.join(dir, 'vmlinuz'),
    initrd: path.join(dir, 'initrd.img'),
    rootfs: path.join(dir, 'rootfs.squashfs'),
    cmdline,
    sizeBytes: 32,
    inputsHash: 'fake',
  };
}
