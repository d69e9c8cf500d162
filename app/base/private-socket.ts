// Listening on a unix socket (or a named pipe on Windows) that only the user
// can open: the socket is created with no group/other bits from the start
// (umask is process-wide, so it is restored at once) and chmod'ed again.
//
// On Windows a named pipe's name is machine-wide and anyone may create one, so
// a pipe that already exists is someone else's: Berth refuses to serve there
// and never connects to it instead. libuv creates a pipe's first instance with
// FILE_FLAG_FIRST_PIPE_INSTANCE, so a name another process holds fails the
// listen (Windows says access denied; libuv reports EADDRINUSE) rather than
// quietly joining the other program's pipe.
import * as fs from 'node:fs';
import type * as net from 'node:net';
import { UserError } from './errors';
import { PIPE_ID_FILE } from './paths';

/** What listenPrivate uses of a server: a net.Server, or a test's stand-in. */
export interface Listener {
  once(event: 'error', fn: (err: NodeJS.ErrnoException) => void): unknown;
  off(event: 'error', fn: (err: NodeJS.ErrnoException) => void): unknown;
  listen(path: string, onListening: () => void): unknown;
}

export async function listenPrivate(
  server: Listener,
  sockPath: string,
  platform: NodeJS.Platform = process.platform,
): Promise<void> {
  const win = platform === 'win32';
  if (!win) fs.rmSync(sockPath, { force: true }); // a stale socket from a process that died
  await new Promise<void>((resolve, reject) => {
    const old = win ? 0 : process.umask(0o077);
    const failed = (err: NodeJS.ErrnoException) => {
      if (!win) process.umask(old);
      reject(win && err.code === 'EADDRINUSE' ? pipeTaken(sockPath) : err);
    };
    server.once('error', failed);
    server.listen(sockPath, () => {
      server.off('error', failed);
      if (!win) {
        process.umask(old);
        fs.chmodSync(sockPath, 0o600);
      }
      resolve();
    });
  });
}

export function pipeTaken(pipe: string): UserError {
  return new UserError(
    `another program already holds the pipe ${pipe}, so Berth will not serve Docker or its agent there: ` +
      `close that program, or delete the file "${PIPE_ID_FILE}" in Berth's folder so that Berth picks new pipe names, ` +
      `then run "berth up" and "berth env" again`,
    { code: 'EPIPETAKEN' },
  );
}

export async function closeSocket(server: net.Server | undefined, sockPath: string): Promise<void> {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  if (process.platform !== 'win32') fs.rmSync(sockPath, { force: true });
}
