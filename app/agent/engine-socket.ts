// The Docker socket on the host: a unix socket (a named pipe on Windows) in the
// machine's folder whose requests are carried to the guest's
// /var/run/docker.sock over the one SSH connection. The user's own `docker`
// and `docker compose` talk to it unchanged.
//
// It speaks HTTP rather than copying bytes so that the channels into the VM
// outlive the client connections: a docker command opens a new connection for
// each invocation, and a channel open plus close in the guest's sshd costs two
// round trips under emulation, more than the request itself. Requests go out
// on kept-alive channels (ChannelAgent); a request that takes the connection
// over (attach, exec, BuildKit's session: HTTP Upgrade) gets a channel of its
// own that is spliced byte for byte and closed with it.
import * as http from 'node:http';
import type * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { closeSocket, listenPrivate } from '../base/private-socket';
import { ChannelAgent, OpenChannel } from './channel-agent';
import { splice } from './splice';

export const GUEST_DOCKER_SOCK = '/var/run/docker.sock';

/** Registry auth and build configs travel in headers; Node's default 16 KiB is too small for some. */
const MAX_HEADER_BYTES = 1024 * 1024;

/** Per-hop headers: each side of the agent has its own connection and framing. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

export class EngineSocket {
  private server?: http.Server;
  private readonly open = new Set<net.Socket>();
  private readonly agent: ChannelAgent;
  private readonly inFlight = new Set<InFlight>();
  private refusal?: string;

  constructor(
    private readonly path: string,
    private readonly openChannel: OpenChannel,
    private readonly log: (msg: string) => void,
  ) {
    this.agent = new ChannelAgent(openChannel);
  }

  async listen(): Promise<void> {
    this.server = http.createServer(
      // requestTimeout 0: `docker load` of a big image may take longer than Node's default 5 min to send.
      { maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: 0, keepAliveTimeout: 30000 },
      (req, res) => this.forward(req, res, false),
    );
    this.server.on('upgrade', (req: http.IncomingMessage, sock: net.Socket, head: Buffer) =>
      this.takeOver(req, sock, head),
    );
    this.server.on('connection', (sock: net.Socket) => {
      this.open.add(sock);
      sock.on('close', () => this.open.delete(sock));
    });
    await listenPrivate(this.server, this.path);
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, retry: boolean): void {
    if (this.refusal) return refuse(req, res, this.refusal);
    const bodiless = !req.headers['content-length'] && !req.headers['transfer-encoding'];
    let up: http.ClientRequest;
    try {
      up = http.request({
        agent: this.agent,
        method: req.method,
        path: req.url,
        headers: withoutHopByHop(req.rawHeaders),
        setHost: false,
        maxHeaderSize: MAX_HEADER_BYTES,
      });
    } catch (err) {
      // Node refuses a header value it would not send (it accepted it on the way in).
      return void reply(res, 400, `Berth could not pass this request to the engine: ${(err as Error).message}`);
    }
    const flight: InFlight = { req, res, up, refused: false };
    this.inFlight.add(flight);
    up.on('response', (ur) => {
      if (flight.refused) return void ur.destroy();
      res.writeHead(ur.statusCode ?? 502, ur.statusMessage, withoutHopByHop(ur.rawHeaders));
      // Streams (events, logs -f, stats) must show their headers before any data comes; a
      // response of known length goes out in one write with its body.
      if (ur.headers['content-length'] === undefined) res.flushHeaders();
      // A response cut off on the way (the SSH connection dropped under `docker logs -f` or a
      // container's wait) is cut off for the client too: pipe() would leave it waiting for good.
      ur.on('close', () => {
        if (!ur.complete) res.destroy();
      });
      ur.pipe(res);
    });
    up.on('error', (err) => {
      if (flight.refused) return;
      if (res.headersSent) return void res.destroy();
      if (this.refusal) return this.refuseFlight(flight, this.refusal);
      this.inFlight.delete(flight);
      // A kept channel can close just as it is picked (dockerd restarted, the SSH
      // link dropped): a request with no body is safe to send again, once.
      if (!retry && up.reusedSocket && bodiless) return this.forward(req, res, true);
      this.unreachable(err);
      reply(res, 502, `Berth could not reach the Docker engine in the VM (${err.message}): run "berth status"`);
    });
    // The client went away mid-response (Ctrl-C on `docker logs -f`): the
    // channel goes with it instead of back to the pool with a stream running.
    res.on('close', () => {
      this.inFlight.delete(flight);
      if (!res.writableFinished) up.destroy();
    });
    if (bodiless) up.end();
    else req.pipe(up);
  }

  /**
   * While set (the VM is paused: the host's disk is full), every request is answered at once
   * with this message, and so are those already waiting for the engine; streams under way end.
   * Requests go to the engine again once it is cleared.
   */
  refuse(message: string | undefined): void {
    this.refusal = message;
    if (message) for (const f of [...this.inFlight]) this.refuseFlight(f, message);
  }

  private refuseFlight(f: InFlight, message: string): void {
    this.inFlight.delete(f);
    f.refused = true;
    f.req.unpipe(f.up);
    f.up.destroy();
    if (f.res.headersSent) return void f.res.destroy();
    refuse(f.req, f.res, message);
  }

  /** An Upgrade request: the raw request goes down a channel of its own, then both ways byte for byte. */
  private takeOver(req: http.IncomingMessage, sock: net.Socket, head: Buffer): void {
    const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    const start = Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n'), head]);
    const channel = this.openChannel().then((ch: Duplex) => {
      ch.write(start);
      return ch;
    });
    splice(sock, channel, (err) => this.unreachable(err));
  }

  private unreachable(err: Error): void {
    this.log(`engine socket: could not reach the guest's Docker socket: ${err.message}`);
  }

  /** The SSH connection went: every channel went with it, idle ones too. */
  dropChannels(): void {
    this.agent.destroy();
  }

  async close(): Promise<void> {
    for (const s of this.open) s.destroy();
    this.agent.destroy();
    await closeSocket(this.server, this.path);
  }
}

interface InFlight {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  up: http.ClientRequest;
  /** Answered by refuse(): what the engine's side does from then on is ignored. */
  refused: boolean;
}

/** 507 Insufficient Storage with the message; the request's body is read and dropped so the client sees it. */
function refuse(req: http.IncomingMessage, res: http.ServerResponse, message: string): void {
  req.resume();
  reply(res, 507, message);
}

function withoutHopByHop(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (!HOP_BY_HOP.has(raw[i].toLowerCase())) out.push(raw[i], raw[i + 1]);
  return out;
}

/** Docker clients show an error response's `message` to the user. */
function reply(res: http.ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message }) + '\n');
}

/** GET /_ping over any duplex stream; resolves true when the engine says OK. */
export function pingOver(stream: NodeJS.ReadWriteStream, timeoutMs = 5000): Promise<boolean> {
  return new Promise((resolve) => {
    let buf = '';
    const t = setTimeout(() => finish(false), timeoutMs);
    const finish = (ok: boolean) => {
      clearTimeout(t);
      stream.removeAllListeners('data');
      // An ssh2 channel and a socket are destroyed; a stream with only close() is closed.
      const s = stream as Partial<Record<'destroy' | 'close', () => void>>;
      if (s.destroy) s.destroy();
      else s.close?.();
      resolve(ok);
    };
    stream.on('data', (d: Buffer) => {
      buf += d.toString();
      if (/\r\n\r\nOK/.test(buf)) finish(true);
    });
    stream.on('end', () => finish(/\r\n\r\nOK/.test(buf)));
    stream.on('error', () => finish(false));
    stream.write('GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n');
  });
}
