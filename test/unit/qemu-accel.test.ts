import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isHardwareAccel, kvmDeviceUsable, resolveAccel } from '../../app/driver/qemu/accel';

test('auto on Linux: kvm when /dev/kvm is usable, else tcg', () => {
  assert.equal(resolveAccel('auto', { platform: 'linux', kvmUsable: true }), 'kvm');
  assert.equal(resolveAccel('auto', { platform: 'linux', kvmUsable: false }), 'tcg');
});

test('auto on macOS is hvf, on Windows whpx, elsewhere tcg', () => {
  assert.equal(resolveAccel('auto', { platform: 'darwin', kvmUsable: false }), 'hvf');
  assert.equal(resolveAccel('auto', { platform: 'win32', kvmUsable: false }), 'whpx');
  assert.equal(resolveAccel('auto', { platform: 'freebsd', kvmUsable: false }), 'tcg');
});

test('an explicit accelerator is kept as asked', () => {
  assert.equal(resolveAccel('tcg', { platform: 'linux', kvmUsable: true }), 'tcg');
  assert.equal(resolveAccel('kvm', { platform: 'linux', kvmUsable: false }), 'kvm');
});

test('hardware accelerators are the ones auto may fall back from', () => {
  assert.deepEqual((['kvm', 'hvf', 'whpx', 'tcg'] as const).map(isHardwareAccel), [true, true, true, false]);
});

test('kvmDeviceUsable is false for a device that does not exist', () => {
  assert.equal(kvmDeviceUsable('/nonexistent/kvm'), false);
});
