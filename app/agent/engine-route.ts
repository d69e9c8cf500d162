// Which way a connection to the guest's Docker socket goes: the direct path (engine-direct.ts)
// when the machine has one and it answers, else an SSH channel, as before it existed. SSH stays
// the fallback: a VM booted from an older image has no engine proxy, and one whose proxy died
// still has sshd. The switch is logged once each way, not per connection.
import type { Duplex } from 'node:stream';
import { oneLine } from '../base/errors';
import type { OpenChannel } from './channel-agent';

/** After the direct path failed, SSH alone for this long before the direct path is tried again. */
export const DIRECT_RETRY_MS = 30_000;

export class EngineRoute {
  private failedAt?: number;

  constructor(
    private readonly direct: OpenChannel | undefined,
    private readonly ssh: OpenChannel,
    private readonly log: (msg: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether the next connection tries the direct path first. */
  get usingDirect(): boolean {
    return this.direct !== undefined && (this.failedAt === undefined || this.now() - this.failedAt >= DIRECT_RETRY_MS);
  }

  readonly open: OpenChannel = async (): Promise<Duplex> => {
    if (!this.direct || !this.usingDirect) return this.ssh();
    try {
      const s = await this.direct();
      if (this.failedAt !== undefined) this.log('engine socket: the direct path to the engine works again');
      this.failedAt = undefined;
      return s;
    } catch (e) {
      if (this.failedAt === undefined) this.log(`engine socket: direct path failed (${oneLine(e)}); going through SSH`);
      this.failedAt = this.now();
      return this.ssh();
    }
  };
}
