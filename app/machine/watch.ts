// Follows one machine's state for the tray without polling: attached to its
// host agent (status events) while one runs, and watching the machine's folder
// for an agent appearing (a `berth up` from a terminal) or going. Every change
// re-reads the observed state (Machines.status) and emits it when it differs.
// No electron here: the sources are injected, and tested with fakes.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentClient } from '../agent/api/client';
import { ensurePrivateDir } from '../base/files';
import type { Machines } from './machines';
import type { MachineStatus } from '../base/machine-types';

export interface AgentLink {
  on(event: 'status' | 'close', fn: (...a: any[]) => void): unknown;
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

export class MachineWatcher extends EventEmitter {
  current?: MachineStatus;
  private agent?: AgentLink;
  private unwatch?: () => void;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(private readonly src: WatchSources) {
    super();
  }

  start(): void {
    this.unwatch = this.src.watch(() => this.poke());
    void this.refresh();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.unwatch?.();
    this.agent?.close();
    this.agent = undefined;
  }

  /** Something may have changed: refresh soon (bursts become one refresh). */
  poke(): void {
    if (this.stopped || this.timer) return;
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
        if (this.stopped) return;
        try {
          const st = await this.src.status();
          if (!this.stopped && JSON.stringify(st) !== JSON.stringify(this.current)) {
            this.current = st;
            this.emit('status', st);
          }
        } catch (e) {
          this.src.log?.(`machine status failed: ${(e as Error).message}`);
        }
      } while (this.again && !this.stopped);
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  private async attach(): Promise<void> {
    if (this.agent) return;
    const a = await this.src.connect().catch(() => undefined);
    if (!a) return;
    if (this.stopped) return a.close();
    this.agent = a;
    a.on('status', () => this.poke());
    a.on('close', () => {
      if (this.agent === a) this.agent = undefined;
      this.poke();
    });
    await a.call('subscribe').catch(() => undefined);
  }
}

/** Files whose change can mean a new state; the console log (written constantly) is not one. */
const RELEVANT = new Set(['agent.pid', 'agent.sock', 'machine.json', 'runtime.json', 'last-error.json']);

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
        if (file && String(file) !== name) return;
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
