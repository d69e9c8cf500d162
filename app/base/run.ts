// Every external program the QEMU driver runs (qemu-img, qemu-system-* --version)
// goes through a Runner, so tests replay captured real output and check the exact
// argv instead of needing QEMU installed (docker-machine's habit).
import { execFile } from 'node:child_process';

export interface RunResult {
  stdout: string;
  stderr: string;
  /** Exit code; -1 when the program could not be run at all (e.g. ENOENT). */
  code: number;
}

export type Runner = (file: string, args: string[]) => Promise<RunResult>;

/** The real runner: execFile, never a shell, so paths with spaces need no quoting. */
export const execFileRunner: Runner = (file, args) =>
  new Promise((resolve) => {
    execFile(file, args, { windowsHide: true, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      let code = 0;
      if (err) {
        const c = (err as NodeJS.ErrnoException & { code?: unknown }).code;
        code = typeof c === 'number' ? c : -1;
        if (code === -1 && !stderr) stderr = err.message;
      }
      resolve({ stdout: String(stdout), stderr: String(stderr), code });
    });
  });
