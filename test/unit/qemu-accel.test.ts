import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Arch } from '../../app/base/arch';
import { isUserError } from '../../app/base/errors';
import { isHardwareAccel, kvmDeviceUsable, resolveAccel, type AccelFacts } from '../../app/driver/qemu/accel';
import { machineArgs } from '../../app/driver/qemu/argv';

/** A host (platform and Node's process.arch) and the machine's architecture. */
function facts(platform: NodeJS.Platform, hostArch: string, guestArch: Arch, kvmUsable = false): AccelFacts {
  return { platform, hostArch, guestArch, kvmUsable };
}

test('auto on Linux: kvm when /dev/kvm is usable, else tcg', () => {
  assert.equal(resolveAccel('auto', facts('linux', 'x64', 'x86_64', true)), 'kvm');
  assert.equal(resolveAccel('auto', facts('linux', 'x64', 'x86_64', false)), 'tcg');
  assert.equal(resolveAccel('auto', facts('linux', 'arm64', 'aarch64', true)), 'kvm');
});

test('auto on macOS is hvf, on Windows whpx, elsewhere tcg', () => {
  assert.equal(resolveAccel('auto', facts('darwin', 'arm64', 'aarch64')), 'hvf');
  assert.equal(resolveAccel('auto', facts('darwin', 'x64', 'x86_64')), 'hvf');
  assert.equal(resolveAccel('auto', facts('win32', 'x64', 'x86_64')), 'whpx');
  assert.equal(resolveAccel('auto', facts('freebsd', 'x64', 'x86_64')), 'tcg');
});

test('auto for a machine of the other architecture is tcg: no hypervisor runs it', () => {
  assert.equal(resolveAccel('auto', facts('linux', 'x64', 'aarch64', true)), 'tcg');
  assert.equal(resolveAccel('auto', facts('darwin', 'arm64', 'x86_64')), 'tcg');
  assert.equal(resolveAccel('auto', facts('darwin', 'x64', 'aarch64')), 'tcg');
  assert.equal(resolveAccel('auto', facts('win32', 'x64', 'aarch64')), 'tcg');
});

test('an explicit accelerator is kept as asked', () => {
  assert.equal(resolveAccel('tcg', facts('linux', 'x64', 'x86_64', true)), 'tcg');
  assert.equal(resolveAccel('kvm', facts('linux', 'x64', 'x86_64', false)), 'kvm');
  assert.equal(resolveAccel('tcg', facts('linux', 'x64', 'aarch64', true)), 'tcg');
});

test('an explicit hypervisor for the other architecture: one line saying why and what to do', () => {
  assert.throws(
    () => resolveAccel('kvm', facts('linux', 'x64', 'aarch64', true)),
    (e: unknown) =>
      isUserError(e) &&
      e.message ===
        "accel kvm cannot run an aarch64 machine on this x86_64 host (a hypervisor runs only its own architecture): set the machine's accel to auto or tcg",
  );
  assert.throws(
    () => resolveAccel('hvf', facts('darwin', 'arm64', 'x86_64')),
    /accel hvf cannot run an x86_64 machine/,
  );
});

test('the host decides -accel and -cpu for an aarch64 machine', () => {
  const cpuFor = (f: AccelFacts) => {
    const args = machineArgs({ accel: resolveAccel('auto', f), arch: f.guestArch });
    return `${args[3]} ${args[5]}`;
  };
  // Apple Silicon: Hypervisor.framework with the Mac's own CPU.
  assert.equal(cpuFor(facts('darwin', 'arm64', 'aarch64')), 'hvf host');
  // arm64 Linux with a usable /dev/kvm.
  assert.equal(cpuFor(facts('linux', 'arm64', 'aarch64', true)), 'kvm host');
  // Any x86_64 host, or no usable accelerator: TCG with the cheap pointer authentication.
  assert.equal(cpuFor(facts('linux', 'x64', 'aarch64', true)), 'tcg,tb-size=64 max,pauth-impdef=on');
  assert.equal(cpuFor(facts('darwin', 'x64', 'aarch64')), 'tcg,tb-size=64 max,pauth-impdef=on');
  assert.equal(cpuFor(facts('win32', 'x64', 'aarch64')), 'tcg,tb-size=64 max,pauth-impdef=on');
  assert.equal(cpuFor(facts('linux', 'arm64', 'aarch64', false)), 'tcg,tb-size=64 max,pauth-impdef=on');
});

test('hardware accelerators are the ones auto may fall back from', () => {
  assert.deepEqual((['kvm', 'hvf', 'whpx', 'tcg'] as const).map(isHardwareAccel), [true, true, true, false]);
});

test('kvmDeviceUsable is false for a device that does not exist', () => {
  assert.equal(kvmDeviceUsable('/nonexistent/kvm'), false);
});
