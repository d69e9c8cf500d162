// One persistent SSH connection to the VM. Everything the host needs from the
// guest (the Docker socket, commands) rides on it. When it drops, it comes back
// by itself; callers that need it meanwhile wait for the next connection.
import { EventEmitter } from 'node:events';
import { Client, ClientChannel, ConnectConfig } from 'ssh2';
import { coalescingConnect } from './coalescing-socket';

export interface SshLinkOptions {
  port: number;
  privateKey: string;
  hostVerifier: (key: Buffer) => boolean;
  log: (msg: string) => void;
}

export class SshLink extends EventEmitter {
  private client?: Client;
  private ready?: Client;
  private waiters: Array<{ resolve: (c: Client) => void; reject: (e: Error) => void }> = [];
  private closed = false;
  private retryTimer?: NodeJS.Timeout;

  constructor(private readonly opts: SshLinkOptions) {
    super();
  }

  get connected(): boolean {
    return this.ready !== undefined;
  }

  /** Resolves at the first completed handshake (retrying while the guest boots). */
  connect(): Promise<void> {
    this.closed = false;
    this.dial(0);
    return new Promise((resolve, reject) => this.waiters.push({ resolve: () => resolve(), reject }));
  }

  private dial(attempt: number): void {
    if (this.closed) return;
    const c = new Client();
    this.client = c;
    const cfg: ConnectConfig = {
      // Our own connection, so that each SSH packet leaves in one write (coalescing-socket.ts).
      sock: coalescingConnect(this.opts.port, '127.0.0.1'),
      username: 'root',
      privateKey: this.opts.privateKey,
      hostVerifier: this.opts.hostVerifier,
      // QEMU accepts the TCP connection before the guest's sshd exists; a short
      // timeout lets us retry quickly instead of hanging on a dead handshake.
      readyTimeout: 4000,
      keepaliveInterval: 5000,
      keepaliveCountMax: 3,
    };
    let wasReady = false;
    c.on('ready', () => {
      wasReady = true;
      this.ready = c;
      const w = this.waiters;
      this.waiters = [];
      for (const fn of w) fn.resolve(c);
      this.emit('up');
    });
    c.on('error', (e) => {
      if (wasReady) this.opts.log(`ssh: ${e.message}`);
    });
    c.on('close', () => {
      if (this.ready === c) this.ready = undefined;
      if (wasReady) {
        this.opts.log('ssh: connection closed; reconnecting');
        this.emit('down');
      }
      if (this.closed) return;
      const delay = wasReady ? 200 : Math.min(250 + attempt * 100, 1000);
      this.retryTimer = setTimeout(() => this.dial(wasReady ? 0 : attempt + 1), delay);
    });
    c.connect(cfg);
  }

  /** The live connection, waiting up to timeoutMs for a reconnect. */
  async get(timeoutMs = 30000): Promise<Client> {
    if (this.ready) return this.ready;
    if (this.closed) throw new Error('SSH link is closed');
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (c: Client) => {
          clearTimeout(t);
          resolve(c);
        },
        reject: (e: Error) => {
          clearTimeout(t);
          reject(e);
        },
      };
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no SSH connection to the VM within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Opens a stream to a unix socket in the guest (OpenSSH direct-streamlocal). */
  async openSocket(guestPath: string): Promise<ClientChannel> {
    const c = await this.get();
    return new Promise((resolve, reject) =>
      c.openssh_forwardOutStreamLocal(guestPath, (err, ch) => (err ? reject(err) : resolve(ch))),
    );
  }

  /** Opens a TCP connection from the guest to host:port in the guest's network (direct-tcpip). */
  async openTcp(host: string, port: number): Promise<ClientChannel> {
    const c = await this.get(5000);
    return new Promise((resolve, reject) =>
      c.forwardOut('127.0.0.1', 0, host, port, (err, ch) => (err ? reject(err) : resolve(ch))),
    );
  }

  /** Runs a command in the guest and collects its output. */
  async exec(command: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const c = await this.get();
    return new Promise((resolve, reject) => {
      c.exec(command, (err, ch) => {
        if (err) return reject(err);
        let stdout = '';
        let stderr = '';
        let code = -1;
        ch.on('data', (d: Buffer) => (stdout += d.toString()));
        ch.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        ch.on('exit', (c2: number | null) => (code = c2 ?? -1));
        ch.on('close', () => resolve({ code, stdout, stderr }));
      });
    });
  }

  /** Gives up for good (e.g. the host key changed): everyone waiting is told why. */
  fail(err: Error): void {
    const w = this.waiters;
    this.waiters = [];
    for (const fn of w) fn.reject(err);
    this.close();
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.client?.end();
    this.ready = undefined;
  }
}
