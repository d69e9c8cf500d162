import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDriver } from '../../app/driver/choose';

test("each machine's driver is the kind its settings name", () => {
  assert.equal(createDriver('qemu').name, 'qemu');
  const vbox = createDriver('virtualbox');
  assert.equal(vbox.name, 'virtualbox');
  assert.equal(vbox.bootsIso, true, 'a VirtualBox machine boots the image ISO');
  assert.equal(createDriver('qemu').bootsIso, undefined);
});
