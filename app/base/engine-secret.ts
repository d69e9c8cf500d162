// The secret of the engine's direct path: the host agent reaches the guest's Docker socket over a
// QEMU port forward on the host's loopback, which any local user could connect to, so the guest's
// engine proxy lets in only a connection that begins with this secret. 32 random bytes, made on
// the host when the machine first starts, kept 0600 in its folder (so a saved VM, whose proxy
// holds the secret in memory, resumes with the same one) and handed to the guest privately.
import * as crypto from 'node:crypto';
import { readIfExists, writePrivateFile } from './files';
import type { MachinePaths } from './paths';

export const ENGINE_SECRET_BYTES = 32;

const HEX = new RegExp(`^[0-9a-f]{${2 * ENGINE_SECRET_BYTES}}$`);

/** The machine's secret, as 64 hex digits; made (or made anew, if the file is not one) when needed. */
export function ensureEngineSecret(p: Pick<MachinePaths, 'engineSecret'>): string {
  const existing = readIfExists(p.engineSecret)?.trim();
  if (existing && HEX.test(existing)) return existing;
  const secret = crypto.randomBytes(ENGINE_SECRET_BYTES).toString('hex');
  writePrivateFile(p.engineSecret, secret + '\n');
  return secret;
}
