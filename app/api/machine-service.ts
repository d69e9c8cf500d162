// The machine side of the API: state, start/stop/restart with the core's real
// steps broadcast to every 'machine.progress' subscriber, settings, console.
// A second start while one runs joins it (one promise, shared).
import { ACCELERATORS } from '../base/vm-types';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import { AgentClient } from '../agent/api/client';
import { tail } from '../base/files';
import type { AgentStatus } from '../base/machine-types';
import type { Machines } from '../machine/machines';
import { defaultSettings, RESTART_FIELDS, settingRanges, type MachineSettings } from '../base/settings/schema';
import type { MachineInfo, MachineProgress, SettingsChange, SettingsView } from './contract';

export class MachineService {
  readonly progress = new EventEmitter();
  private busy?: { what: 'start' | 'stop' | 'restart'; done: Promise<MachineInfo> };

  constructor(
    readonly machines: Machines,
    readonly name: string,
  ) {
    this.progress.setMaxListeners(0);
  }

  get dockerSock(): string {
    return this.machines.paths(this.name).dockerSock;
  }

  async info(): Promise<MachineInfo> {
    const status = await this.machines.status(this.name);
    let diskFileBytes: number | undefined;
    try {
      const st = fs.statSync(this.machines.paths(this.name).disk);
      diskFileBytes = st.blocks !== undefined ? st.blocks * 512 : st.size;
    } catch {
      /* no disk yet */
    }
    return { name: this.name, status, diskFileBytes };
  }

  private watcher?: { fsw: fs.FSWatcher; users: number; timer?: NodeJS.Timeout; last?: string };

  /**
   * Tells 'machine.progress' subscribers when the machine changes state by
   * other hands (the CLI, the tray): the machine folder is watched (a file
   * system notification, not polling); the agent is asked only when one of
   * its state files changes. Returns the function that stops watching.
   */
  watchState(): () => void {
    if (this.watcher) {
      this.watcher.users++;
    } else {
      let fsw: fs.FSWatcher;
      try {
        fsw = fs.watch(this.machines.paths(this.name).dir);
      } catch {
        return () => undefined; // no machine folder yet: first run goes through this service anyway
      }
      const w: NonNullable<MachineService['watcher']> = { fsw, users: 1 };
      fsw.on('error', () => undefined);
      fsw.on('change', (_ev, file) => {
        if (!/^(agent\.pid|docker\.sock|runtime\.json|last-error\.json)$/.test(String(file))) return;
        clearTimeout(w.timer);
        w.timer = setTimeout(async () => {
          if (this.busy) return; // our own action reports its end itself
          const info = await this.info().catch(() => undefined);
          if (info?.status.state === 'running') this.follow();
          if (!info || info.status.state === w.last) return;
          w.last = info.status.state;
          if (info.status.state === 'running' || info.status.state === 'stopped' || info.status.state === 'broken')
            this.emit({ kind: 'state', info });
        }, 400);
      });
      void this.info().then(
        (i) => (w.last ??= i.status.state),
        () => undefined,
      );
      this.watcher = w;
      this.follow();
    }
    return () => {
      const w = this.watcher;
      if (!w || --w.users > 0) return;
      clearTimeout(w.timer);
      w.fsw.close();
      this.watcher = undefined;
      this.unfollow();
    };
  }

  /** The running agent's own event stream while someone watches, or its pending attach. */
  private follower?: Promise<AgentClient | undefined>;

  /**
   * While someone watches, the running agent's status events are passed on as
   * they come: published ports change with containers, not with the machine's
   * state, and the agent announces each change. No agent, nothing to follow:
   * the folder watch calls this again when one starts.
   */
  private follow(): void {
    if (this.follower || !this.watcher) return;
    const attach = AgentClient.connect(this.machines.paths(this.name)).then(
      async (c) => {
        if (!c) return undefined;
        // Our own start/stop reports its status through its handlers already.
        c.on('status', (status: AgentStatus) => this.busy || this.emit({ kind: 'status', status }));
        c.on('close', () => this.follower === attach && (this.follower = undefined));
        await c.call('subscribe').catch(() => undefined);
        if (this.follower !== attach) c.close(); // nobody watches any more
        return c;
      },
      () => undefined,
    );
    this.follower = attach;
    void attach.then((c) => c || this.follower !== attach || (this.follower = undefined));
  }

  private unfollow(): void {
    const f = this.follower;
    this.follower = undefined;
    void f?.then((c) => c?.close());
  }

  private emit(p: MachineProgress): void {
    if (p.kind === 'state' && this.watcher) this.watcher.last = p.info.status.state;
    this.progress.emit('progress', p);
  }

  private handlers() {
    return {
      onStep: (step: any) => this.emit({ kind: 'step', step }),
      onNote: (note: string) => this.emit({ kind: 'note', note }),
      onStatus: (status: any) => this.emit({ kind: 'status', status }),
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
        if (this.busy?.done === done) this.busy = undefined;
        const info = await this.info().catch(() => ({
          name: this.name,
          status: { name: this.name, state: 'broken' as const },
        }));
        // The folder watch stood aside while this ran: attach to the agent this start made.
        if (info.status.state === 'running') this.follow();
        this.emit({ kind: 'state', info });
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
