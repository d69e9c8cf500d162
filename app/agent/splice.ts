// Carries one host connection to a stream into the VM (an SSH channel), both
// ways, until either side goes. Used by the Docker socket and by published ports.
import type * as net from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * `sock` is paused until the far side is open, so nothing it sends is lost.
 * Half-close is kept each way (pipe() ends the destination when its source
 * ends): `docker run -i` closes stdin and still reads the output. An SSH
 * channel's destroy() sends EOF and CLOSE, a socket's closes it.
 */
export function splice(sock: net.Socket, open: Promise<Duplex>, onFail: (err: Error) => void): void {
  sock.on('error', () => sock.destroy());
  sock.pause();
  open.then(
    (far) => {
      if (sock.destroyed) return void far.destroy();
      far.on('error', () => sock.destroy());
      far.on('close', () => sock.destroy());
      sock.on('close', () => far.destroy());
      sock.pipe(far);
      far.pipe(sock);
      sock.resume();
    },
    (err: Error) => {
      onFail(err);
      sock.destroy();
    },
  );
}
