// The one watcher of a machine, shared by everything in a process that shows
// its state (the desktop app's tray and dashboard alike), without polling:
// attached to its host agent (status events) while one runs, and watching the
// machine's folder for an agent appearing (a `berth up` from a terminal) or
// going. Every change re-reads the observed state (Machines.status) and emits
// it when it differs. No electron here: the sources are injected, and tested
// with fakes.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentClient } from '../agent/api/client';
import { ensurePrivateDir } from '../base/files';
import { MACHINE_STATE_FILES } from '../base/machine-files';
import type { Machines } from './machines';
import type { AgentStatus, MachineStatus } from '../base/machine-types';

export interface AgentLink {
  on(event: 'status', fn: (status: AgentStatus) => void): unknown;
  on(event: 'close', fn: () => void): unknown;
  call(method: 'subscribe'): Promise<unknown>;
  close(): void;
}

export interface WatchSources {
  status(): Promise<MachineStatus>;
  /** A live agent of the machine, or undefined when none answers. */
  connect(): Promise<AgentLink | undefined>;
  /** Calls back when something relevant changes on disk; returns the stop function. */
  watch(onChange: () => void): () => void;
  log?(m: string): void;
  /** Coalescing delay for bursts of changes. */
  settleMs?: number;
}

export interface MachineWatcherEvents {
  /** The machine's observed state, each time it differs from the last one emitted. */
  status: [MachineStatus];
  /** The attached agent's own status event, as it comes (published ports change without a new state). */
  agent: [AgentStatus];
}

export class MachineWatcher extends EventEmitter<MachineWatcherEvents> {
  current?: MachineStatus;
  private agent?: AgentLink;
  private unwatch?: () => void;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private armed = false;
  private readonly holders = new Set<object>();

  constructor(private readonly src: WatchSources) {
    super();
    this.setMaxListeners(0);
  }

  /**
   * One more user (the tray, a dashboard's subscription): the first one starts
   * the watch, and the returned release of the last one stops it.
   */
  hold(): () => void {
    const token = {};
    this.holders.add(token);
    this.start();
    return () => {
      if (this.holders.delete(token) && this.holders.size === 0) this.stop();
    };
  }

  start(): void {
    if (this.armed) return;
    this.armed = true;
    this.unwatch = this.src.watch(() => this.poke());
    void this.refresh();
  }

  /** Stops now, whoever holds it (the app is quitting); it can be started again. */
  stop(): void {
    this.armed = false;
    this.holders.clear();
    clearTimeout(this.timer);
    this.timer = undefined;
    this.unwatch?.();
    this.unwatch = undefined;
    this.agent?.close();
    this.agent = undefined;
  }

  /** Something may have changed: refresh soon (bursts become one refresh). */
  poke(): void {
    if (!this.armed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, this.src.settleMs ?? 150);
  }

  /** Re-reads the state now; concurrent calls share one run and ask for one more. */
  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.attach();
        if (!this.armed) return;
        try {
          const st = await this.src.status();
          if (this.armed && JSON.stringify(st) !== JSON.stringify(this.current)) {
            this.current = st;
            this.emit('status', st);
          }
        } catch (e) {
          this.src.log?.(`machine status failed: ${(e as Error).message}`);
        }
      } while (this.again && this.armed);
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  private async attach(): Promise<void> {
    if (this.agent || !this.armed) return;
    const a = await this.src.connect().catch(() => undefined);
    if (!a) return;
    if (!this.armed) return a.close();
    this.agent = a;
    a.on('status', (status) => {
      if (this.agent !== a) return;
      this.emit('agent', status);
      this.poke();
    });
    a.on('close', () => {
      if (this.agent !== a) return;
      this.agent = undefined;
      this.poke();
    });
    await a.call('subscribe').catch(() => undefined);
  }
}

const RELEVANT: ReadonlySet<string> = new Set(MACHINE_STATE_FILES);

/** The real sources: Machines, AgentClient and fs.watch on the machine's folder (and its parent, before it exists). */
export function machineWatchSources(machines: Machines, name: string, log?: (m: string) => void): WatchSources {
  const p = machines.paths(name);
  return {
    status: () => machines.status(name),
    connect: () => AgentClient.connect(p),
    log,
    watch(onChange) {
      const parent = path.dirname(p.dir);
      ensurePrivateDir(parent);
      let inner: fs.FSWatcher | undefined;
      const armInner = () => {
        if (inner || !fs.existsSync(p.dir)) return;
        try {
          inner = fs.watch(p.dir, (_ev, file) => {
            if (!file || RELEVANT.has(String(file))) onChange();
          });
          inner.on('error', () => {
            inner?.close();
            inner = undefined;
          });
        } catch {
          inner = undefined;
        }
      };
      const outer = fs.watch(parent, (_ev, file) => {
        if (file && String(file) !== path.basename(p.dir)) return;
        if (inner && !fs.existsSync(p.dir)) {
          inner.close();
          inner = undefined;
        }
        armInner();
        onChange();
      });
      outer.on('error', () => undefined);
      armInner();
      return () => {
        outer.close();
        inner?.close();
      };
    },
  };
}
