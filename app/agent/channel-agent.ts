// An http.Agent whose connections are SSH channels to the guest's Docker
// socket. Node's agent keeps a finished channel for the next request
// (keep-alive), so a docker command pays no channel open or close in the
// guest's sshd: under emulation each of those is a full round trip, more than
// the request itself costs.
import * as http from 'node:http';
import type { Duplex } from 'node:stream';

export type OpenChannel = () => Promise<Duplex>;

/** Channels kept open between requests; a burst beyond this opens more and closes the extra after. */
const MAX_IDLE_CHANNELS = 8;

export class ChannelAgent extends http.Agent {
  constructor(private readonly openChannel: OpenChannel) {
    // lifo: the most recently used channel is the one most surely still open.
    super({ keepAlive: true, maxFreeSockets: MAX_IDLE_CHANNELS, scheduling: 'lifo' });
  }

  /** Node's agent waits for the callback when this returns nothing. */
  override createConnection(_opts: unknown, done?: (err: Error | null, stream: Duplex) => void): Duplex {
    this.openChannel().then(
      (ch) => done?.(null, asSocket(ch)),
      (err: Error) => done?.(err, undefined as unknown as Duplex),
    );
    return undefined as unknown as Duplex;
  }

  // An idle channel is kept flowing so that its end (dockerd restarted, the
  // SSH connection died) is seen at once and it leaves the pool, instead of
  // being handed a request that nobody will answer. The base version's socket
  // calls (keep-alive, unref, timeout) are no-ops on a channel (asSocket).
  override keepSocketAlive(socket: Duplex): boolean {
    socket.resume();
    // @types/node says void; Node returns whether the server's keep-alive hint allows keeping it.
    return (super.keepSocketAlive(socket) as unknown as boolean) !== false;
  }
}

/**
 * The http client and agent call a few socket-only methods; on a channel they
 * have nothing to do (the SSH connection has its own keep-alive and timeouts).
 */
function asSocket(ch: Duplex): Duplex {
  // dockerd never half-closes an HTTP connection: its end is the channel's end
  // (and ssh2 marks a channel of a dead connection only by ending it).
  ch.once('end', () => setImmediate(() => ch.destroy()));
  const s = ch as unknown as Record<string, unknown>;
  for (const m of ['setTimeout', 'setNoDelay', 'setKeepAlive', 'ref', 'unref']) {
    if (typeof s[m] !== 'function') s[m] = () => ch;
  }
  return ch;
}
