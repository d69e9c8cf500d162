// Runs VBoxManage through the project's runner and turns its failures into one-line errors.
// VBoxManage sometimes exits 0 after printing "error:" (docker-machine found that with VT-x
// missing), so a result counts as failed when either says so.
import type { RunResult, Runner } from '../../base/run';
import { vboxError } from './errors';

export class VBoxManage {
  constructor(
    private readonly run: Runner,
    /** The program, found on first use (validate() finds it first and says how to install it). */
    private readonly program: () => string,
    private readonly log: (message: string) => void,
  ) {}

  /**
   * Runs VBoxManage and gives its result as it is, failed or not. Most commands take moments; a
   * save or a restore writes or reads the VM's whole memory, so those are given longer.
   */
  async result(args: string[], timeoutMs = 120_000): Promise<RunResult> {
    const r = await this.run(this.program(), args, { timeoutMs });
    if (failed(r)) this.log(`VBoxManage ${args.join(' ')}: exit ${r.code}: ${r.stderr.trim()}`);
    return r;
  }

  /** Runs VBoxManage; its stdout, or a UserError saying what could not be done to the VM `vm`. */
  async ok(what: string, vm: string, args: string[], timeoutMs?: number): Promise<string> {
    const r = await this.result(args, timeoutMs);
    if (failed(r)) throw vboxError(what, vm, r.stderr || r.stdout, r.code);
    return r.stdout;
  }
}

export function failed(r: RunResult): boolean {
  return r.code !== 0 || /\berror:/.test(r.stderr);
}
