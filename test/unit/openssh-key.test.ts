// Berth's ed25519 key files: what it writes, ssh2 and OpenSSH read back as the same key, including
// the one key in 256 whose public half starts with a zero byte (ssh2's own generator drops it); and
// a file written by that generator is made whole again, the same key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { utils } from 'ssh2';
import { ed25519PublicOf, encodeEd25519, generateEd25519, repairShortEd25519 } from '../../app/base/openssh-key';
import { ensureHostKey, ensureUserKey, publicKeyFingerprint } from '../../app/base/ssh-keys';
import { machineWithSshFolder } from '../helpers/machine-folder';

const SHORT_KEY = fs.readFileSync(
  path.join(__dirname, '../../../test/fixtures/ssh/ssh2-1.17-short-ed25519.key'),
  'utf8',
);

/** The first seed (of a fixed sequence) whose public key starts with a zero byte. */
function seedWithZeroLeadingPublicKey(): Buffer {
  for (let i = 0; ; i++) {
    const seed = crypto.createHash('sha256').update(`berth-seed-${i}`).digest();
    if (ed25519PublicOf(seed)[0] === 0) return seed;
  }
}

function tmpFile(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-key-'));
  const f = path.join(dir, 'key');
  fs.writeFileSync(f, text, { mode: 0o600 });
  return f;
}

/** "type base64" of a public key line, as OpenSSH's `ssh-keygen -y` derives it from the private file. */
const openSshPublicOf = (file: string) =>
  execFileSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8' }).trim().split(' ').slice(0, 2).join(' ');
const typeAndBlob = (line: string) => line.trim().split(' ').slice(0, 2).join(' ');

function assertSoundKey(pair: { private: string; public: string }, comment: string) {
  const parsed = utils.parseKey(pair.private);
  assert.ok(!(parsed instanceof Error), `ssh2 refused the key: ${parsed instanceof Error ? parsed.message : ''}`);
  assert.ok(!Array.isArray(parsed));
  assert.equal(parsed.type, 'ssh-ed25519');
  assert.equal(parsed.comment, comment);
  assert.equal(parsed.getPublicSSH().toString('base64'), pair.public.split(' ')[1]);
  const data = Buffer.from('what the VM signs');
  assert.equal(parsed.verify(data, parsed.sign(data)), true);
  assert.equal(openSshPublicOf(tmpFile(pair.private)), typeAndBlob(pair.public));
}

test('a generated key is read back by ssh2 and by OpenSSH as the same key, with its comment', () => {
  const pair = generateEd25519('berth@someone');
  assertSoundKey(pair, 'berth@someone');
  assert.match(pair.public, /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]{43} berth@someone$/);
});

test('a public key starting with a zero byte keeps all 32 bytes (ssh2 1.17 dropped the zero)', () => {
  const seed = seedWithZeroLeadingPublicKey();
  const pair = encodeEd25519(seed, 'berth-vm');
  assertSoundKey(pair, 'berth-vm');
  const blob = Buffer.from(pair.public.split(' ')[1], 'base64');
  assert.equal(blob.length, 4 + 11 + 4 + 32);
  assert.equal(blob[19], 0);
});

test('comments of every length pad the key to whole blocks that both readers accept', () => {
  for (let n = 0; n < 9; n++) assertSoundKey(generateEd25519('c'.repeat(n)), 'c'.repeat(n));
});

test('a key file ssh2 1.17 wrote with a short public key is made whole: the same key, comment and check bytes', () => {
  assert.ok(utils.parseKey(SHORT_KEY) instanceof Error, 'the fixture is the defect');
  const repaired = repairShortEd25519(SHORT_KEY);
  assert.ok(repaired);
  assertSoundKey(repaired, 'berth@root');
  // The short public key in the file is the whole one without its leading zero.
  const whole = Buffer.from(repaired.public.split(' ')[1], 'base64').subarray(19);
  assert.equal(whole[0], 0);
  const shortBody = Buffer.from(SHORT_KEY.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  assert.ok(shortBody.includes(whole.subarray(1)), 'the same public key, not a new one');
});

test('repair leaves sound keys and anything else alone', () => {
  assert.equal(repairShortEd25519(generateEd25519('x').private), undefined);
  assert.equal(repairShortEd25519(encodeEd25519(seedWithZeroLeadingPublicKey(), 'x').private), undefined);
  assert.equal(repairShortEd25519('not a key'), undefined);
  assert.equal(repairShortEd25519(SHORT_KEY.replace(/\n[^\n]+\n-----END/, '\n-----END')), undefined);
});

test('a machine whose login key an earlier Berth cut short connects again: both files rewritten whole, 0600', () => {
  const p = machineWithSshFolder();
  fs.writeFileSync(p.sshKey, SHORT_KEY, { mode: 0o600 });
  fs.writeFileSync(p.sshPubKey, 'ssh-ed25519 short berth@root\n', { mode: 0o600 });
  const keys = ensureUserKey(p);
  assert.ok(!(utils.parseKey(keys.privateKey) instanceof Error));
  assert.equal(fs.readFileSync(p.sshKey, 'utf8'), keys.privateKey);
  assert.equal(fs.readFileSync(p.sshPubKey, 'utf8'), keys.publicKey);
  assert.equal(typeAndBlob(keys.publicKey), openSshPublicOf(p.sshKey));
  for (const f of [p.sshKey, p.sshPubKey]) assert.equal(fs.statSync(f).mode & 0o777, 0o600, f);
});

test('a machine whose VM host key an earlier Berth cut short gets it whole and pinned again', () => {
  const p = machineWithSshFolder();
  const shortPub = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAH8U09mVtzhwIB1ArHoSwIST3g/xSF1dZBeyYf4Qrw+s berth@root\n';
  fs.writeFileSync(p.sshHostKey, SHORT_KEY, { mode: 0o600 });
  fs.writeFileSync(p.sshHostPubKey, shortPub, { mode: 0o600 });
  fs.writeFileSync(p.knownHost, publicKeyFingerprint(shortPub) + '\n', { mode: 0o600 });
  const pin = ensureHostKey(p);
  const parsed = utils.parseKey(fs.readFileSync(p.sshHostKey, 'utf8'));
  assert.ok(!(parsed instanceof Error) && !Array.isArray(parsed));
  assert.equal(publicKeyFingerprint(`ssh-ed25519 ${parsed.getPublicSSH().toString('base64')}`), pin);
  assert.equal(fs.readFileSync(p.knownHost, 'utf8'), pin + '\n');
  assert.notEqual(pin, publicKeyFingerprint(shortPub));
});

test('a login key that cannot be read is named in one line with what to do, and left as it is', () => {
  const p = machineWithSshFolder();
  fs.writeFileSync(p.sshKey, '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n', {
    mode: 0o600,
  });
  fs.writeFileSync(p.sshPubKey, 'ssh-ed25519 AAAA berth@root\n', { mode: 0o600 });
  assert.throws(() => ensureUserKey(p), {
    name: 'UserError',
    message: `the machine's SSH key ${p.sshKey} cannot be read: delete it and id_ed25519.pub beside it, and Berth makes a new pair that the VM takes at its next start`,
  });
  assert.match(fs.readFileSync(p.sshKey, 'utf8'), /AAAA/);
});
