// The Docker socket on the host: a unix socket (a named pipe on Windows) in the
// machine's folder whose every connection is carried to the guest's
// /var/run/docker.sock over the one SSH connection. The user's own `docker`
// and `docker compose` talk to it unchanged.
import * as net from 'node:net';
import { closeSocket, listenPrivate } from '../core/private-socket';
import { SshLink } from './ssh-link';

export const GUEST_DOCKER_SOCK = '/var/run/docker.sock';

export class EngineSocket {
  private server?: net.Server;
  private readonly open = new Set<net.Socket>();

  constructor(
    private readonly path: string,
    private readonly link: SshLink,
    private readonly log: (msg: string) => void,
  ) {}

  async listen(): Promise<void> {
    // allowHalfOpen: `docker run` closes its write side after sending stdin and
    // still expects the container's output; closing both ways loses it.
    this.server = net.createServer({ allowHalfOpen: true }, (sock) => this.carry(sock));
    await listenPrivate(this.server, this.path);
  }

  private carry(sock: net.Socket): void {
    this.open.add(sock);
    sock.on('close', () => this.open.delete(sock));
    sock.on('error', () => sock.destroy());
    sock.pause();
    this.link.openSocket(GUEST_DOCKER_SOCK).then(
      (ch) => {
        if (sock.destroyed) return void ch.close();
        ch.on('error', () => sock.destroy());
        ch.on('close', () => sock.destroy());
        sock.on('close', () => ch.close());
        // pipe() ends the destination when the source ends: that is exactly the
        // half-close each way.
        sock.pipe(ch);
        ch.pipe(sock);
        sock.resume();
      },
      (err: Error) => {
        this.log(`engine socket: could not reach the guest's Docker socket: ${err.message}`);
        sock.destroy();
      },
    );
  }

  async close(): Promise<void> {
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
