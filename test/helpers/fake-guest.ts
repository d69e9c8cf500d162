// Stands for what the host agent reaches in the guest: an engine that answers as dockerd does
// (/_ping, the container list, the event stream) on a unix socket, and a GuestLink to it that
// needs no sshd. Commands the agent runs in the guest are recorded and answered with an exit code.
import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type { GuestLink } from '../../app/agent/guest-link';

export interface FakeEngine {
  sock: string;
  close(): Promise<void>;
}

/** dockerd in the guest, as far as the agent asks it: healthy, and no containers. */
export async function fakeEngine(sock: string): Promise<FakeEngine> {
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    if (url.endsWith('/_ping')) return void res.end('OK');
    if (url.includes('/containers/json'))
      return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('[]');
    if (url.includes('/events')) return void res.writeHead(200, { 'Content-Type': 'application/json' }).flushHeaders();
    res.writeHead(404).end('{"message":"not in the fake engine"}');
  });
  await new Promise<void>((r) => server.listen(sock, r));
  return {
    sock,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

export class FakeGuestLink extends EventEmitter implements GuestLink {
  /** Every command run in the guest, in order. */
  readonly commands: string[] = [];
  /** Exit codes by the start of a command (e.g. '/etc/berth/suspend' → 1); 0 otherwise. */
  readonly exitCodes = new Map<string, number>();
  closed = false;
  failedWith?: Error;

  /**
   * engineSock: where the guest's /var/run/docker.sock leads; undefined for an engine that never
   * comes up. journal: a list shared with the fake driver, to see what happened in which order.
   */
  constructor(
    private readonly engineSock: string | undefined,
    private readonly journal: string[] = [],
  ) {
    super();
  }

  async connect(): Promise<void> {
    this.journal.push('link connected');
    this.emit('up');
  }

  async openSocket(): Promise<Duplex> {
    if (this.closed) throw new Error('SSH link is closed');
    if (!this.engineSock) throw new Error('No such file or directory');
    return net.connect(this.engineSock);
  }

  async openTcp(host: string, port: number): Promise<Duplex> {
    throw new Error(`the fake guest has nothing listening on ${host}:${port}`);
  }

  async exec(command: string): Promise<{ code: number; stdout: string; stderr: string }> {
    this.commands.push(command);
    this.journal.push(`exec ${command}`);
    const code = [...this.exitCodes].find(([start]) => command.includes(start))?.[1] ?? 0;
    return { code, stdout: '', stderr: code ? `${command}: failed` : '' };
  }

  fail(err: Error): void {
    this.failedWith = err;
    this.close();
  }

  close(): void {
    if (!this.closed) this.journal.push('link closed');
    this.closed = true;
  }
}
