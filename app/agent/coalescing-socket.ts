// A TCP connection whose writes made in one turn of the event loop leave in one system call.
// ssh2 writes each SSH packet in three pieces (length, ciphertext, MAC). Written one by one,
// QEMU's user networking can pass them to the guest as separate segments, and the guest's sshd
// wakes for each: measured over 300 requests here, the guest took ~1.6 network interrupts per
// Docker request instead of ~1.0, and QEMU used 7-13 % more CPU per request.
import * as net from 'node:net';

export function coalescingConnect(port: number, host: string): net.Socket {
  const sock = net.connect({ port, host });
  // Every Docker request is a few small writes: with Nagle on, one would wait for the guest's
  // delayed ACK (~40 ms) before it leaves.
  sock.setNoDelay(true);
  const write = sock.write.bind(sock);
  let corked = false;
  sock.write = function (this: net.Socket, ...args: Parameters<net.Socket['write']>): boolean {
    if (!corked) {
      corked = true;
      sock.cork();
      process.nextTick(() => {
        corked = false;
        sock.uncork();
      });
    }
    return write(...args);
  } as net.Socket['write'];
  return sock;
}
