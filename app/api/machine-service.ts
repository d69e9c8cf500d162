// The machine side of the API: state, start/stop/restart with the core's real
// steps broadcast to every 'machine.progress' subscriber, settings, console.
// A second start while one runs joins it (one promise, shared).
import { ACCELERATORS, DRIVERS } from '../base/vm-types';
import { ARCHITECTURES } from '../base/arch';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import { tail } from '../base/files';
import type { AgentStatus, MachineState, MachineStatus, Step } from '../base/machine-types';
import type { Machines, ProgressHandlers } from '../machine/machines';
import { machineWatchSources, MachineWatcher, type WatchSources } from '../machine/watch';
import { defaultSettings, RESTART_FIELDS, settingRanges, type MachineSettings } from '../base/settings/schema';
import type { MachineInfo, MachineProgress, SettingsChange, SettingsView } from './contract';

export interface MachineServiceOptions {
  /** Where the watcher learns of changes; by default the machine's folder and its host agent. */
  watchSources?: WatchSources;
  log?: (m: string) => void;
}

/** The states a change by other hands is announced in: where a machine rests, not the steps on the way. */
const RESTING: ReadonlySet<MachineState> = new Set(['running', 'stopped', 'broken']);

export class MachineService {
  readonly progress = new EventEmitter<{ progress: [MachineProgress] }>();
  /**
   * The one watcher of this machine in this process: the dashboard's
   * subscriptions hold it through watchState(), the desktop app's tray holds
   * it for as long as the app runs.
   */
  readonly watcher: MachineWatcher;
  private busy?: { what: 'start' | 'stop' | 'restart'; done: Promise<MachineInfo> };
  /** The last state subscribers were told of (or found when the watch began). */
  private lastState?: MachineState;

  constructor(
    readonly machines: Machines,
    readonly name: string,
    o: MachineServiceOptions = {},
  ) {
    this.progress.setMaxListeners(0);
    this.watcher = new MachineWatcher(o.watchSources ?? machineWatchSources(machines, name, o.log));
    this.watcher.on('status', (status) => this.seen(status));
    // Published ports change with containers, not with the machine's state: the agent announces
    // each change. Our own start/stop reports its status through its handlers already.
    this.watcher.on('agent', (status) => this.busy || this.emit({ kind: 'status', status }));
  }

  get dockerSock(): string {
    return this.machines.paths(this.name).dockerSock;
  }

  async info(): Promise<MachineInfo> {
    return this.infoOf(await this.machines.status(this.name));
  }

  private infoOf(status: MachineStatus): MachineInfo {
    let diskFileBytes: number | undefined;
    try {
      const st = fs.statSync(this.machines.paths(this.name).disk);
      diskFileBytes = st.blocks !== undefined ? st.blocks * 512 : st.size;
    } catch {
      /* no disk yet */
    }
    return { name: this.name, status, diskFileBytes };
  }

  /**
   * Tells 'machine.progress' subscribers when the machine changes state by
   * other hands (a `berth up` in a terminal, another process), as the watcher sees it: the machine
   * folder and the running agent's events, no polling. Returns the function
   * that lets go of the watcher.
   */
  watchState(): () => void {
    return this.watcher.hold();
  }

  /** A state the watcher observed: announced when it is new and rests, unless our own action runs. */
  private seen(status: MachineStatus): void {
    if (this.busy) return; // our own action reports its end itself
    const before = this.lastState;
    this.lastState = status.state;
    // The first look is what subscribers already know from asking (machine.status).
    if (before === undefined || before === status.state || !RESTING.has(status.state)) return;
    this.emit({ kind: 'state', info: this.infoOf(status) });
  }

  private emit(p: MachineProgress): void {
    if (p.kind === 'state') this.lastState = p.info.status.state;
    this.progress.emit('progress', p);
  }

  /** Our own action's reports, passed on; each also tells the watcher (and so the tray) to look again. */
  private handlers(): ProgressHandlers {
    const report = (p: MachineProgress) => {
      this.emit(p);
      this.watcher.poke();
    };
    return {
      onStep: (step: Step) => report({ kind: 'step', step }),
      onNote: (note: string) => report({ kind: 'note', note }),
      onStatus: (status: AgentStatus) => report({ kind: 'status', status }),
    };
  }

  /** Runs one lifecycle action at a time; the same action asked again joins the one under way. */
  private run(what: 'start' | 'stop' | 'restart', work: () => Promise<unknown>): Promise<MachineInfo> {
    if (this.busy?.what === what) return this.busy.done;
    const before = this.busy?.done.catch(() => undefined) ?? Promise.resolve();
    const done = before
      .then(work)
      .then(() => this.info())
      .finally(async () => {
        const info = await this.info().catch(() => ({
          name: this.name,
          status: { name: this.name, state: 'broken' as const },
        }));
        // The watcher stood aside while this ran: it takes over once the end is told, without telling it twice.
        if (this.busy?.done === done) this.busy = undefined;
        this.emit({ kind: 'state', info });
        this.watcher.poke();
      });
    this.busy = { what, done };
    return done;
  }

  start(): Promise<MachineInfo> {
    return this.run('start', () => this.machines.up(this.name, this.handlers()));
  }

  /** Saves the machine's memory for the next start; with shutdown, shuts it down (see Machines.down). */
  stop(shutdown = false): Promise<MachineInfo> {
    return this.run('stop', () => this.machines.down(this.name, this.handlers(), shutdown));
  }

  restart(): Promise<MachineInfo> {
    return this.run('restart', async () => {
      // A restart boots afresh (settings apply, the engine starts anew): no saved memory.
      await this.machines.down(this.name, this.handlers(), true);
      await this.machines.up(this.name, this.handlers());
    });
  }

  settingsView(settings: MachineSettings, warnings: string[] = []): SettingsView {
    return {
      settings,
      ranges: settingRanges(),
      accelerators: [...ACCELERATORS],
      architectures: [...ARCHITECTURES],
      drivers: [...DRIVERS],
      restartFields: [...RESTART_FIELDS],
      warnings,
    };
  }

  getSettings(): SettingsView {
    if (!this.machines.exists(this.name)) return { ...this.settingsView(defaultSettings()), defaults: true };
    const warnings: string[] = [];
    const s = this.machines.settings(this.name, warnings);
    return this.settingsView(s, warnings);
  }

  create(change: SettingsChange = {}): SettingsView {
    return this.settingsView(this.machines.create(this.name, change as Partial<MachineSettings>));
  }

  async setSettings(change: SettingsChange): Promise<SettingsView & { restartNeeded: boolean }> {
    const r = await this.machines.set(this.name, change as Partial<MachineSettings>);
    return { ...this.settingsView(r.settings), restartNeeded: r.restartNeeded };
  }

  console(lines = 200): { console: string; agent: string } {
    const p = this.machines.paths(this.name);
    return { console: tail(p.consoleLog, lines), agent: tail(p.agentLog, lines) };
  }
}
