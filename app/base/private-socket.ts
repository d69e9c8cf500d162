// Listening on a unix socket (or a named pipe on Windows) that only the user
// can open: the socket is created with no group/other bits from the start
// (umask is process-wide, so it is restored at once) and chmod'ed again.
import * as fs from 'node:fs';
import type * as net from 'node:net';

export async function listenPrivate(server: net.Server, sockPath: string): Promise<void> {
  const win = process.platform === 'win32';
  if (!win) fs.rmSync(sockPath, { force: true }); // a stale socket from a process that died
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const old = win ? 0 : process.umask(0o077);
    server.listen(sockPath, () => {
      if (!win) {
        process.umask(old);
        fs.chmodSync(sockPath, 0o600);
      }
      resolve();
    });
  });
}

export async function closeSocket(server: net.Server | undefined, sockPath: string): Promise<void> {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  if (process.platform !== 'win32') fs.rmSync(sockPath, { force: true });
}
