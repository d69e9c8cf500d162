// The engine's direct path secret: 32 random bytes in hex, 0600 in the machine folder, made once
// and kept (a saved VM resumes with the secret its proxy holds), handed to the guest as a 0600
// file, never on QEMU's command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureEngineSecret } from '../../app/base/engine-secret';
import type { LocatedImage } from '../../app/base/image';
import { machinePaths } from '../../app/base/paths';
import { vmSpec } from '../../app/base/vm-spec';
import { defaultSettings } from '../../app/base/settings/schema';
import { writeGuestConfig } from '../../app/driver/qemu/guest-config';
import { machineFiles } from '../../app/driver/qemu/machine-files';

function machine() {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-secret-'));
  const p = machinePaths('default', home);
  fs.mkdirSync(p.dir, { recursive: true, mode: 0o700 });
  return p;
}

const image: LocatedImage = {
  dir: '/img',
  kernel: '/img/k',
  initrd: '/img/i',
  rootfs: '/img/r',
  cmdline: 'c',
  sizeBytes: 1,
  inputsHash: 'h',
};

test('made once: 64 hex digits, 0600, the same on every later call', () => {
  const p = machine();
  const s = ensureEngineSecret(p);
  assert.match(s, /^[0-9a-f]{64}$/);
  assert.equal(fs.statSync(p.engineSecret).mode & 0o777, 0o600);
  assert.equal(fs.readFileSync(p.engineSecret, 'utf8'), s + '\n');
  assert.equal(ensureEngineSecret(p), s);
  assert.notEqual(ensureEngineSecret(machine()), s, 'each machine has its own');
});

test('a file that is not a secret is replaced by a new one', () => {
  const p = machine();
  fs.writeFileSync(p.engineSecret, 'short\n', { mode: 0o644 });
  const s = ensureEngineSecret(p);
  assert.match(s, /^[0-9a-f]{64}$/);
  assert.equal(fs.statSync(p.engineSecret).mode & 0o777, 0o600);
});

test('the spec carries the secret only with a direct path port; the guest gets it as a 0600 file', async () => {
  const p = machine();
  const secret = ensureEngineSecret(p);
  const s = defaultSettings();
  const without = vmSpec('default', p, s, image, { sshPort: 1 }, 'pub');
  assert.equal(without.enginePort, undefined);
  assert.equal(without.guestConfig.engineSecret, undefined);
  const spec = vmSpec('default', p, s, image, { sshPort: 1, enginePort: 2 }, 'pub');
  assert.equal(spec.enginePort, 2);
  assert.equal(spec.guestConfig.engineSecret, secret);

  const files = machineFiles(p.dir);
  await writeGuestConfig(spec, files);
  assert.equal(fs.readFileSync(files.engineSecret, 'utf8'), secret + '\n');
  assert.equal(fs.statSync(files.engineSecret).mode & 0o777, 0o600);
  // Started again without a direct path: the guest's copy goes.
  await writeGuestConfig(without, files);
  assert.equal(fs.existsSync(files.engineSecret), false);
});
