// Running host tools (apt-get, dpkg-deb, mksquashfs) with their output captured, failing loudly.
import { spawn } from 'node:child_process';
import { BuildError } from './log';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a command; never throws on a non-zero exit (the caller decides what that means). */
export function runCapture(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => reject(new BuildError(`cannot run ${cmd}: ${e.message}`)));
    child.on('close', (code) =>
      resolve({
        code: code ?? -1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
}

/** Run a command and throw a BuildError with its stderr if it fails. */
export async function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  const r = await runCapture(cmd, args, opts);
  if (r.code !== 0) {
    const detail = (r.stderr || r.stdout).trim().split('\n').slice(-5).join(' | ');
    throw new BuildError(`${cmd} ${args.join(' ')} failed (exit ${r.code}): ${detail}`);
  }
  return r.stdout;
}
