// Bounded waits the host agent uses while the guest comes up, and the guest's scripts it runs.
import * as http from 'node:http';
import { firstLine, UserError } from '../base/errors';
import { readIfExists } from '../base/files';
import { sleep } from '../base/time';
import { GUEST_DOCKER_SOCK, pingOver } from './engine-socket';
import type { GuestLink } from './guest-link';

/** `p`, or a UserError saying `what` did not happen within ms (the console says why). */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(
      () => reject(new UserError(`${what} within ${Math.round(ms / 1000)} s: see the VM console in "berth logs"`)),
      ms,
    );
    // p's own outcome, whatever it rejects with, passes through untouched.
    p.finally(() => clearTimeout(t)).then(resolve, reject);
  });
}

/** GET /_ping through the host socket, exactly as a docker client would. */
export function httpPing(socketPath: string, timeoutMs = 5000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: '/_ping', timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(res.statusCode === 200 && body === 'OK'));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/**
 * Waits for a line the guest prints on its serial console (see vm-images/README.md); false if it
 * did not show within timeoutMs.
 */
export async function consoleLine(consoleLog: string, marker: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((readIfExists(consoleLog) ?? '').includes(marker)) return true;
    await sleep(100);
  }
  return false;
}

/** Waits until the engine in the guest answers /_ping over the link. */
export async function engineAnswers(link: GuestLink, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await pingOver(await link.openSocket(GUEST_DOCKER_SOCK), 3000)) return;
    } catch {
      // Socket not there yet: dockerd is still starting.
    }
    if (Date.now() > deadline)
      throw new UserError('the Docker engine in the VM did not start: see the VM console in "berth logs"');
    await sleep(250);
  }
}

/** Runs one of the guest's own scripts; throws its first line of output (or exit code) when it fails. */
export async function guestScript(link: GuestLink, command: string, timeoutMs: number, what: string): Promise<void> {
  const r = await withTimeout(link.exec(command), timeoutMs, what);
  if (r.code !== 0) throw new Error(firstLine(r.stdout + r.stderr) || `exit code ${r.code}`);
}
