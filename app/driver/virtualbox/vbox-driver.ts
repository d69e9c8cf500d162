// The VirtualBox driver, the way boot2docker ran: the image's ISO in a DVD drive, the data disk
// and a config disk on a SATA controller, NAT with the host's side on 127.0.0.1 only, started
// headless through VBoxManage. Everything it knows about the VM it asks VirtualBox
// (showvminfo), so any fresh process gets the truth. Its jobs live beside it: the command lines
// (commands.ts), reading VirtualBox's answers (vminfo.ts), its errors (errors.ts), the config disk.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { Arch } from '../../base/arch';
import { UserError } from '../../base/errors';
import { execFileRunner, type Runner } from '../../base/run';
import { sleep } from '../../base/time';
import type { SavedVm, SharedFolder, VmSpec, VmState } from '../../base/vm-types';
import type { Driver, ProgressFn, StartResult } from '../driver';
import { ENGINE_PROXY_GUEST_PORT, ENGINE_TCP_GUEST_PORT, hasDirectPath, presentShares } from '../guest-files';
import * as cmd from './commands';
import { writeConfigDisk } from './config-disk';
import { vboxError } from './errors';
import { vboxFiles, type VBoxFiles } from './files';
import { findVBoxManage, vboxInstallHint, type VBoxHost } from './find-vboxmanage';
import { failed, VBoxManage } from './vboxmanage';
import {
  attached,
  isNotFound,
  natRuleNames,
  parseCapacityMiB,
  parseVBoxVersion,
  parseVmInfo,
  shareNames,
  stateChangedAt,
  vboxState,
  vmState,
  type VmInfo,
} from './vminfo';

/** How long a save (controlvm savestate) or a start that restores one may take: the VM's memory, to or from disk. */
const MEMORY_IO_MS = 10 * 60_000;

/** The oldest VirtualBox Berth drives: 6.1 has every command and option used here, and 7 is current. */
export const MIN_VBOX = { major: 6, minor: 1 };

export interface VBoxDriverOptions {
  /** Diagnostic lines (not user-facing progress). */
  log?: (message: string) => void;
  runner?: Runner;
  host?: VBoxHost;
  /** Skip the search (tests, or a VBoxManage the user named). */
  program?: string;
  /** How often stop() asks whether the guest has powered off. */
  pollMs?: number;
}

/**
 * The VM's name in VirtualBox, whose names are the user's, across every Berth home: the machine's
 * name, and a short hash of its folder so that two homes (a test's and the user's) never meet.
 */
export function vboxVmName(spec: Pick<VmSpec, 'name' | 'dir'>): string {
  return `berth-${spec.name}-${createHash('sha256').update(spec.dir).digest('hex').slice(0, 8)}`;
}

export class VBoxDriver implements Driver {
  readonly name = 'virtualbox';
  readonly bootsIso = true;
  private readonly log: (message: string) => void;
  private readonly host: VBoxHost;
  private readonly vbm: VBoxManage;
  private readonly pollMs: number;
  private program?: string;

  constructor(opts: VBoxDriverOptions = {}) {
    this.log = opts.log ?? (() => undefined);
    this.host = opts.host ?? { platform: process.platform, env: process.env, isFile: (p) => existsSync(p) };
    this.program = opts.program;
    this.pollMs = opts.pollMs ?? 500;
    this.vbm = new VBoxManage(opts.runner ?? execFileRunner, () => this.vboxManage(), this.log);
  }

  private vboxManage(): string {
    return (this.program ??= findVBoxManage(this.host));
  }

  async validate(arch: Arch): Promise<void> {
    if (arch !== 'x86_64') {
      throw new UserError(
        `VirtualBox machines are x86_64 only, and this one is ${arch}: make it a QEMU machine (berth init --name NAME --arch ${arch})`,
        { code: 'EVBOXARCH' },
      );
    }
    const r = await this.vbm.result(cmd.version());
    const text = r.stdout + r.stderr;
    // Without its kernel driver VBoxManage still prints its version, after a warning that says so.
    if (/vboxdrv/.test(text)) throw vboxError('run', '', text, r.code);
    const v = r.code === 0 ? parseVBoxVersion(r.stdout) : undefined;
    if (!v) {
      throw new UserError(
        `VirtualBox is installed but VBoxManage does not run: ${vboxInstallHint(this.host.platform)}`,
        {
          code: 'EVBOXBROKEN',
          details: text,
        },
      );
    }
    if (v.major < MIN_VBOX.major || (v.major === MIN_VBOX.major && v.minor < MIN_VBOX.minor)) {
      throw new UserError(
        `VirtualBox ${v.text} is too old; Berth needs ${MIN_VBOX.major}.${MIN_VBOX.minor} or newer: ${vboxInstallHint(this.host.platform)}`,
        { code: 'EVBOXOLD' },
      );
    }
  }

  /** What VirtualBox says about the VM now; undefined when it has no VM of that name. */
  private async info(spec: VmSpec): Promise<VmInfo | undefined> {
    const vm = vboxVmName(spec);
    const r = await this.vbm.result(cmd.showVmInfo(vm));
    if (failed(r)) {
      if (isNotFound(r.stderr)) return undefined;
      throw vboxError('read the state of the VM', vm, r.stderr, r.code);
    }
    return parseVmInfo(r.stdout);
  }

  async createDisk(spec: VmSpec): Promise<void> {
    const f = vboxFiles(spec.dir);
    const vm = vboxVmName(spec);
    await mkdir(spec.dir, { recursive: true, mode: 0o700 });
    const wantMiB = spec.diskGiB * 1024;
    if (!existsSync(f.dataDisk)) {
      await this.vbm.ok('create the data disk', vm, cmd.createDisk(f.dataDisk, wantMiB));
      await chmod(f.dataDisk, 0o600);
      this.log(`created ${f.dataDisk} (${spec.diskGiB} GiB)`);
      return;
    }
    const haveMiB = parseCapacityMiB(await this.vbm.ok('read the data disk', vm, cmd.showDisk(f.dataDisk)));
    if (haveMiB === undefined || haveMiB >= wantMiB) return;
    const info = await this.info(spec);
    if (info && vmState(info) === 'running') {
      throw new UserError(`Stop the machine "${spec.name}" before growing its disk to ${spec.diskGiB} GiB.`, {
        code: 'EDISKBUSY',
      });
    }
    // A saved VM holds its disk as it was: it boots afresh on the grown one (it synced before it was saved).
    if (info && vboxState(info) === 'saved') {
      await this.vbm.ok('forget the saved machine', vm, cmd.discardState(vm));
      this.log(`machine "${spec.name}": saved state forgotten, its disk grows to ${spec.diskGiB} GiB`);
    }
    await this.vbm.ok('grow the data disk', vm, cmd.resizeDisk(f.dataDisk, wantMiB));
    this.log(`grew ${f.dataDisk} to ${spec.diskGiB} GiB`);
  }

  async start(spec: VmSpec, progress: ProgressFn): Promise<StartResult> {
    const vm = vboxVmName(spec);
    const f = vboxFiles(spec.dir);
    let info = await this.info(spec);
    if (info && vmState(info) === 'running') return { accel: 'virtualbox', note: 'the machine was already running' };
    if (info && vboxState(info) === 'saved' && !savedFits(info, spec)) {
      // A saved VM cannot be changed before it runs: settings changed since (berth set) mean a fresh boot.
      progress('The machine was saved with other settings: booting afresh (it synced its disk before it was saved)');
      await this.vbm.ok('forget the saved machine', vm, cmd.discardState(vm));
      info = await this.info(spec);
    } else if (info && vboxState(info) === 'abortedsaved') {
      // VirtualBox 7's state for a VM that was aborted while it had a saved state: booted afresh, not trusted.
      await this.vbm.ok('forget the saved machine', vm, cmd.discardState(vm));
      info = await this.info(spec);
    }
    const resuming = info !== undefined && vboxState(info) === 'saved';
    if (!resuming) {
      // A saved VM's hardware, disks and shares cannot change until it has run: it resumes as it was.
      if (!spec.image.iso) throw new UserError('this VirtualBox machine has no ISO to boot', { code: 'ENOISO' });
      await this.createDisk(spec);
      if (!info) {
        await this.vbm.ok('create the VM', vm, cmd.createVm(vm, f.vboxDir));
        await this.vbm.ok('set up the VM', vm, cmd.addController(vm));
        info = await this.info(spec);
        if (!info) throw new UserError(`VirtualBox did not register the VM "${vm}"`, { code: 'EVBOX' });
      }
      await this.vbm.ok('set up the VM', vm, cmd.modifyHardware(vm, { ...spec, console: f.console }));
      await this.attachDisks(spec, info, f);
      await this.setNatRules(vm, info, spec, false);
      await this.setShares(vm, info, await presentShares(spec, progress));
      await rotate(f.console, f.consoleOld);
    } else {
      progress('Resuming the machine from its saved state');
    }
    await this.vbm.ok('start the VM', vm, cmd.startHeadless(vm), MEMORY_IO_MS);
    // The saved VM's NAT rules name the ports of its last start: this start's go in now it runs.
    if (resuming) await this.setNatRules(vm, (await this.info(spec)) ?? new Map<string, string>(), spec, true);
    return resuming ? { accel: 'virtualbox', resumed: true } : { accel: 'virtualbox' };
  }

  /** The ISO, the data disk, and a config disk written afresh for this boot, on the SATA ports. */
  private async attachDisks(spec: VmSpec, info: VmInfo, f: VBoxFiles): Promise<void> {
    const vm = vboxVmName(spec);
    await this.vbm.ok('attach the ISO', vm, cmd.attachIso(vm, spec.image.iso!));
    if (!attached(info, cmd.PORTS.data))
      await this.vbm.ok('attach the data disk', vm, cmd.attachDataDisk(vm, f.dataDisk));
    if (attached(info, cmd.PORTS.config))
      await this.vbm.ok('detach the config disk', vm, cmd.detach(vm, cmd.PORTS.config));
    // The old disk is forgotten by VirtualBox and deleted: a new one (another UUID) takes its place.
    if (existsSync(f.configDisk)) await this.vbm.result(cmd.closeDisk(f.configDisk));
    await rm(f.configDisk, { force: true });
    await writeConfigDisk(f.configRaw, spec);
    try {
      await this.vbm.ok('write the config disk', vm, cmd.convertFromRaw(f.configRaw, f.configDisk));
    } finally {
      await rm(f.configRaw, { force: true }); // it holds the host key and the engine's secret
    }
    await chmod(f.configDisk, 0o600);
    await this.vbm.ok('attach the config disk', vm, cmd.attachConfigDisk(vm, f.configDisk));
  }

  /** Berth's NAT rules, replaced by this start's ports: SSH, and the engine's ports when it has them. */
  private async setNatRules(vm: string, info: VmInfo, spec: VmSpec, running: boolean): Promise<void> {
    const ours: string[] = Object.values(cmd.RULE);
    for (const name of natRuleNames(info).filter((n) => ours.includes(n) || /^udp-\d+$/.test(n)))
      await this.vbm.ok(
        "change the VM's port forwards",
        vm,
        running ? cmd.deleteRunningNatRule(vm, name) : cmd.deleteNatRule(vm, name),
      );
    const rules = [cmd.natRule(cmd.RULE.ssh, 'tcp', spec.sshPort, 22)];
    if (spec.engineTcpPort !== undefined)
      rules.push(cmd.natRule(cmd.RULE.engineTcp, 'tcp', spec.engineTcpPort, ENGINE_TCP_GUEST_PORT));
    if (hasDirectPath(spec)) rules.push(cmd.natRule(cmd.RULE.engine, 'tcp', spec.enginePort!, ENGINE_PROXY_GUEST_PORT));
    for (const rule of rules)
      await this.vbm.ok(
        "forward the VM's ports",
        vm,
        running ? cmd.addRunningNatRule(vm, rule) : cmd.addNatRule(vm, rule),
      );
  }

  /** The VM's shared folders become exactly the ones present now. */
  private async setShares(vm: string, info: VmInfo, shares: SharedFolder[]): Promise<void> {
    for (const name of shareNames(info)) await this.vbm.ok('change the shared folders', vm, cmd.removeShare(vm, name));
    for (const share of shares) {
      await this.vbm.ok(`share ${share.hostPath}`, vm, cmd.addShare(vm, share));
      await this.vbm.ok(`share ${share.hostPath}`, vm, cmd.allowSymlinks(vm, share.tag));
    }
  }

  async suspend(spec: VmSpec): Promise<void> {
    await this.vbm.ok('save the machine', vboxVmName(spec), cmd.saveState(vboxVmName(spec)), MEMORY_IO_MS);
  }

  async saved(spec: VmSpec): Promise<SavedVm | undefined> {
    const info = await this.info(spec);
    if (!info || vboxState(info) !== 'saved') return undefined;
    return {
      savedAt: stateChangedAt(info) ?? new Date(0).toISOString(),
      bytes: await savedBytes(info.get('SnapFldr')),
    };
  }

  async discardSaved(spec: VmSpec): Promise<void> {
    const info = await this.info(spec);
    if (info && vboxState(info) === 'saved')
      await this.vbm.ok('forget the saved machine', vboxVmName(spec), cmd.discardState(vboxVmName(spec)));
  }

  async stop(spec: VmSpec, timeoutMs: number): Promise<void> {
    const vm = vboxVmName(spec);
    if ((await this.inspect(spec)) !== 'running') return;
    await this.vbm.result(cmd.powerButton(vm));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await this.inspect(spec)) !== 'running') return void this.log(`machine "${spec.name}" stop: ACPI power-off`);
      await sleep(this.pollMs);
    }
    await this.kill(spec);
    this.log(`machine "${spec.name}" stop: powered off after ${timeoutMs} ms`);
  }

  async kill(spec: VmSpec): Promise<void> {
    if ((await this.inspect(spec)) === 'running')
      await this.vbm.ok('power the VM off', vboxVmName(spec), cmd.powerOff(vboxVmName(spec)));
  }

  async delete(spec: VmSpec, keepDisk: boolean): Promise<void> {
    const vm = vboxVmName(spec);
    const f = vboxFiles(spec.dir);
    // Without VirtualBox there is no VM to forget: the machine's files still go.
    const info = await this.info(spec).catch((e: unknown) => {
      if ((e as UserError).code === 'EVBOXMISSING') return undefined;
      throw e;
    });
    if (info && vmState(info) === 'running') await this.vbm.ok('power the VM off', vm, cmd.powerOff(vm));
    if (info) {
      // unregistervm --delete deletes the disks still attached: the data disk goes only when asked,
      // and the ISO (the image's, shared by every machine) never.
      if (keepDisk && attached(info, cmd.PORTS.data))
        await this.vbm.ok('keep the data disk', vm, cmd.detach(vm, cmd.PORTS.data));
      if (attached(info, cmd.PORTS.iso)) await this.vbm.ok('detach the ISO', vm, cmd.detach(vm, cmd.PORTS.iso));
      await this.vbm.ok('delete the VM', vm, cmd.unregister(vm));
    }
    const owned = [f.vboxDir, f.configRaw, f.configDisk, f.console, f.consoleOld];
    if (!keepDisk) owned.push(f.dataDisk);
    for (const p of owned) await rm(p, { recursive: true, force: true });
  }

  async inspect(spec: VmSpec): Promise<VmState> {
    const info = await this.info(spec);
    if (info) return vmState(info);
    return existsSync(vboxFiles(spec.dir).dataDisk) ? 'stopped' : 'absent';
  }

  /** The VM process's id, from the running VM's log (VBox.log's "Process ID:" line). */
  async pid(spec: VmSpec): Promise<number | undefined> {
    const info = await this.info(spec);
    const logs = info?.get('LogFldr');
    if (!info || vmState(info) !== 'running' || !logs) return undefined;
    const text = await readFile(path.join(logs, 'VBox.log'), 'utf8').catch(() => '');
    return parseLogPid(text);
  }

  async forwardUdp(spec: VmSpec, hostPort: number, guestPort: number): Promise<void> {
    const vm = vboxVmName(spec);
    // A rule left by an agent that died (this one adopted its VM) holds the port: it goes first.
    await this.vbm.result(cmd.deleteRunningNatRule(vm, cmd.udpRule(hostPort)));
    const rule = cmd.natRule(cmd.udpRule(hostPort), 'udp', hostPort, guestPort);
    const r = await this.vbm.result(cmd.addRunningNatRule(vm, rule));
    if (failed(r)) throw new Error(`VirtualBox could not forward UDP port ${hostPort}: ${firstError(r.stderr)}`);
  }

  async unforwardUdp(spec: VmSpec, hostPort: number): Promise<void> {
    // One already gone (the VM restarted, another agent removed it) is fine.
    await this.vbm.result(cmd.deleteRunningNatRule(vboxVmName(spec), cmd.udpRule(hostPort)));
  }
}

/** The saved VM has the CPUs and memory the spec asks for (a grown disk was seen to by createDisk). */
function savedFits(info: VmInfo, spec: VmSpec): boolean {
  return Number(info.get('cpus')) === spec.cpus && Number(info.get('memory')) === spec.memoryMiB;
}

/** VBox.log's "Process ID: 12345" line (its header, written as the VM process starts). */
export function parseLogPid(log: string): number | undefined {
  const m = /Process ID: (\d+)/.exec(log);
  return m ? Number(m[1]) : undefined;
}

function firstError(stderr: string): string {
  return (
    stderr
      .split(/\r?\n/)
      .find((l) => /error:/.test(l))
      ?.replace(/^\S*:\s*error:\s*/, '') ?? stderr.trim()
  );
}

/** The size of a saved VM's memory: its .sav files in the VM's snapshot folder. */
async function savedBytes(folder: string | undefined): Promise<number> {
  if (!folder) return 0;
  const names = await readdir(folder).catch(() => [] as string[]);
  let bytes = 0;
  for (const n of names.filter((x) => x.endsWith('.sav'))) bytes += (await stat(path.join(folder, n))).size;
  return bytes;
}

/** Keeps the last boot's console beside the new one, so a failed boot can be read after a retry. */
async function rotate(file: string, old: string): Promise<void> {
  if (existsSync(file)) await rename(file, old);
}
