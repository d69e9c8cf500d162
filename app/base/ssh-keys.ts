// The machine's SSH identity (an ed25519 key of its own, 0600) and the VM's host key: made on the
// host when the machine is created and pinned at once (a machine made before that pinned the key
// its guest showed first), and checked on every connection after.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { utils } from 'ssh2';
import { UserError } from './errors';
import { readIfExists, writePrivateFile } from './files';
import { generateEd25519, OpenSshKeyPair, repairShortEd25519 } from './openssh-key';
import { MachinePaths } from './paths';

export function ensureUserKey(p: MachinePaths): { privateKey: string; publicKey: string } {
  const existing = readIfExists(p.sshKey);
  if (existing !== undefined) {
    if (readable(existing)) return { privateKey: existing, publicKey: fs.readFileSync(p.sshPubKey, 'utf8') };
    const repaired = repairKeyFiles(existing, p.sshKey, p.sshPubKey);
    if (repaired) return { privateKey: repaired.private, publicKey: repaired.public + '\n' };
    throw new UserError(
      `the machine's SSH key ${p.sshKey} cannot be read: delete it and ${path.basename(p.sshPubKey)} beside it, and Berth makes a new pair that the VM takes at its next start`,
    );
  }
  const pair = generateEd25519(`berth@${process.env.USER ?? 'user'}`);
  writePrivateFile(p.sshKey, pair.private);
  writePrivateFile(p.sshPubKey, pair.public + '\n');
  return { privateKey: pair.private, publicKey: pair.public + '\n' };
}

/** Whether ssh2 reads the private key file (the repair below is only for one it refuses). */
const readable = (privateText: string) => !(utils.parseKey(privateText) instanceof Error);

/**
 * A key pair written by an earlier Berth whose key generator cut the public key short (see
 * openssh-key.ts) is rewritten whole: the same key, so nothing the machine trusts changes.
 */
function repairKeyFiles(privateText: string, privateFile: string, publicFile: string): OpenSshKeyPair | undefined {
  const repaired = repairShortEd25519(privateText);
  if (!repaired) return undefined;
  writePrivateFile(privateFile, repaired.private);
  writePrivateFile(publicFile, repaired.public + '\n');
  return repaired;
}

/**
 * The VM's host key, made with the machine: an ed25519 pair in ssh/ (the guest is handed the
 * private half and its sshd presents it) and known_host pinned from it before the first boot, so
 * even the first connection is checked. A machine folder that already has a pin and no pair (an
 * older machine's, kept by `rm --keep-disk`) keeps that pin: its data disk holds the key it names.
 * Returns the pinned fingerprint.
 */
export function ensureHostKey(p: MachinePaths): string {
  const pinned = readIfExists(p.knownHost)?.trim();
  const priv = readIfExists(p.sshHostKey);
  const repaired =
    priv !== undefined && !readable(priv) ? repairKeyFiles(priv, p.sshHostKey, p.sshHostPubKey) : undefined;
  const pub = repaired?.public ?? readIfExists(p.sshHostPubKey);
  if (pub !== undefined) {
    const pin = publicKeyFingerprint(pub);
    if (pinned !== pin) writePrivateFile(p.knownHost, pin + '\n');
    return pin;
  }
  if (pinned) return pinned;
  const pair = generateEd25519('berth-vm');
  writePrivateFile(p.sshHostKey, pair.private);
  writePrivateFile(p.sshHostPubKey, pair.public + '\n');
  const pin = publicKeyFingerprint(pair.public);
  writePrivateFile(p.knownHost, pin + '\n');
  return pin;
}

export function fingerprint(key: Buffer): string {
  return 'SHA256:' + crypto.createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
}

/** The fingerprint of an OpenSSH public key line ("ssh-ed25519 AAAA... comment"), as SSH shows it. */
export function publicKeyFingerprint(line: string): string {
  const blob = line.trim().split(/\s+/)[1];
  if (!blob) throw new Error(`not an OpenSSH public key: ${JSON.stringify(line.slice(0, 40))}`);
  return fingerprint(Buffer.from(blob, 'base64'));
}

/**
 * Returns a verifier for ssh2's hostVerifier option. The key pinned in known_host is the only one
 * accepted; a different key is refused, and `onMismatch` is told why. With no pin, the machine's
 * host key pair pins it again; a machine made before host keys were made on the host has none, and
 * the first key seen is pinned (trust on first use, at its first boot).
 */
export function hostKeyVerifier(p: MachinePaths, onMismatch: (msg: string) => void): (key: Buffer) => boolean {
  return (key: Buffer) => {
    const seen = fingerprint(key);
    let pinned = readIfExists(p.knownHost)?.trim();
    if (!pinned) {
      const pub = readIfExists(p.sshHostPubKey);
      pinned = pub !== undefined ? publicKeyFingerprint(pub) : seen;
      writePrivateFile(p.knownHost, pinned + '\n');
    }
    if (pinned === seen) return true;
    onMismatch(
      `the VM's SSH host key changed (pinned ${pinned}, got ${seen}): if the data disk was replaced on purpose, delete ${p.knownHost}`,
    );
    return false;
  };
}
