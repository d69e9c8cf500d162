// The machine's SSH identity (an ed25519 key of its own, 0600) and the VM's
// host key, pinned on first contact and checked on every connection after.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { utils } from 'ssh2';
import { readIfExists, writePrivateFile } from './files';
import { MachinePaths } from './paths';

export function ensureUserKey(p: MachinePaths): { privateKey: string; publicKey: string } {
  const existing = readIfExists(p.sshKey);
  if (existing !== undefined) return { privateKey: existing, publicKey: fs.readFileSync(p.sshPubKey, 'utf8') };
  const pair = utils.generateKeyPairSync('ed25519', { comment: `berth@${process.env.USER ?? 'user'}` });
  writePrivateFile(p.sshKey, pair.private);
  writePrivateFile(p.sshPubKey, pair.public + '\n');
  return { privateKey: pair.private, publicKey: pair.public + '\n' };
}

export function fingerprint(key: Buffer): string {
  return 'SHA256:' + crypto.createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
}

/**
 * Returns a verifier for ssh2's hostVerifier option. The first key seen is
 * pinned; a different key later is refused, and `onMismatch` is told why.
 */
export function hostKeyVerifier(p: MachinePaths, onMismatch: (msg: string) => void): (key: Buffer) => boolean {
  return (key: Buffer) => {
    const seen = fingerprint(key);
    const pinned = readIfExists(p.knownHost)?.trim();
    if (!pinned) {
      writePrivateFile(p.knownHost, seen + '\n');
      return true;
    }
    if (pinned === seen) return true;
    onMismatch(
      `the VM's SSH host key changed (pinned ${pinned}, got ${seen}): if the data disk was replaced on purpose, delete ${p.knownHost}`,
    );
    return false;
  };
}
