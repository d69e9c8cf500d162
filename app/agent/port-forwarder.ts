// Published container ports on the host: for each TCP port a running container
// publishes in the VM, listeners on the host's loopback (127.0.0.1 and ::1) with
// the same number whose every connection is carried into the VM over the SSH
// connection (direct-tcpip) to docker-proxy there. So `docker run -p 8080:80`
// answers on http://localhost:8080 as it does with Docker Desktop, whichever
// address the client tries for localhost (Node and browsers try ::1 first).
// UDP cannot ride an SSH channel: a UDP port is handed to the hypervisor's own
// forwarding (udp deps) where the driver has it, and listed with the reason where not.
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type { ForwardedPort } from '../base/machine-types';
import type { WantedPort } from './published-ports';
import { splice } from './splice';

export interface PortForwarderDeps {
  /** Opens a connection to host:port as seen from inside the VM. */
  dial: (host: string, port: number) => Promise<Duplex>;
  /** Forwards the host's 127.0.0.1:port to the same UDP port of the VM, and stops; absent when the driver cannot. */
  udp?: { open: (port: number) => Promise<void>; close: (port: number) => Promise<void> };
  log: (msg: string) => void;
}

interface Listener {
  want: WantedPort;
  servers: net.Server[];
  /** A UDP port the hypervisor forwards. */
  udp?: boolean;
  error?: string;
}

/** Loopback only, never the network. IPv4 must open; IPv6 is a bonus where the host has ::1. */
const IPV4_LOOPBACK = '127.0.0.1';
const IPV6_LOOPBACK = '::1';

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
      await this.stop(key, l);
    }
    for (const [key, w] of next) {
      if (this.listeners.has(key)) continue;
      this.listeners.set(key, await this.start(w));
    }
  }

  private listenOn(host: string, port: number): Promise<net.Server> {
    const server = net.createServer({ allowHalfOpen: true }, (sock) => this.carry(sock, port));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host, ipv6Only: host === IPV6_LOOPBACK }, () => {
        server.off('error', reject);
        server.on('error', (e) => this.d.log(`ports: ${host} ${port}: ${e.message}`));
        resolve(server);
      });
    });
  }

  private async start(want: WantedPort): Promise<Listener> {
    if (want.protocol === 'udp') return this.startUdp(want);
    const servers: net.Server[] = [];
    try {
      servers.push(await this.listenOn(IPV4_LOOPBACK, want.hostPort));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const error =
        code === 'EADDRINUSE'
          ? `port ${want.hostPort} is already in use on this computer: stop what uses it, or publish another port`
          : code === 'EACCES'
            ? `port ${want.hostPort} needs administrator rights on this computer: publish a port above 1023`
            : `port ${want.hostPort} could not be opened on this computer: ${(e as Error).message}`;
      this.d.log(`ports: ${want.container}: ${error}`);
      return { want, servers, error };
    }
    try {
      servers.push(await this.listenOn(IPV6_LOOPBACK, want.hostPort));
    } catch (e) {
      // No IPv6 on this host, or something else holds [::1]:port: 127.0.0.1 still answers.
      this.d.log(
        `ports: [::1]:${want.hostPort} not opened (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); 127.0.0.1 only`,
      );
    }
    const where = servers.length === 2 ? `127.0.0.1 and [::1]` : '127.0.0.1';
    this.d.log(`ports: forwarding ${where}:${want.hostPort} to ${want.container}:${want.containerPort}`);
    return { want, servers };
  }

  /** 127.0.0.1 only: the hypervisor's forwarding has no IPv6 loopback. */
  private async startUdp(want: WantedPort): Promise<Listener> {
    if (!this.d.udp) return { want, servers: [], error: 'UDP ports are not forwarded to the host by this hypervisor' };
    try {
      await this.d.udp.open(want.hostPort);
    } catch (e) {
      const error = (e as Error).message;
      this.d.log(`ports: ${want.container}: ${error}`);
      return { want, servers: [], error };
    }
    this.d.log(`ports: forwarding 127.0.0.1:${want.hostPort}/udp to ${want.container}:${want.containerPort}`);
    return { want, servers: [], udp: true };
  }

  private carry(sock: net.Socket, hostPort: number): void {
    this.open.add(sock);
    sock.on('close', () => this.open.delete(sock));
    const l = this.listeners.get(`${hostPort}/tcp`);
    if (!l) return void sock.destroy();
    // The listener's current target, read at connect time: a container restarted
    // on the same port is reached without reopening the host's listener.
    splice(sock, this.d.dial(l.want.guestHost, hostPort), (err) =>
      this.d.log(`ports: ${hostPort}: could not reach it in the VM: ${err.message}`),
    );
  }

  private async stop(key: string, l: Listener): Promise<void> {
    this.listeners.delete(key);
    if (l.udp) {
      // Before anything reopens the port: QEMU's rule holds it on the host.
      await this.d.udp
        ?.close(l.want.hostPort)
        .catch((e: Error) => this.d.log(`ports: ${l.want.hostPort}/udp: ${e.message}`));
      this.d.log(`ports: ${l.want.hostPort}/udp no longer published; closed`);
      return;
    }
    if (!l.servers.length) return;
    this.d.log(`ports: ${l.want.hostPort} no longer published; closed`);
    // Stops listening at once; connections still open end when the VM side closes them.
    for (const server of l.servers) server.close();
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
    for (const [k, l] of [...this.listeners]) await this.stop(k, l);
  }
}
