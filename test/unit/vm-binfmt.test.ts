// The other architecture's interpreter: Debian's binfmt_misc entries (qemu-user 10.0,
// /usr/share/qemu/binfmt.d/qemu-*.conf, as shipped) are checked before they go into binfmt.squashfs, and
// the guest mounts that file where the entries name the interpreter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BINFMT_MOUNT, checkEntry } from '../../vm-images/build/binfmt';
import { FOREIGN_ARCH } from '../../vm-images/build/config';

const AARCH64 =
  ':qemu-aarch64:M::\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00:' +
  '\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff:' +
  '/usr/libexec/qemu-binfmt/aarch64-binfmt-P:OPF\n';
const X86_64 =
  ':qemu-x86_64:M::\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x3e\\x00:' +
  '\\xff\\xff\\xff\\xff\\xff\\xfe\\xfe\\xfc\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff:' +
  '/usr/libexec/qemu-binfmt/x86_64-binfmt-P:OPF\n';

test('each image runs the other architecture', () => {
  assert.deepEqual(FOREIGN_ARCH, { x86_64: 'aarch64', aarch64: 'x86_64' });
});

test("Debian's entries give the interpreter's name in the mounted folder", () => {
  assert.equal(checkEntry(AARCH64, 'aarch64'), 'aarch64-binfmt-P');
  assert.equal(checkEntry(X86_64, 'x86_64'), 'x86_64-binfmt-P');
});

test('an entry for another program, elsewhere, or without the F flag containers need fails the build in one line', () => {
  assert.throws(() => checkEntry(X86_64, 'aarch64'), /entry for aarch64 is not a magic entry/);
  assert.throws(
    () => checkEntry(AARCH64.replace('/usr/libexec/qemu-binfmt/', '/usr/bin/'), 'aarch64'),
    /interpreter \/usr\/bin\/aarch64-binfmt-P is not in \/usr\/libexec\/qemu-binfmt/,
  );
  assert.throws(() => checkEntry(AARCH64.replace(':OPF', ':OP'), 'aarch64'), /lacks the F flag \(OP\)/);
});

test('the guest mounts binfmt.squashfs where the entries name the interpreter, from the disk the host names', () => {
  const script = fs.readFileSync(path.join(__dirname, '../../../vm-images/guest/rootfs/etc/berth/binfmt'), 'utf8');
  assert.match(script, new RegExp(`^dir=${BINFMT_MOUNT}$`, 'm'));
  assert.match(script, /disk_with_serial berth-binfmt/);
});
