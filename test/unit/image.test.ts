import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isUserError } from '../../app/base/errors';
import { BINFMT_ARTIFACT, buildCommand, checkoutImageFolder, imageCandidates, locateImage } from '../../app/base/image';
import { fakeImage } from '../helpers/fake-driver';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'berth-images-'));
}

test("a checkout's images: x86_64 in vm-images/out as always, aarch64 beside it in vm-images/out-aarch64", () => {
  assert.equal(path.basename(checkoutImageFolder('x86_64')), 'out');
  assert.equal(checkoutImageFolder('aarch64'), path.join(path.dirname(checkoutImageFolder('x86_64')), 'out-aarch64'));
  assert.deepEqual(imageCandidates('aarch64', {}), [checkoutImageFolder('aarch64')]);
  assert.deepEqual(imageCandidates('aarch64', { BERTH_IMAGE_DIR: '/imgs' }), [
    path.resolve('/imgs'),
    checkoutImageFolder('aarch64'),
  ]);
});

test("the build command needs --arch only for another architecture than the host's", () => {
  assert.equal(buildCommand('x86_64', 'x64'), 'npm run build:vm');
  assert.equal(buildCommand('aarch64', 'arm64'), 'npm run build:vm');
  assert.equal(buildCommand('aarch64', 'x64'), 'npm run build:vm -- --arch aarch64');
  assert.equal(buildCommand('x86_64', 'arm64'), 'npm run build:vm -- --arch x86_64');
});

test('BERTH_IMAGE_DIR holds one image, of the architecture its manifest names (none: x86_64)', () => {
  const arm = tmp();
  const old = tmp();
  try {
    fakeImage(arm, 'aarch64');
    fakeImage(old);
    assert.equal(locateImage({ arch: 'aarch64', env: { BERTH_IMAGE_DIR: arm }, verify: false }).dir, arm);
    assert.equal(locateImage({ arch: 'x86_64', env: { BERTH_IMAGE_DIR: old }, verify: false }).dir, old);
  } finally {
    fs.rmSync(arm, { recursive: true, force: true });
    fs.rmSync(old, { recursive: true, force: true });
  }
});

test("no image of the machine's architecture: one line naming it, where it looked, and how to build it", () => {
  const dir = tmp();
  try {
    fakeImage(dir); // an x86_64 image: passed over for an aarch64 machine
    // The folders a checkout without an aarch64 image has (this one may have built it).
    const checkout = path.join(tmp(), 'out-aarch64');
    assert.throws(
      () => locateImage({ arch: 'aarch64', env: { BERTH_IMAGE_DIR: dir }, hostArch: 'x64', folders: [dir, checkout] }),
      (e: unknown) => {
        assert.ok(isUserError(e));
        assert.equal(e.code, 'ENOIMAGE');
        assert.equal(
          e.message,
          `no aarch64 VM image found (looked in ${dir}, ${checkout}): build it with "npm run build:vm -- --arch aarch64" (or set BERTH_IMAGE_DIR to a folder holding one)`,
        );
        return true;
      },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a damaged image, or an unreadable manifest, says how to rebuild that architecture', () => {
  const dir = tmp();
  try {
    fakeImage(dir, 'aarch64');
    fs.writeFileSync(path.join(dir, 'vmlinuz'), 'cut');
    const env = { BERTH_IMAGE_DIR: dir };
    assert.throws(() => locateImage({ arch: 'aarch64', env, hostArch: 'x64', verify: false }), {
      code: 'EBADIMAGE',
      message: `the VM image file ${path.join(dir, 'vmlinuz')} is missing or damaged: rebuild it with "npm run build:vm -- --arch aarch64"`,
    });
    fs.writeFileSync(path.join(dir, 'manifest.json'), '{ cut');
    assert.throws(() => locateImage({ arch: 'aarch64', env, hostArch: 'x64' }), {
      code: 'EBADIMAGE',
      message: `the VM image manifest in ${dir} is unreadable: rebuild it with "npm run build:vm -- --arch aarch64"`,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the other architecture's interpreter is used when the manifest lists it, checked like the rest, and not counted in the size", () => {
  const dir = tmp();
  try {
    fakeImage(dir);
    const env = { BERTH_IMAGE_DIR: dir };
    assert.equal(locateImage({ arch: 'x86_64', env, verify: false }).binfmt, undefined, 'an image made before it');
    const manifestFile = path.join(dir, 'manifest.json');
    const m = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    const before = locateImage({ arch: 'x86_64', env, verify: false }).sizeBytes;
    fs.writeFileSync(path.join(dir, BINFMT_ARTIFACT), 'qemu-aarch64');
    m.artifacts[BINFMT_ARTIFACT] = { sha256: 'not checked', size: 'qemu-aarch64'.length };
    fs.writeFileSync(manifestFile, JSON.stringify(m));
    const found = locateImage({ arch: 'x86_64', env, verify: false });
    assert.equal(found.binfmt, path.join(dir, BINFMT_ARTIFACT));
    assert.equal(found.sizeBytes, before);
    fs.rmSync(path.join(dir, BINFMT_ARTIFACT));
    assert.throws(() => locateImage({ arch: 'x86_64', env, verify: false, hostArch: 'x64' }), {
      code: 'EBADIMAGE',
      message: `the VM image file ${path.join(dir, BINFMT_ARTIFACT)} is missing or damaged: rebuild it with "npm run build:vm"`,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a VirtualBox machine's image needs its ISO: without one, one line saying there is none yet and how to build it", () => {
  const dir = tmp();
  try {
    fakeImage(dir);
    const env = { BERTH_IMAGE_DIR: dir };
    // A QEMU machine does not ask for it.
    assert.equal(locateImage({ arch: 'x86_64', env, verify: false }).iso, undefined);
    assert.throws(() => locateImage({ arch: 'x86_64', iso: true, env, verify: false, hostArch: 'x64' }), {
      code: 'ENOISO',
      message: `this Berth has no VirtualBox image yet (no berth.iso in ${dir}): build it with "npm run build:vm" once the image build writes the ISO (see vm-images/README.md), or make a QEMU machine`,
    });
    fs.writeFileSync(path.join(dir, 'berth.iso'), 'iso');
    assert.equal(locateImage({ arch: 'x86_64', iso: true, env, verify: false }).iso, path.join(dir, 'berth.iso'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
