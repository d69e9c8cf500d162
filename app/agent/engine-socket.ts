// The Docker socket on the host: a unix socket (a named pipe on Windows) in the
// machine's folder whose every connection is carried to the guest's
// /var/run/docker.sock over the one SSH connection. The user's own `docker`
// and `docker compose` talk to it unchanged.
import * as net from 'node:net';
import type { ClientChannel } from 'ssh2';
import { closeSocket, listenPrivate } from '../core/private-socket';
import { splice } from './splice';
import { SshLink } from './ssh-link';

export const GUEST_DOCKER_SOCK = '/var/run/docker.sock';

interface Spare {
  channel: Promise<ClientChannel>;
  /** Closed before anyone took it (dockerd restarted, SSH reconnected). */
  dead: boolean;
}

export class EngineSocket {
  private server?: net.Server;
  private readonly open = new Set<net.Socket>();
  /**
   * A few channels to the guest's socket, opened ahead of need. Opening a
   * channel costs a round trip to sshd in the VM (tens of ms under emulation),
   * and every docker CLI invocation opens new connections, so having the next
   * ones ready takes that cost off every command. dockerd waits on a fresh
   * connection for its first request without a timeout, so spares can idle.
   */
  private spares: Spare[] = [];
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly link: SshLink,
    private readonly log: (msg: string) => void,
    private readonly spareCount = 3,
  ) {
    link.on('up', () => this.prewarm());
  }

  private prewarm(): void {
    while (!this.closed && this.link.connected && this.spares.length < this.spareCount) {
      const spare: Spare = { channel: this.link.openSocket(GUEST_DOCKER_SOCK), dead: false };
      this.spares.push(spare);
      const drop = () => {
        spare.dead = true;
        this.spares = this.spares.filter((x) => x !== spare);
      };
      spare.channel.then((ch) => ch.on('close', drop), drop);
    }
  }

  /** A live spare channel when there is one, else a new one; spares are topped up behind it. */
  private async channel(): Promise<ClientChannel> {
    const spare = this.spares.shift();
    this.prewarm();
    const ch = spare && !spare.dead ? await spare.channel.catch(() => undefined) : undefined;
    if (ch && !spare!.dead) return ch;
    return this.link.openSocket(GUEST_DOCKER_SOCK);
  }

  async listen(): Promise<void> {
    // allowHalfOpen: `docker run` closes its write side after sending stdin and
    // still expects the container's output; closing both ways loses it.
    this.server = net.createServer({ allowHalfOpen: true }, (sock) => this.carry(sock));
    await listenPrivate(this.server, this.path);
    this.prewarm();
  }

  private carry(sock: net.Socket): void {
    this.open.add(sock);
    sock.on('close', () => this.open.delete(sock));
    splice(sock, this.channel(), (err) => this.log(`engine socket: could not reach the guest's Docker socket: ${err.message}`));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const sp of this.spares) sp.channel.then((ch) => ch.close(), () => undefined);
    this.spares = [];
    for (const s of this.open) s.destroy();
    await closeSocket(this.server, this.path);
  }
}

/** GET /_ping over any duplex stream; resolves true when the engine says OK. */
export function pingOver(stream: NodeJS.ReadWriteStream, timeoutMs = 5000): Promise<boolean> {
  return new Promise((resolve) => {
    let buf = '';
    const t = setTimeout(() => finish(false), timeoutMs);
    const finish = (ok: boolean) => {
      clearTimeout(t);
      stream.removeAllListeners('data');
      (stream as any).destroy?.() ?? (stream as any).close?.();
      resolve(ok);
    };
    stream.on('data', (d: Buffer) => {
      buf += d.toString();
      if (/\r\n\r\nOK/.test(buf)) finish(true);
    });
    stream.on('end', () => finish(/\r\n\r\nOK/.test(buf)));
    stream.on('error', () => finish(false));
    stream.write('GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n');
  });
}
