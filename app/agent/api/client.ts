// Talks to a machine's host agent over its control socket, starting the agent
// first when asked to. Used by the CLI, the desktop app and the browser mode.
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { AGENT_MARKER, agentPidIfAlive } from './lock';
import type { AgentEvent, AgentMethod, AgentReply } from './protocol';
import { onJsonLines } from '../../base/ndjson';
import { UserError } from '../../base/errors';
import type { AgentStatus } from '../../base/machine-types';
import type { MachinePaths } from '../../base/paths';
import { sleep } from '../../base/time';

export class AgentClient extends EventEmitter {
  private nextId = 1;
  private pending = new Map<number, { resolve: (s: AgentStatus) => void; reject: (e: Error) => void }>();

  private constructor(private readonly sock: net.Socket) {
    super();
    onJsonLines(sock, (m) => {
      const msg = m as AgentReply | AgentEvent; // the agent's own answers
      if ('event' in msg) return void this.emit(msg.event, msg.data);
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new UserError(msg.error.message, { code: msg.error.code, details: msg.error.details }));
    });
    sock.on('close', () => {
      for (const p of this.pending.values()) p.reject(new UserError('the host agent went away: see "berth logs"'));
      this.pending.clear();
      this.emit('close');
    });
    sock.on('error', () => undefined);
  }

  /** Connects to a live agent; resolves undefined when there is none answering. */
  static connect(p: MachinePaths, timeoutMs = 2000): Promise<AgentClient | undefined> {
    return new Promise((resolve) => {
      const sock = net.connect(p.agentSock);
      const t = setTimeout(() => (sock.destroy(), resolve(undefined)), timeoutMs);
      sock.once('connect', () => (clearTimeout(t), resolve(new AgentClient(sock))));
      sock.once('error', () => (clearTimeout(t), resolve(undefined)));
    });
  }

  /** Connects to the machine's agent, starting one (detached) if none runs. */
  static async connectOrSpawn(p: MachinePaths, name: string, launcher: AgentLauncher = {}): Promise<AgentClient> {
    const deadline = Date.now() + 15000;
    let lastSpawn = 0;
    while (Date.now() < deadline) {
      const c = await AgentClient.connect(p);
      if (c) return c;
      // No answer: start one, unless an agent still lives (starting, or leaving:
      // then a later round starts a new one once it is gone). A new agent needs
      // a moment to write its pid file, hence at most one spawn a second.
      if (Date.now() - lastSpawn > 1000 && spawnAgent(p, name, launcher)) lastSpawn = Date.now();
      await sleep(100);
    }
    throw new UserError(`the host agent for "${name}" did not start: see ${p.agentLog}`);
  }

  call(method: AgentMethod): Promise<AgentStatus> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.sock.write(JSON.stringify({ id, method }) + '\n');
    });
  }

  close(): void {
    this.sock.end();
  }
}

/**
 * How a new host agent process is started: by default with this process's own Node. The desktop
 * app passes its own (Electron is then told to behave as plain Node): nothing here knows Electron.
 */
export interface AgentLauncher {
  execPath?: string;
  env?: Record<string, string>;
}

export function agentEntry(): string {
  return path.join(__dirname, '..', 'main.js');
}

/** Starts the agent as its own detached process so it outlives the caller. */
export function spawnAgent(p: MachinePaths, name: string, launcher: AgentLauncher = {}): boolean {
  if (agentPidIfAlive(p.agentPid, p.dir)) return false;
  const out = fs.openSync(p.agentLog, 'a', 0o600);
  const child = spawn(launcher.execPath ?? process.execPath, [agentEntry(), AGENT_MARKER, p.dir, name], {
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, ...launcher.env },
    windowsHide: true,
  });
  child.unref();
  fs.closeSync(out);
  return true;
}
