import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Arch } from '../../app/base/arch';
import { isUserError } from '../../app/base/errors';
import { findQemu, parseQemuVersion, type HostFacts } from '../../app/driver/qemu/find-qemu';
import { fixture } from '../fixtures/qemu/load';

function host(platform: NodeJS.Platform, arch: string, pathEnv: string, present: string[]): HostFacts {
  return { platform, arch, pathEnv, isFile: (p) => present.includes(p) };
}

test('finds both programs on PATH (Linux x64, x86_64 machine)', () => {
  const h = host('linux', 'x64', '/home/u/bin:/usr/bin', ['/usr/bin/qemu-system-x86_64', '/usr/bin/qemu-img']);
  assert.deepEqual(findQemu(h, 'x86_64'), {
    system: '/usr/bin/qemu-system-x86_64',
    img: '/usr/bin/qemu-img',
    arch: 'x86_64',
  });
});

test("the machine's architecture picks the program, whatever the host's", () => {
  const h = host('linux', 'x64', '/usr/bin', [
    '/usr/bin/qemu-system-x86_64',
    '/usr/bin/qemu-system-aarch64',
    '/usr/bin/qemu-img',
  ]);
  assert.equal(findQemu(h, 'aarch64').system, '/usr/bin/qemu-system-aarch64');
  assert.equal(findQemu(h, 'x86_64').system, '/usr/bin/qemu-system-x86_64');
});

test('Apple Silicon app launched with a bare PATH still finds Homebrew QEMU', () => {
  const h = host('darwin', 'arm64', '/usr/bin:/bin', [
    '/opt/homebrew/bin/qemu-system-aarch64',
    '/opt/homebrew/bin/qemu-img',
  ]);
  assert.deepEqual(findQemu(h, 'aarch64'), {
    system: '/opt/homebrew/bin/qemu-system-aarch64',
    img: '/opt/homebrew/bin/qemu-img',
    arch: 'aarch64',
  });
});

test('Windows: .exe in C:\\Program Files\\qemu', () => {
  const h = host('win32', 'x64', 'C:\\Windows\\system32;C:\\Windows', [
    'C:\\Program Files\\qemu\\qemu-system-x86_64.exe',
    'C:\\Program Files\\qemu\\qemu-img.exe',
  ]);
  assert.equal(findQemu(h, 'x86_64').system, 'C:\\Program Files\\qemu\\qemu-system-x86_64.exe');
});

test('Windows on an x64 PC: the aarch64 program from the same installer', () => {
  const h = host('win32', 'x64', 'C:\\Windows', [
    'C:\\Program Files\\qemu\\qemu-system-aarch64.exe',
    'C:\\Program Files\\qemu\\qemu-img.exe',
  ]);
  assert.equal(findQemu(h, 'aarch64').system, 'C:\\Program Files\\qemu\\qemu-system-aarch64.exe');
});

function missingMessage(platform: NodeJS.Platform, arch: Arch = 'x86_64', present: string[] = []): string {
  try {
    findQemu(host(platform, 'x64', '/usr/bin', present), arch);
  } catch (e) {
    assert.ok(isUserError(e));
    assert.equal(e.code, 'EQEMUMISSING');
    assert.ok(!(e as Error).message.includes('\n'), 'one line');
    return (e as Error).message;
  }
  throw new Error('expected a UserError');
}

test('missing QEMU: one line that says how to install it here', () => {
  assert.equal(
    missingMessage('darwin'),
    'QEMU is not installed (qemu-system-x86_64 and qemu-img not found): install it with `brew install qemu`.',
  );
  assert.match(missingMessage('win32'), /winget install SoftwareFreedomConservancy\.QEMU/);
  assert.match(missingMessage('linux'), /sudo apt-get install qemu-system-x86 qemu-utils/);
});

test('missing qemu-system-aarch64: names it and the package that has it', () => {
  assert.equal(
    missingMessage('linux', 'aarch64', ['/usr/bin/qemu-system-x86_64', '/usr/bin/qemu-img']),
    'QEMU is not installed (qemu-system-aarch64 not found): install it, e.g. on Debian/Ubuntu `sudo apt-get install qemu-system-arm qemu-utils`.',
  );
  assert.match(
    missingMessage('darwin', 'aarch64'),
    /\(qemu-system-aarch64 and qemu-img not found\): install it with `brew install qemu`/,
  );
});

test('only qemu-img missing is named as such', () => {
  assert.throws(
    () => findQemu(host('linux', 'x64', '/usr/bin', ['/usr/bin/qemu-system-x86_64']), 'x86_64'),
    /\(qemu-img not found\)/,
  );
});

test('parses the captured `qemu-system-x86_64 --version` (Debian 12)', () => {
  assert.deepEqual(parseQemuVersion(fixture('qemu-system-x86_64-version-7.2-debian.txt')), {
    major: 7,
    minor: 2,
    micro: 22,
    package: 'Debian 1:7.2+dfsg-7+deb12u18+b3',
  });
});

test('parses the captured `qemu-system-aarch64 --version` (Debian 12, and QEMU 10 from bookworm-backports)', () => {
  assert.deepEqual(parseQemuVersion(fixture('qemu-system-aarch64-version-7.2-debian.txt')), {
    major: 7,
    minor: 2,
    micro: 22,
    package: 'Debian 1:7.2+dfsg-7+deb12u18+b3',
  });
  assert.deepEqual(parseQemuVersion(fixture('qemu-system-aarch64-version-10.0-debian.txt')), {
    major: 10,
    minor: 0,
    micro: 2,
    package: 'Debian 1:10.0.2+ds-2+deb13u1~bpo12+1',
  });
});

test('parses the captured `qemu-img --version`, and plain upstream builds', () => {
  assert.equal(parseQemuVersion(fixture('qemu-img-version-7.2-debian.txt'))?.minor, 2);
  assert.deepEqual(parseQemuVersion('QEMU emulator version 9.1.0\nCopyright (c) 2003-2024'), {
    major: 9,
    minor: 1,
    micro: 0,
  });
  assert.equal(parseQemuVersion('something else'), undefined);
});
