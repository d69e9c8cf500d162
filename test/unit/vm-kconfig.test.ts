// The kernel option check of the image build (vm-images/build/kconfig.ts): a requested option that
// Kconfig dropped or changed must be reported by name, since olddefconfig itself never complains.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configMismatches, parseDotConfig, parseOption, renderFragment } from '../../vm-images/build/kconfig';
import { ARCHES } from '../../vm-images/build/arch';
import { kernelOptions } from '../../vm-images/build/kernel-config';

// A captured piece of a real .config (6.1, after allnoconfig with a fragment + olddefconfig).
const DOT_CONFIG = `#
# Automatically generated file; DO NOT EDIT.
# Linux/x86 6.1.192 Kernel Configuration
#
CONFIG_64BIT=y
# CONFIG_MODULES is not set
CONFIG_VIRTIO_BLK=y
CONFIG_NR_CPUS=64
CONFIG_LOCALVERSION=""
# CONFIG_SQUASHFS_XZ is not set
CONFIG_NF_CT_NETLINK=y
`;

test('parseDotConfig reads set, unset and string values', () => {
  const c = parseDotConfig(DOT_CONFIG);
  assert.equal(c.get('64BIT'), 'y');
  assert.equal(c.get('MODULES'), 'n');
  assert.equal(c.get('NR_CPUS'), '64');
  assert.equal(c.get('LOCALVERSION'), '""');
  assert.equal(c.has('SQUASHFS'), false);
});

test('configMismatches is empty when every option came out as requested', () => {
  assert.deepEqual(
    configMismatches(['64BIT=y', 'MODULES=n', 'VIRTIO_BLK=y', 'NR_CPUS=64', 'SQUASHFS_XZ=n', 'SQUASHFS=n'], DOT_CONFIG),
    [],
  );
});

test('configMismatches names each dropped or changed option', () => {
  assert.deepEqual(
    configMismatches(['VIRTIO_BLK=y', 'SQUASHFS_XZ=y', 'BPF_JIT=y', 'NR_CPUS=8', 'MODULES=y'], DOT_CONFIG),
    [
      'CONFIG_SQUASHFS_XZ: requested y, got n',
      'CONFIG_BPF_JIT: requested y, got n (not in .config: its dependencies are not met)',
      'CONFIG_NR_CPUS: requested 8, got 64',
      'CONFIG_MODULES: requested y, got n',
    ],
  );
});

test('renderFragment writes n the way .config does', () => {
  assert.equal(renderFragment(['VIRTIO_BLK=y', 'MODULES=n']), 'CONFIG_VIRTIO_BLK=y\n# CONFIG_MODULES is not set\n');
});

test('parseOption rejects a CONFIG_ prefix or a missing value', () => {
  assert.throws(() => parseOption('CONFIG_VIRTIO_BLK=y'), /without CONFIG_/);
  assert.throws(() => parseOption('VIRTIO_BLK'), /without CONFIG_/);
});

for (const arch of ARCHES) {
  test(`the ${arch} policy list is well formed, has no duplicates and builds everything in`, () => {
    const options = kernelOptions(arch);
    const names = options.map((e) => parseOption(e).name);
    assert.equal(new Set(names).size, names.length, 'an option is listed twice');
    assert.ok(options.includes('MODULES=n'));
    for (const e of options) assert.match(e, /=(y|n)$/, `${e}: built in (y) or off (n), never a module`);
  });
}

test('both kernels read the host config over fw_cfg and run the same container features', () => {
  const [x86, arm] = ARCHES.map((a) => new Set(kernelOptions(a)));
  for (const o of ['FW_CFG_SYSFS=y', 'OVERLAY_FS=y', 'VIRTIO_PCI=y', 'BRIDGE_NETFILTER=y', 'SQUASHFS_ZSTD=y'])
    assert.ok(x86.has(o) && arm.has(o), o);
});

test("each board's console, clock and power button driver is in its own list only", () => {
  const x86 = kernelOptions('x86_64');
  const arm = kernelOptions('aarch64');
  for (const o of ['SERIAL_8250_CONSOLE=y', 'RTC_DRV_CMOS=y', 'ACPI_BUTTON=y', 'KERNEL_ZSTD=y']) {
    assert.ok(x86.includes(o), o);
    assert.ok(!arm.includes(o), o);
  }
  for (const o of ['SERIAL_AMBA_PL011_CONSOLE=y', 'RTC_DRV_PL031=y', 'KEYBOARD_GPIO=y', 'PCI_HOST_GENERIC=y']) {
    assert.ok(arm.includes(o), o);
    assert.ok(!x86.includes(o), o);
  }
});
