import { test } from 'node:test';
import assert from 'node:assert/strict';
import { vboxError, vboxMessage } from '../../app/driver/virtualbox/errors';
import { vboxFixture } from '../fixtures/virtualbox/load';

const classify = (file: string) => vboxError('start the VM', 'berth-default-1234abcd', vboxFixture(file), 1);

test("no hardware virtualization: one line saying what to turn on, VirtualBox's text in the details", () => {
  for (const file of ['startvm-vmx-no-vmx.stderr.txt', 'startvm-vtx-disabled.stderr.txt']) {
    const e = classify(file);
    assert.equal(e.code, 'EVBOXNOVT', file);
    assert.match(
      e.message,
      /hardware virtualization \(VT-x or AMD-V\) is missing or turned off: turn it on in the firmware/,
    );
    assert.ok(!e.message.includes('\n'));
    assert.equal(e.details, vboxFixture(file));
  }
  assert.equal(
    vboxError('start the VM', 'vm', 'VBoxManage: error: AMD-V is not available (VERR_SVM_NO_SVM)\n', 1).code,
    'EVBOXNOVT',
  );
});

test('another hypervisor holding the CPU: KVM on Linux, Hyper-V on Windows', () => {
  for (const file of ['startvm-vmx-root-mode.stderr.txt', 'startvm-nem-hyperv.stderr.txt']) {
    const e = classify(file);
    assert.equal(e.code, 'EVBOXHYPERVISOR', file);
    assert.match(e.message, /another hypervisor holds the CPU/);
  }
});

test("VirtualBox's kernel driver not loaded", () => {
  for (const file of ['kernel-driver-not-installed.txt', 'version-no-vboxdrv.txt']) {
    const e = classify(file);
    assert.equal(e.code, 'EVBOXDRIVER', file);
    assert.match(e.message, /kernel driver \(vboxdrv\) is not loaded: run `sudo \/sbin\/vboxconfig`/);
  }
});

test('a VM name already taken', () => {
  const e = vboxError('create the VM', 'berth-default-1234abcd', vboxFixture('createvm-already-exists.stderr.txt'), 1);
  assert.equal(e.code, 'EVBOXEXISTS');
  assert.equal(
    e.message,
    'VirtualBox already has a VM named "berth-default-1234abcd" (its settings file is there): remove it with `VBoxManage unregistervm berth-default-1234abcd --delete` if it is a leftover of this machine, then try again.',
  );
});

test("anything else: what could not be done and VirtualBox's own first error line", () => {
  const e = vboxError('read the state of the VM', 'vm', vboxFixture('showvminfo-not-found.stderr.txt'), 1);
  assert.equal(e.code, 'EVBOX');
  assert.equal(
    e.message,
    "VirtualBox could not read the state of the VM: Could not find a registered machine named 'Mojave'",
  );
  assert.equal(vboxMessage(''), '');
  assert.equal(vboxError('start the VM', 'vm', '', 3).message, 'VirtualBox could not start the VM: exit code 3');
});
