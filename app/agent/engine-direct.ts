// The Docker socket's direct path: a TCP connection to the guest's engine proxy through QEMU's
// port forward on the host's loopback, instead of an SSH channel. Nothing is encrypted (the bytes
// never leave this computer), which under emulation is most of what a big `docker load` costs
// over SSH. The forward is open to any local user, so the guest's proxy (guest/engine-proxy)
// lets in only a connection that begins with the machine's secret (base/engine-secret), and
// answers one byte, ACK, once it has reached the engine's socket.
import * as net from 'node:net';

/** The byte the guest's proxy sends once the secret matched and the engine's socket answered. */
export const ENGINE_PROXY_ACK = 0x06;

export interface DirectPath {
  port: number;
  /** The machine's secret, 64 hex digits. */
  secret: string;
}

/**
 * A connection to the engine through the direct path, resolved once the proxy said ACK. QEMU
 * accepts the host side before anything in the guest has answered, so only the ACK says the path
 * works; a proxy that is not there (an older image) closes the connection instead.
 */
export function openDirect(path: DirectPath, timeoutMs = 5000): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    // Half-open both ways, as an SSH channel: `docker run -i` ends its input and still reads.
    const sock = net.connect({ port: path.port, host: '127.0.0.1', allowHalfOpen: true });
    // Docker requests are small writes each waiting for its answer: no Nagle delay.
    sock.setNoDelay(true);
    const fail = (why: string) => {
      cleanup();
      sock.destroy();
      reject(new Error(why));
    };
    const timer = setTimeout(() => fail(`no answer from the engine proxy within ${timeoutMs / 1000} s`), timeoutMs);
    // Read in paused mode ('readable'), never flowing: the caller (an http client, a pipe) then
    // starts the flow itself with its own 'data' listener, and nothing can arrive unheard between.
    const onReadable = () => {
      const ack = sock.read(1) as Buffer | null;
      if (ack === null) return;
      if (ack[0] !== ENGINE_PROXY_ACK) return fail('the engine proxy answered something else than ACK');
      cleanup();
      resolve(sock);
    };
    const onEnd = () => fail('the engine proxy closed the connection (not running, or it refused the secret)');
    const onError = (err: Error) => fail(`the engine proxy could not be reached: ${err.message}`);
    const cleanup = () => {
      clearTimeout(timer);
      sock.off('readable', onReadable);
      sock.off('end', onEnd);
      sock.off('error', onError);
    };
    sock.on('readable', onReadable);
    sock.on('end', onEnd);
    sock.on('error', onError);
    sock.write(Buffer.from(path.secret, 'hex'));
  });
}
