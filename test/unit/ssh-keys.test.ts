// The VM's SSH host key made on the host: the pair and the pin are written at creation, the pin
// is the fingerprint sshd shows for that key, and the verifier takes only that key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { utils } from 'ssh2';
import { generateEd25519 } from '../../app/base/openssh-key';
import { ensureHostKey, fingerprint, hostKeyVerifier, publicKeyFingerprint } from '../../app/base/ssh-keys';
import { machineWithSshFolder } from '../helpers/machine-folder';

/** The key blob an SSH server sends, as the verifier is given it. */
const blobOf = (publicLine: string) => Buffer.from(publicLine.split(' ')[1], 'base64');

test('ensureHostKey makes an ed25519 pair (0600) and pins known_host from it at once', () => {
  const p = machineWithSshFolder();
  const pin = ensureHostKey(p);
  assert.match(pin, /^SHA256:[A-Za-z0-9+/]{43}$/);
  assert.equal(fs.readFileSync(p.knownHost, 'utf8'), pin + '\n');
  for (const f of [p.sshHostKey, p.sshHostPubKey, p.knownHost]) assert.equal(fs.statSync(f).mode & 0o777, 0o600, f);
  const priv = fs.readFileSync(p.sshHostKey, 'utf8');
  assert.match(priv, /^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
  const parsed = utils.parseKey(priv);
  assert.ok(!(parsed instanceof Error) && !Array.isArray(parsed));
  assert.equal(parsed.type, 'ssh-ed25519');
  // The pin is what a server holding the private key presents.
  assert.equal(fingerprint(parsed.getPublicSSH()), pin);
  assert.equal(publicKeyFingerprint(fs.readFileSync(p.sshHostPubKey, 'utf8')), pin);
  // Idempotent: a second call keeps the pair and the pin.
  assert.equal(ensureHostKey(p), pin);
  assert.equal(fs.readFileSync(p.sshHostKey, 'utf8'), priv);
});

test('two machines get different host keys', () => {
  assert.notEqual(ensureHostKey(machineWithSshFolder()), ensureHostKey(machineWithSshFolder()));
});

test('a machine folder with an older pin and no pair (kept by rm --keep-disk) keeps its pin, no pair made', () => {
  const p = machineWithSshFolder();
  fs.writeFileSync(p.knownHost, 'SHA256:olderpinfromthedatadisk\n');
  assert.equal(ensureHostKey(p), 'SHA256:olderpinfromthedatadisk');
  assert.equal(fs.existsSync(p.sshHostKey), false);
});

test('the verifier accepts the pinned key on the very first connection and refuses any other', () => {
  const p = machineWithSshFolder();
  ensureHostKey(p);
  const own = blobOf(fs.readFileSync(p.sshHostPubKey, 'utf8'));
  const other = blobOf(generateEd25519('other').public);
  const why: string[] = [];
  const verify = hostKeyVerifier(p, (m) => why.push(m));
  assert.equal(verify(other), false);
  assert.match(why[0], /^the VM's SSH host key changed \(pinned SHA256:.+, got SHA256:.+\)/);
  assert.equal(verify(own), true);
});

test('a deleted known_host is pinned again from the pair, not from whatever key comes first', () => {
  const p = machineWithSshFolder();
  const pin = ensureHostKey(p);
  fs.rmSync(p.knownHost);
  const other = blobOf(generateEd25519('other').public);
  assert.equal(hostKeyVerifier(p, () => {})(other), false);
  assert.equal(fs.readFileSync(p.knownHost, 'utf8'), pin + '\n');
});

test('a machine made before host keys were made on the host still pins the first key it sees', () => {
  const p = machineWithSshFolder();
  const first = blobOf(generateEd25519('other').public);
  const verify = hostKeyVerifier(p, () => {});
  assert.equal(verify(first), true);
  assert.equal(fs.readFileSync(p.knownHost, 'utf8'), fingerprint(first) + '\n');
  assert.equal(verify(blobOf(generateEd25519('other').public)), false);
});

test('publicKeyFingerprint names a line that is not a public key', () => {
  assert.throws(() => publicKeyFingerprint('garbage'), /not an OpenSSH public key/);
});
