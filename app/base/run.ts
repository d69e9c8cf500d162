// Every external program Berth runs (qemu-img, qemu-system-* --version, docker context) goes
// through a Runner, so tests replay captured real output and check the exact argv instead of
// needing the program installed (docker-machine's habit).
import { execFile } from 'node:child_process';

export interface RunResult {
  stdout: string;
  stderr: string;
  /** Exit code; -1 when the program could not be run at all (e.g. ENOENT) or was killed. */
  code: number;
}

export interface RunOptions {
  /** Kill the program after this long; its result then has code -1. */
  timeoutMs?: number;
}

export type Runner = (file: string, args: string[], options?: RunOptions) => Promise<RunResult>;

/** The real runner: execFile, never a shell, so paths with spaces need no quoting. */
export const execFileRunner: Runner = (file, args, options = {}) =>
  new Promise((resolve) => {
    const opts = { windowsHide: true, maxBuffer: 16 * 1024 * 1024, timeout: options.timeoutMs ?? 0 };
    execFile(file, args, opts, (err, stdout, stderr) => {
      let code = 0;
      if (err) {
        const c: unknown = (err as NodeJS.ErrnoException).code;
        code = typeof c === 'number' ? c : -1;
        if (code === -1 && !stderr) stderr = err.message;
      }
      resolve({ stdout: String(stdout), stderr: String(stderr), code });
    });
  });

/** True when the result says the program itself is missing (not installed, not on PATH). */
export function notFound(r: RunResult): boolean {
  return r.code === -1 && /\bENOENT\b/.test(r.stderr);
}
