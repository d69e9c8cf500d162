// Keeps the guest's clock on the host's time. The guest's clock is driven by the hypervisor's
// timer, which stands still while the host sleeps (a laptop's lid closed): after an hour asleep
// the guest is an hour behind, and pulls fail TLS checks, tokens expire early and build caches
// go wrong (the bug Lima, Colima and Docker for Mac users have reported for years). The host
// notices its own sleep cheaply: its wall clock moves on across a sleep, its monotonic clock
// does not. Then, and every few minutes in case nothing was noticed, the agent asks the guest how
// far off it is and sets it (/etc/berth/clock).

import { firstLine } from '../base/errors';

export interface ClockReadings {
  /** Wall-clock milliseconds since the epoch (Date.now). */
  wall: number;
  /** Monotonic milliseconds (stands still while the host sleeps on Linux and macOS). */
  mono: number;
}

/**
 * Milliseconds the wall clock moved beyond (or short of) the monotonic clock between two
 * readings: about 0 normally, the sleep's length after the host slept, the step when the host's
 * clock was set.
 */
export function clockJump(before: ClockReadings, after: ClockReadings): number {
  return after.wall - before.wall - (after.mono - before.mono);
}

export type GuestExec = (command: string) => Promise<{ code: number; stdout: string; stderr: string }>;

export interface GuestClockOptions {
  exec: GuestExec;
  log: (msg: string) => void;
  /** How often the host's clocks are compared. */
  tickMs?: number;
  /** A jump larger than this is a sleep (or a clock change): the guest is checked at once. */
  jumpMs?: number;
  /** The guest is checked this often even when no jump was seen. */
  checkEveryMs?: number;
  readings?: () => ClockReadings;
}

const TICK_MS = 5_000;
const JUMP_MS = 2_000;
const CHECK_EVERY_MS = 10 * 60_000;

export function hostReadings(): ClockReadings {
  return { wall: Date.now(), mono: Number(process.hrtime.bigint() / 1_000_000n) };
}

export class GuestClock {
  private timer?: NodeJS.Timeout;
  private last: ClockReadings;
  private lastCheck: number;
  private running?: Promise<number | undefined>;
  private readonly readings: () => ClockReadings;

  constructor(private readonly o: GuestClockOptions) {
    this.readings = o.readings ?? hostReadings;
    this.last = this.readings();
    this.lastCheck = this.last.mono;
  }

  start(): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.tick(), this.o.tickMs ?? TICK_MS);
    // Never what keeps the agent alive.
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One comparison of the host's clocks; checks the guest when they jumped or a check is due. */
  tick(): Promise<number | undefined> | undefined {
    const now = this.readings();
    const jump = clockJump(this.last, now);
    this.last = now;
    if (Math.abs(jump) > (this.o.jumpMs ?? JUMP_MS)) {
      return this.check(
        `the host's clock jumped ${Math.round(jump / 1000)} s (the computer slept, or its clock was set)`,
      );
    }
    if (now.mono - this.lastCheck >= (this.o.checkEveryMs ?? CHECK_EVERY_MS)) return this.check('periodic check');
    return undefined;
  }

  /**
   * Asks the guest how far its clock is from the host's and has it set when off; resolves to the
   * seconds it was off (guest minus host), or undefined when the guest could not be asked. A check
   * already under way is joined.
   */
  check(why: string): Promise<number | undefined> {
    if (!this.running) this.running = this.run(why).finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(why: string): Promise<number | undefined> {
    const now = this.readings();
    this.lastCheck = now.mono;
    try {
      const r = await this.o.exec(`/etc/berth/clock ${Math.round(now.wall / 1000)}`);
      const out = r.stdout.trim();
      const drift = Number(out);
      if (r.code !== 0 || out === '' || !Number.isInteger(drift)) {
        throw new Error(firstLine(r.stderr || r.stdout) || `exit code ${r.code}`);
      }
      if (Math.abs(drift) > 1)
        this.o.log(
          `guest clock was ${Math.abs(drift)} s ${drift < 0 ? 'behind' : 'ahead of'} the host's, now set (${why})`,
        );
      return drift;
    } catch (e) {
      this.o.log(`guest clock: could not check it (${why}): ${(e as Error).message}`);
      return undefined;
    }
  }
}
