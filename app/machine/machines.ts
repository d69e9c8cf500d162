// The machines: what the CLI, the desktop app and the browser mode call to
// create, start, stop, inspect and remove machines. It owns nothing that
// runs; it finds (or starts) each machine's host agent and asks it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentClient, type AgentLauncher } from '../agent/api/client';
import { removeDockerContext } from '../base/docker-context';
import { UserError } from '../base/errors';
import { readIfExists } from '../base/files';
import type { Arch } from '../base/arch';
import { locateImage, type LocatedImage } from '../base/image';
import { deriveState } from './state';
import type { AgentStatus, MachineStatus, ProblemReport, Step } from '../base/machine-types';
import { dockerHost, ensureMachineDir, machinePaths, machinesDir, MachinePaths } from '../base/paths';
import { MACHINE_FILES, machineFile } from '../base/machine-files';
import { clearRuntime, readRuntime } from '../base/runtime';
import { defaultSettings, MachineSettings, RESTART_FIELDS } from '../base/settings/schema';
import { sharedFolders } from '../base/shares';
import { sleep } from '../base/time';
import { applyChange, loadSettings, mergeSettings, saveSettings } from '../base/settings/store';
import { ensureHostKey, ensureUserKey } from '../base/ssh-keys';
import { vmSpec } from '../base/vm-spec';
import { agentPidIfAlive } from '../agent/api/lock';
import type { Driver, DriverFactory } from '../driver/driver';
import type { DriverName, SavedVm } from '../base/vm-types';

export interface ProgressHandlers {
  onStep?: (s: Step) => void;
  onNote?: (m: string) => void;
  onStatus?: (s: AgentStatus) => void;
}

/** An agent on its way out may first have to stop its VM: the guest's 30 s, then a kill. */
const AGENT_EXIT_WAIT_MS = 45000;

/** Resolves once the machine's agent process is gone, or after timeoutMs (the caller then finds out). */
async function agentGone(p: MachinePaths, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (agentPidIfAlive(p.agentPid, p.dir) && Date.now() < deadline) await sleep(100);
}

export interface MachinesOptions {
  /** The Berth home (machines live in its machines/ folder); the user's data folder by default. */
  home?: string;
  /** The hypervisor driver, chosen where the process starts. */
  driver: DriverFactory;
  /** How a host agent is started (the desktop app starts it with its own runtime). */
  launcher?: AgentLauncher;
}

export class Machines {
  private readonly home?: string;
  /** One driver of each kind, made when a machine of that kind is first asked about. */
  private readonly drivers = new Map<DriverName, Driver>();

  constructor(private readonly opts: MachinesOptions) {
    this.home = opts.home;
  }

  /** The driver of the hypervisor a machine's settings name. */
  private driver(s: MachineSettings): Driver {
    let d = this.drivers.get(s.driver);
    if (!d) this.drivers.set(s.driver, (d = this.opts.driver(s.driver)));
    return d;
  }

  paths(name: string): MachinePaths {
    return machinePaths(name, this.home);
  }

  list(): string[] {
    const dir = machinesDir(this.home);
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir)
      .filter((n) => fs.existsSync(machineFile(path.join(dir, n), 'settings')))
      .sort();
  }

  exists(name: string): boolean {
    return fs.existsSync(this.paths(name).settings);
  }

  /** Loads settings; `warnings` collects a corrupt-file notice for the user. */
  settings(name: string, warnings?: string[]): MachineSettings {
    const r = loadSettings(this.paths(name).settings);
    if (!r)
      throw new UserError(`machine "${name}" does not exist: create it with "berth init --name ${name}"`, {
        code: 'ENOMACHINE',
      });
    if (r.warning) warnings?.push(r.warning);
    return r.settings;
  }

  create(name: string, change: Partial<MachineSettings> = {}): MachineSettings {
    const p = this.paths(name);
    if (this.exists(name)) {
      throw new UserError(`machine "${name}" already exists: change its settings with "berth set --name ${name}"`, {
        code: 'EEXIST',
      });
    }
    // A VirtualBox machine is x86_64 whatever the host (validateSettings refuses another).
    const arch = change.driver === 'virtualbox' && change.arch === undefined ? { arch: 'x86_64' as const } : {};
    const settings = mergeSettings(defaultSettings(), { ...change, ...arch });
    ensureMachineDir(p);
    saveSettings(p.settings, settings);
    ensureUserKey(p);
    ensureHostKey(p);
    return settings;
  }

  async status(name: string): Promise<MachineStatus> {
    const p = this.paths(name);
    const created = this.exists(name);
    let agent: AgentStatus | 'unresponsive' | undefined;
    if (created) agent = await this.askAgent(p);
    const vm = created ? await this.vmState(name, p) : 'absent';
    const { state, reason } = deriveState({ created, agent, vm });
    const s = created ? loadSettings(p.settings)?.settings : undefined;
    return {
      name,
      state,
      reason,
      dockerHost: state === 'running' ? dockerHost(p) : undefined,
      cpus: s?.cpus,
      memoryMiB: s?.memoryMiB,
      diskGiB: s?.diskGiB,
      arch: s?.arch,
      driver: s?.driver,
      shares: s ? sharedFolders(s.shares).map((f) => f.hostPath) : undefined,
      agent: typeof agent === 'object' ? agent : undefined,
      lastError: state === 'stopped' ? this.lastError(p) : undefined,
      saved: state === 'stopped' ? await this.savedMemory(name, p) : undefined,
    };
  }

  /**
   * The agent's own status; 'unresponsive' only when its process lives and
   * keeps not answering (an agent that is just starting or just leaving gets
   * a moment, so a transition is not mistaken for a broken machine).
   */
  private async askAgent(p: MachinePaths): Promise<AgentStatus | 'unresponsive' | undefined> {
    for (let attempt = 0; attempt < 8; attempt++) {
      if (!agentPidIfAlive(p.agentPid, p.dir)) return undefined;
      const c = await AgentClient.connect(p);
      if (c) {
        try {
          return await c.call('status');
        } catch {
          // it went away while answering: look again
        } finally {
          c.close();
        }
      }
      await sleep(250);
    }
    return 'unresponsive';
  }

  private async vmState(name: string, p: MachinePaths) {
    const rt = readRuntime(p);
    if (!rt) return fs.existsSync(p.disk) || fs.existsSync(machineFile(p.dir, 'vboxDisk')) ? 'stopped' : 'absent';
    try {
      const s = this.settings(name);
      return await this.driver(s).inspect(vmSpec(name, p, s, imageOrNone(s.arch), rt, ''));
    } catch {
      return 'stopped';
    }
  }

  /** A stopped machine's spec, for the driver's questions about what it left on disk. */
  private stoppedSpec(name: string, p: MachinePaths) {
    const s = this.settings(name);
    return { s, spec: vmSpec(name, p, s, locateImage({ arch: s.arch, verify: false }), { sshPort: 0 }, '') };
  }

  /** Memory a stopped machine saved for its next up to resume. */
  private async savedMemory(name: string, p: MachinePaths): Promise<SavedVm | undefined> {
    try {
      const { s, spec } = this.stoppedSpec(name, p);
      return await this.driver(s).saved?.(spec);
    } catch {
      return undefined;
    }
  }

  private async forgetSaved(name: string, p: MachinePaths): Promise<void> {
    const { s, spec } = this.stoppedSpec(name, p);
    await this.driver(s).discardSaved?.(spec);
  }

  private lastError(p: MachinePaths): ProblemReport | undefined {
    const t = readIfExists(machineFile(p.dir, 'lastError'));
    try {
      return t ? (JSON.parse(t) as ProblemReport) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Starts the machine (creating it with defaults if needed) and follows its steps. */
  async up(name: string, h: ProgressHandlers = {}): Promise<AgentStatus & { wasRunning: boolean }> {
    if (!this.exists(name)) this.create(name);
    const p = this.paths(name);
    fs.rmSync(machineFile(p.dir, 'lastError'), { force: true });
    try {
      return await this.upOnce(name, p, h);
    } catch (e) {
      // We reached an agent on its way out (terminated, or its VM just stopped): once it has
      // finished stopping the machine and gone, the next agent is ours.
      if ((e as UserError).code !== 'EAGENTEXIT') throw e;
      h.onNote?.('waiting for the previous host agent to finish stopping the machine');
      await agentGone(p, AGENT_EXIT_WAIT_MS);
      return this.upOnce(name, p, h);
    }
  }

  private async upOnce(
    name: string,
    p: MachinePaths,
    h: ProgressHandlers,
  ): Promise<AgentStatus & { wasRunning: boolean }> {
    const c = await AgentClient.connectOrSpawn(p, name, this.opts.launcher);
    try {
      if (h.onStep) c.on('step', h.onStep);
      if (h.onNote) c.on('note', h.onNote);
      if (h.onStatus) c.on('status', h.onStatus);
      const before = await c.call('subscribe');
      return { ...(await c.call('up')), wasRunning: before.state === 'running' };
    } finally {
      c.close();
    }
  }

  /**
   * Stops the machine. Its memory is saved for the next up to resume, unless shutdown is set (or
   * it cannot be saved): then the guest shuts down, and memory saved earlier is forgotten.
   */
  async down(name: string, h: ProgressHandlers = {}, shutdown = false): Promise<'stopped' | 'was stopped'> {
    const p = this.paths(name);
    this.settings(name); // a clear error for a machine that does not exist
    const c = await AgentClient.connect(p);
    if (c) {
      try {
        if (h.onStatus) c.on('status', h.onStatus);
        if (h.onNote) c.on('note', h.onNote);
        await c.call('subscribe');
        await c.call(shutdown ? 'poweroff' : 'down');
        return 'stopped';
      } finally {
        c.close();
      }
    }
    // No agent: a VM left behind (broken) is still ours to stop.
    const rt = readRuntime(p);
    if (rt) {
      const s = this.settings(name);
      const spec = vmSpec(name, p, s, imageOrNone(s.arch), rt, '');
      if ((await this.driver(s).inspect(spec)) === 'running') {
        await this.driver(s).stop(spec, 30000);
        clearRuntime(p);
        return 'stopped';
      }
    }
    if (shutdown) await this.forgetSaved(name, p);
    return 'was stopped';
  }

  /** Changes settings; says whether a running machine must restart for them to apply. */
  async set(
    name: string,
    change: Partial<MachineSettings>,
  ): Promise<{ settings: MachineSettings; restartNeeded: boolean }> {
    const p = this.paths(name);
    const current = this.settings(name);
    const next = applyChange(current, change);
    saveSettings(p.settings, next);
    const running = (await this.status(name)).state === 'running';
    const changed = RESTART_FIELDS.some((k) => JSON.stringify(current[k]) !== JSON.stringify(next[k]));
    return { settings: next, restartNeeded: running && changed };
  }

  /** Removes a stopped machine; keepDisk keeps its data disk and host key for a later machine of the same name. */
  async remove(name: string, keepDisk: boolean): Promise<void> {
    const p = this.paths(name);
    this.settings(name);
    const st = await this.status(name);
    if (st.state !== 'stopped') {
      throw new UserError(`machine "${name}" is ${st.state}: stop it first with "berth down --name ${name}"`, {
        code: 'EBUSY',
      });
    }
    await removeDockerContext(name);
    // The hypervisor forgets the VM too: VirtualBox keeps its list of VMs outside this folder.
    const s = this.settings(name);
    await this.driver(s).delete(vmSpec(name, p, s, imageOrNone(s.arch), { sshPort: 0 }, ''), keepDisk);
    if (!keepDisk) return void fs.rmSync(p.dir, { recursive: true, force: true });
    const kept: string[] = [MACHINE_FILES.disk, MACHINE_FILES.vboxDisk, MACHINE_FILES.sshDir];
    for (const entry of fs.readdirSync(p.dir)) {
      if (kept.includes(entry)) continue;
      fs.rmSync(path.join(p.dir, entry), { recursive: true, force: true });
    }
  }
}

/**
 * The machine's image, or an empty stand-in: whether a VM runs is seen from the machine's own folder
 * and QEMU's process, so a machine whose image has moved (another checkout, BERTH_IMAGE_DIR unset)
 * still shows its true state instead of "stopped" beside a VM that runs.
 */
function imageOrNone(arch: Arch): LocatedImage {
  try {
    return locateImage({ arch, verify: false });
  } catch {
    return { dir: '', kernel: '', initrd: '', rootfs: '', cmdline: '', sizeBytes: 0, inputsHash: '' };
  }
}
