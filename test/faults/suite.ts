// What every fault works with: one real machine in a private BERTH_HOME, the docker CLI on its
// socket, the `berth` CLI, and the processes the faults kill (QEMU, the host agent).
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readPid, pidAlive } from '../../app/base/proc';
import { BERTH } from '../helpers/cli';
import { machineLogs } from '../helpers/machine-logs';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** The bound passed and the process was killed. */
  timedOut: boolean;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
}

/** Runs a program to its end (or kills it at the bound); never throws. */
export function runProgram(program: string, args: string[], o: RunOptions = {}): Promise<Run> {
  return new Promise((resolve) => {
    const c = execFile(
      program,
      args,
      { env: o.env, timeout: o.timeoutMs ?? 180_000, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        const e = err as (Error & { code?: number | string; killed?: boolean }) | null;
        const code = e ? (typeof e.code === 'number' ? e.code : -1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr), timedOut: e?.killed === true });
      },
    );
    if (o.input !== undefined) c.stdin?.end(o.input);
    else c.stdin?.end();
  });
}

export class Suite {
  readonly dir: string;
  readonly sock: string;
  readonly dockerEnv: NodeJS.ProcessEnv;
  readonly berthEnv: NodeJS.ProcessEnv;

  constructor(
    readonly home: string,
    readonly work: string,
    readonly say: (msg: string) => void,
    /** The home is a small filesystem of its own that a fault may fill. */
    readonly smallFs: boolean,
  ) {
    this.dir = path.join(home, 'machines', 'default');
    this.sock = path.join(this.dir, 'docker.sock');
    // berth up registers a docker context: it goes to a throwaway docker config, not the user's.
    const base: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: path.join(work, 'docker-config') };
    delete base.DOCKER_CONTEXT;
    this.dockerEnv = { ...base, DOCKER_HOST: `unix://${this.sock}` };
    this.berthEnv = { ...base, BERTH_HOME: home };
  }

  docker(args: string[], o: Omit<RunOptions, 'env'> = {}): Promise<Run> {
    return runProgram('docker', args, { ...o, env: this.dockerEnv });
  }

  /** A docker command that must work: its stdout, or an Error saying what it printed. */
  async dockerOk(args: string[], o: Omit<RunOptions, 'env'> = {}): Promise<string> {
    const r = await this.docker(args, o);
    if (r.code !== 0) throw new Error(`docker ${args.join(' ')}: exit ${r.code}: ${firstLines(r.stderr)}`);
    return r.stdout;
  }

  /** `docker` spawned with the suite's socket, for faults that act while it runs. */
  spawnDocker(args: string[]) {
    return spawn('docker', args, { env: this.dockerEnv, stdio: ['pipe', 'pipe', 'pipe'] });
  }

  berth(args: string[], o: RunOptions = {}): Promise<Run> {
    return runProgram(process.execPath, [BERTH, ...args], {
      ...o,
      env: { ...this.berthEnv, ...o.env },
      timeoutMs: o.timeoutMs ?? 600_000,
    });
  }

  /** berth up, which must succeed. */
  async up(env?: NodeJS.ProcessEnv): Promise<Run> {
    const r = await this.berth(['up'], { env });
    if (r.code !== 0) throw new Error(`berth up failed (exit ${r.code}): ${firstLines(r.stderr)}`);
    return r;
  }

  async status(): Promise<{ state: string; reason?: string; agent?: { agentPid?: number; vmPid?: number } }> {
    const r = await this.berth(['status', '--json'], { timeoutMs: 60_000 });
    try {
      return JSON.parse(r.stdout) as { state: string };
    } catch {
      return { state: `unreadable (${firstLines(r.stderr)})` };
    }
  }

  qemuPid(): number | undefined {
    const pid = readPid(path.join(this.dir, 'qemu.pid'));
    return pid && pidAlive(pid) ? pid : undefined;
  }

  agentPid(): number | undefined {
    const pid = readPid(path.join(this.dir, 'agent.pid'));
    return pid && pidAlive(pid) ? pid : undefined;
  }

  agentLog(): string {
    try {
      return fs.readFileSync(path.join(this.dir, 'agent.log'), 'utf8');
    } catch {
      return '';
    }
  }

  logs(lines = 15): string {
    return machineLogs(this.dir, lines);
  }

  /** The engine answers a plain command through the socket. */
  async engineAnswers(): Promise<boolean> {
    return (await this.docker(['version', '--format', '{{.Server.Version}}'], { timeoutMs: 60_000 })).code === 0;
  }
}

export function firstLines(text: string, n = 3): string {
  return text.trim().split('\n').slice(0, n).join(' | ');
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until fn gives a truthy value; undefined when the bound passed first. */
export async function waitFor<T>(fn: () => Promise<T> | T, timeoutMs: number, everyMs = 250): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) return undefined;
    await sleep(everyMs);
  }
}
