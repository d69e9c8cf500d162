// Serves the agent's control protocol on the agent socket. Any number of
// clients (the CLI, the desktop app, the browser mode) may attach; each sees
// the same status and, once subscribed, the same stream of events.
import * as fs from 'node:fs';
import * as net from 'node:net';
import { listenPrivate } from '../base/private-socket';
import { isUserError, oneLine } from '../base/errors';
import type { MachineAgent } from './machine-agent';
import type { AgentStatus, Step } from '../base/machine-types';
import { onJsonLines } from '../base/ndjson';
import { AGENT_METHODS, AgentEvent, AgentReply, AgentRequest } from './api/protocol';

export class ControlServer {
  private server?: net.Server;
  private readonly subscribers = new Set<net.Socket>();
  readonly clients = new Set<net.Socket>();

  constructor(
    private readonly sockPath: string,
    private readonly agent: MachineAgent,
    private readonly log: (m: string) => void,
  ) {
    agent.on('status', (data: AgentStatus) => this.broadcast({ event: 'status', data }));
    agent.on('step', (data: Step) => this.broadcast({ event: 'step', data }));
    agent.on('note', (data: string) => this.broadcast({ event: 'note', data }));
  }

  private broadcast(ev: AgentEvent): void {
    const line = JSON.stringify(ev) + '\n';
    for (const s of this.subscribers) s.write(line);
  }

  async listen(): Promise<void> {
    this.server = net.createServer((sock) => this.accept(sock));
    await listenPrivate(this.server, this.sockPath);
  }

  private accept(sock: net.Socket): void {
    this.clients.add(sock);
    sock.on('close', () => {
      this.clients.delete(sock);
      this.subscribers.delete(sock);
    });
    sock.on('error', () => sock.destroy());
    const reply = (r: AgentReply) => sock.writable && sock.write(JSON.stringify(r) + '\n');
    onJsonLines(
      sock,
      (m) => {
        const msg = m as AgentRequest | null; // checked on the next line
        if (typeof msg?.id !== 'number' || !AGENT_METHODS.has(msg.method)) {
          return reply({
            id: msg?.id ?? -1,
            ok: false,
            error: { message: `unknown request ${JSON.stringify(msg?.method)}` },
          });
        }
        this.handle(msg).then(
          (result) => reply({ id: msg.id, ok: true, result }),
          (e) =>
            reply({
              id: msg.id,
              ok: false,
              error: {
                message: oneLine(e),
                code: e instanceof Error ? (e as NodeJS.ErrnoException).code : undefined,
                details: isUserError(e) ? e.details : this.agent.status.error?.details,
              },
            }),
        );
        if (msg.method === 'subscribe') this.subscribers.add(sock);
      },
      () => reply({ id: -1, ok: false, error: { message: 'request is not valid JSON' } }),
    );
  }

  private async handle(req: AgentRequest) {
    switch (req.method) {
      case 'status':
      case 'subscribe':
        return this.agent.status;
      case 'up':
        this.log('request: up');
        // An agent on its way out refuses (EAGENTEXIT): it is retired before it stops accepting.
        return this.agent.up();
      case 'down':
        this.log('request: down');
        return this.agent.down();
      case 'poweroff':
        this.log('request: poweroff');
        return this.agent.down(false);
    }
  }

  /** Takes no new clients (a new agent may take over at once); those attached still get the last events. */
  stopAccepting(): Promise<void> {
    // Not closeSocket(): it waits for every client to leave, and a dashboard that follows the
    // status stays attached until close(): the leaving agent lived on, unanswering, and the
    // machine showed as broken for as long as a window was open.
    this.server?.close();
    if (process.platform !== 'win32') fs.rmSync(this.sockPath, { force: true });
    return Promise.resolve();
  }

  close(): void {
    for (const s of this.clients) s.end();
  }
}
