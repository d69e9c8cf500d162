// A small QMP client (QEMU's JSON monitor): one JSON object per line each way.
// QEMU sends a greeting, accepts nothing but qmp_capabilities until negotiated,
// answers commands in order, and interleaves asynchronous events (POWERDOWN,
// SHUTDOWN, STOP, RESUME...) on the same stream, before or after the answer.
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { openQmpSocket, type QmpEndpoint } from './qmp-endpoint';

export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp?: { seconds: number; microseconds: number };
}

/** An error QEMU returned for a command, e.g. class CommandNotFound. */
export class QmpError extends Error {
  constructor(
    readonly command: string,
    readonly errorClass: string,
    readonly desc: string,
  ) {
    super(`QMP ${command} failed: ${errorClass}: ${desc}`);
    this.name = 'QmpError';
  }
}

/** The run states QEMU reports in query-status (subset we act on; others pass through). */
export type RunState =
  | 'running'
  | 'paused'
  | 'prelaunch'
  | 'shutdown'
  | 'inmigrate'
  | 'postmigrate'
  | 'internal-error'
  | 'io-error'
  | 'guest-panicked'
  | 'suspended'
  | 'finish-migrate'
  | 'watchdog'
  | (string & {});

interface Pending {
  id: number;
  command: string;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

export class QmpClient extends EventEmitter {
  private buf = '';
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedError?: Error;

  private constructor(
    private readonly sock: net.Socket,
    readonly greeting: Record<string, unknown>,
  ) {
    super();
  }

  /** Connects, reads the greeting and negotiates capabilities. */
  static async connect(ep: QmpEndpoint, timeoutMs = 5000): Promise<QmpClient> {
    const sock = await openQmpSocket(ep);
    sock.setEncoding('utf8');
    let buf = '';
    const greeting = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`QMP: no greeting within ${timeoutMs} ms`)), timeoutMs);
      const fail = (e: Error) => {
        cleanup();
        sock.destroy();
        reject(e);
      };
      const onData = (d: string) => {
        buf += d;
        const n = buf.indexOf('\n');
        if (n < 0) return;
        const line = buf.slice(0, n);
        buf = buf.slice(n + 1);
        cleanup();
        try {
          const msg = JSON.parse(line) as Record<string, unknown>;
          if (!msg['QMP']) throw new Error(`QMP: unexpected greeting ${line.trim()}`);
          resolve(msg);
        } catch (e) {
          sock.destroy();
          // JSON.parse and the check above only throw Errors.
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      };
      const onError = (e: Error) => fail(e);
      const onClose = () => fail(new Error('QMP: connection closed before the greeting'));
      const cleanup = () => {
        clearTimeout(timer);
        sock.off('data', onData).off('error', onError).off('close', onClose);
      };
      sock.on('data', onData).on('error', onError).on('close', onClose);
    });
    const c = new QmpClient(sock, greeting);
    c.attach(buf);
    await c.execute('qmp_capabilities');
    return c;
  }

  private attach(rest: string): void {
    this.sock.on('data', (d: string) => this.onData(d));
    this.sock.on('error', (e) => this.shutdown(e));
    this.sock.on('close', () => this.shutdown(new Error('QMP: connection closed')));
    if (rest) this.onData(rest);
  }

  private onData(d: string): void {
    this.buf += d;
    let n: number;
    while ((n = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, n).trim();
      this.buf = this.buf.slice(n + 1);
      if (line) this.onLine(line);
    }
  }

  private onLine(line: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return; // QEMU only sends JSON; a torn line is not ours to interpret.
    }
    if (typeof msg['event'] === 'string') {
      this.emit('event', msg);
      return;
    }
    // Every command carries an id, so answers are matched even if order ever changed.
    const p = this.pending.get(msg['id'] as number);
    if (!p) return;
    this.pending.delete(p.id);
    const err = msg['error'] as { class?: string; desc?: string } | undefined;
    if (err) p.reject(new QmpError(p.command, err.class ?? 'GenericError', err.desc ?? ''));
    else p.resolve(msg['return']);
  }

  private shutdown(e: Error): void {
    if (this.closedError) return;
    this.closedError = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    this.emit('close');
  }

  /** Runs a command; resolves with its "return" value, rejects with QmpError. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    const msg: Record<string, unknown> = { execute: command, id };
    if (args) msg['arguments'] = args;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { id, command, resolve: resolve as (v: unknown) => void, reject });
      this.sock.write(JSON.stringify(msg) + '\n');
    });
  }

  /** Resolves with the next event of that name (or rejects on close / timeout). */
  waitForEvent(name: string, timeoutMs: number): Promise<QmpEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        done();
        reject(new Error(`QMP: no ${name} event within ${timeoutMs} ms`));
      }, timeoutMs);
      const onEvent = (ev: QmpEvent) => {
        if (ev.event === name) {
          done();
          resolve(ev);
        }
      };
      const onClose = () => {
        done();
        reject(this.closedError ?? new Error('QMP: connection closed'));
      };
      const done = () => {
        clearTimeout(timer);
        this.off('event', onEvent).off('close', onClose);
      };
      this.on('event', onEvent).on('close', onClose);
    });
  }

  async queryStatus(): Promise<RunState> {
    const r = await this.execute<{ status: RunState }>('query-status');
    return r.status;
  }

  /** Presses the virtual power button: the guest decides to power off (ACPI). */
  async systemPowerdown(): Promise<void> {
    await this.execute('system_powerdown');
  }

  /** Stops QEMU at once (no guest shutdown). QEMU closes the connection after answering. */
  async quit(): Promise<void> {
    await this.execute('quit');
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  close(): void {
    this.sock.end();
    this.sock.destroy();
    this.shutdown(new Error('QMP: closed by us'));
  }
}
