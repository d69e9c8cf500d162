import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isUserError } from '../../app/base/errors';
import { buildCommand, imageFolder, locateImage } from '../../app/base/image';
import { fakeImage } from '../helpers/fake-driver';

function root(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'berth-images-'));
}

test("each architecture's image has its folder in a folder of images: x86_64 the folder itself", () => {
  assert.equal(imageFolder('/imgs', 'x86_64'), '/imgs');
  assert.equal(imageFolder('/imgs', 'aarch64'), path.join('/imgs', 'aarch64'));
});

test("the build command needs --arch only for another architecture than the host's", () => {
  assert.equal(buildCommand('x86_64', 'x64'), 'npm run build:vm');
  assert.equal(buildCommand('aarch64', 'arm64'), 'npm run build:vm');
  assert.equal(buildCommand('aarch64', 'x64'), 'npm run build:vm -- --arch aarch64');
  assert.equal(buildCommand('x86_64', 'arm64'), 'npm run build:vm -- --arch x86_64');
});

test('locateImage finds the image of the asked architecture', () => {
  const dir = root();
  try {
    fakeImage(dir);
    fakeImage(path.join(dir, 'aarch64'));
    const env = { BERTH_IMAGE_DIR: dir };
    assert.equal(locateImage({ arch: 'x86_64', env, verify: false }).dir, dir);
    assert.equal(locateImage({ arch: 'aarch64', env, verify: false }).kernel, path.join(dir, 'aarch64', 'vmlinuz'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("no image of the machine's architecture: one line naming it, where it looked, and how to build it", () => {
  const dir = root();
  try {
    fakeImage(dir); // x86_64 only
    assert.throws(
      () => locateImage({ arch: 'aarch64', env: { BERTH_IMAGE_DIR: dir }, hostArch: 'x64' }),
      (e: unknown) => {
        assert.ok(isUserError(e));
        assert.equal(e.code, 'ENOIMAGE');
        assert.ok(
          e.message.startsWith(`no aarch64 VM image found (looked in ${path.join(dir, 'aarch64')}, `),
          e.message,
        );
        assert.match(e.message, /: build it with "npm run build:vm -- --arch aarch64" \(or set BERTH_IMAGE_DIR/);
        assert.doesNotMatch(e.message, /\n/);
        return true;
      },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a damaged image says how to rebuild that architecture', () => {
  const dir = root();
  try {
    fakeImage(path.join(dir, 'aarch64'));
    fs.writeFileSync(path.join(dir, 'aarch64', 'vmlinuz'), 'cut');
    assert.throws(
      () => locateImage({ arch: 'aarch64', env: { BERTH_IMAGE_DIR: dir }, hostArch: 'x64', verify: false }),
      {
        code: 'EBADIMAGE',
        message: `the VM image file ${path.join(dir, 'aarch64', 'vmlinuz')} is missing or damaged: rebuild it with "npm run build:vm -- --arch aarch64"`,
      },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
