// Published container ports on the host: for each TCP port a running container
// publishes in the VM, a listener on the host's 127.0.0.1 with the same number
// whose every connection is carried into the VM over the SSH connection
// (direct-tcpip) to docker-proxy there. So `docker run -p 8080:80` answers on
// http://localhost:8080 as it does with Docker Desktop. UDP cannot ride an SSH
// channel: such ports are listed with the reason instead.
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type { ForwardedPort } from '../core/machine-types';
import type { WantedPort } from './published-ports';
import { splice } from './splice';

export interface PortForwarderDeps {
  /** Opens a connection to host:port as seen from inside the VM. */
  dial: (host: string, port: number) => Promise<Duplex>;
  log: (msg: string) => void;
  /** The host address listeners bind to; loopback only, never the network. */
  bindHost?: string;
}

interface Listener {
  want: WantedPort;
  server?: net.Server;
  error?: string;
}

const keyOf = (w: WantedPort) => `${w.hostPort}/${w.protocol}`;

export class PortForwarder {
  private readonly listeners = new Map<string, Listener>();
  private readonly open = new Set<net.Socket>();
  private closed = false;
  /** apply() calls run one after another, so two reconciliations never race over a port. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly d: PortForwarderDeps) {}

  /** Makes the host's listeners match `wanted`: opens new ones, closes those no longer published. */
  apply(wanted: WantedPort[]): Promise<void> {
    this.queue = this.queue.then(() => this.reconcile(wanted));
    return this.queue;
  }

  private async reconcile(wanted: WantedPort[]): Promise<void> {
    if (this.closed) return;
    const next = new Map(wanted.map((w) => [keyOf(w), w]));
    for (const [key, l] of this.listeners) {
      const w = next.get(key);
      // Same port, same place in the VM: keep the listener (and its open connections).
      if (w && w.guestHost === l.want.guestHost) {
        l.want = w;
        continue;
      }
      this.stop(key, l);
    }
    for (const [key, w] of next) {
      if (this.listeners.has(key)) continue;
      this.listeners.set(key, await this.start(w));
    }
  }

  private async start(want: WantedPort): Promise<Listener> {
    if (want.protocol !== 'tcp') {
      return { want, error: 'UDP ports are not forwarded to the host (SSH carries TCP only)' };
    }
    const server = net.createServer({ allowHalfOpen: true }, (sock) => this.carry(sock, want.hostPort));
    const host = this.d.bindHost ?? '127.0.0.1';
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(want.hostPort, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const error =
        code === 'EADDRINUSE'
          ? `port ${want.hostPort} is already in use on this computer: stop what uses it, or publish another port`
          : code === 'EACCES'
            ? `port ${want.hostPort} needs administrator rights on this computer: publish a port above 1023`
            : `port ${want.hostPort} could not be opened on this computer: ${(e as Error).message}`;
      this.d.log(`ports: ${want.container}: ${error}`);
      return { want, error };
    }
    server.on('error', (e) => this.d.log(`ports: ${want.hostPort}: ${e.message}`));
    this.d.log(`ports: forwarding 127.0.0.1:${want.hostPort} to ${want.container}:${want.containerPort}`);
    return { want, server };
  }

  private carry(sock: net.Socket, hostPort: number): void {
    this.open.add(sock);
    sock.on('close', () => this.open.delete(sock));
    const l = this.listeners.get(`${hostPort}/tcp`);
    if (!l) return void sock.destroy();
    // The listener's current target, read at connect time: a container restarted
    // on the same port is reached without reopening the host's listener.
    splice(sock, this.d.dial(l.want.guestHost, hostPort), (err) => this.d.log(`ports: ${hostPort}: could not reach it in the VM: ${err.message}`));
  }

  private stop(key: string, l: Listener): void {
    this.listeners.delete(key);
    if (!l.server) return;
    this.d.log(`ports: ${l.want.hostPort} no longer published; closed`);
    // Stops listening at once; connections still open end when the VM side closes them.
    l.server.close();
  }

  /** What is published now and whether each reaches the host. */
  list(): ForwardedPort[] {
    return [...this.listeners.values()]
      .map(({ want, error }) => ({
        hostPort: want.hostPort,
        protocol: want.protocol,
        container: want.container,
        containerPort: want.containerPort,
        ...(error ? { error } : {}),
      }))
      .sort((a, b) => a.hostPort - b.hostPort || a.protocol.localeCompare(b.protocol));
  }

  /** Closes every listener and every carried connection. */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue.catch(() => undefined);
    for (const s of this.open) s.destroy();
    for (const [k, l] of [...this.listeners]) this.stop(k, l);
  }
}
