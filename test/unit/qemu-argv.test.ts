import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import type { VmSpec } from '../../app/base/vm-types';
import { buildQemuArgv, esc, machineArgs, sharesTable } from '../../app/driver/qemu/argv';
import { machineFiles } from '../../app/driver/qemu/machine-files';

const dir = '/home/u/.local/share/berth/machines/default';

function spec(over: Partial<VmSpec> = {}): VmSpec {
  return {
    name: 'default',
    dir,
    cpus: 2,
    memoryMiB: 2048,
    diskGiB: 20,
    accel: 'auto',
    arch: 'x86_64',
    sshPort: 52022,
    shares: [],
    image: {
      kernel: '/img/vmlinuz',
      initrd: '/img/initrd.img',
      rootfs: '/img/root.squashfs',
      cmdline: 'console=ttyS0 quiet',
    },
    guestConfig: { authorizedKeys: 'ssh-ed25519 AAAA berth', hostname: 'default', daemonJson: '{}' },
    ...over,
  };
}

const files = machineFiles(dir, path.posix);
const unixQmp = { kind: 'unix', path: `${dir}/qmp.sock` } as const;

test('x86_64 TCG: the whole argv', () => {
  assert.deepEqual(buildQemuArgv({ spec: spec(), accel: 'tcg', files, qmp: unixQmp }), [
    '-name',
    'berth-default',
    '-machine',
    'q35,hpet=off',
    '-accel',
    'tcg,tb-size=64',
    '-cpu',
    'max',
    '-smp',
    '2',
    '-m',
    '2048',
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-kernel',
    '/img/vmlinuz',
    '-initrd',
    '/img/initrd.img',
    '-append',
    'console=ttyS0 quiet',
    '-drive',
    'file=/img/root.squashfs,if=none,id=root,format=raw,readonly=on',
    '-device',
    'virtio-blk-pci,drive=root,serial=berth-root',
    '-drive',
    `file=${dir}/data.qcow2,if=none,id=data,format=qcow2,discard=unmap`,
    '-device',
    'virtio-blk-pci,drive=data,serial=berth-data',
    '-netdev',
    'user,id=net0,hostfwd=tcp:127.0.0.1:52022-:22',
    '-device',
    'virtio-net-pci,netdev=net0',
    '-device',
    'virtio-rng-pci',
    '-device',
    'virtio-balloon-pci,free-page-reporting=on',
    '-fw_cfg',
    `name=opt/berth/authorized_keys,file=${dir}/guest/authorized_keys`,
    '-fw_cfg',
    'name=opt/berth/hostname,string=default',
    '-fw_cfg',
    `name=opt/berth/daemon.json,file=${dir}/guest/daemon.json`,
    '-chardev',
    `file,id=console,path=${dir}/console.log`,
    '-serial',
    'chardev:console',
    '-qmp',
    `unix:${dir}/qmp.sock,server=on,wait=off`,
    '-pidfile',
    `${dir}/qemu.pid`,
  ]);
});

test('x86_64 KVM: host CPU, no tb-size', () => {
  assert.deepEqual(machineArgs({ accel: 'kvm', arch: 'x86_64' }), [
    '-machine',
    'q35,hpet=off',
    '-accel',
    'kvm',
    '-cpu',
    'host',
  ]);
});

test('aarch64 HVF (Apple Silicon): virt board with highmem and the best GIC, host CPU', () => {
  assert.deepEqual(machineArgs({ accel: 'hvf', arch: 'aarch64' }), [
    '-machine',
    'virt,highmem=on,gic-version=max',
    '-accel',
    'hvf',
    '-cpu',
    'host',
  ]);
});

test('x86_64 HVF (Intel Mac): q35 without HPET, host CPU', () => {
  assert.deepEqual(machineArgs({ accel: 'hvf', arch: 'x86_64' }), [
    '-machine',
    'q35,hpet=off',
    '-accel',
    'hvf',
    '-cpu',
    'host',
  ]);
});

test('aarch64 TCG: max CPU with the cheap pointer authentication, and the small translation cache', () => {
  assert.deepEqual(machineArgs({ accel: 'tcg', arch: 'aarch64' }), [
    '-machine',
    'virt,highmem=on,gic-version=max',
    '-accel',
    'tcg,tb-size=64',
    '-cpu',
    'max,pauth-impdef=on',
  ]);
});

test('aarch64 KVM (arm64 Linux): the host GIC and CPU', () => {
  assert.deepEqual(machineArgs({ accel: 'kvm', arch: 'aarch64' }), [
    '-machine',
    'virt,highmem=on,gic-version=max',
    '-accel',
    'kvm',
    '-cpu',
    'host',
  ]);
});

test('aarch64 TCG: the whole argv differs from x86_64 only in -machine and -cpu', () => {
  const arm = buildQemuArgv({
    spec: spec({ arch: 'aarch64', image: { ...spec().image, cmdline: 'console=ttyAMA0 quiet' } }),
    accel: 'tcg',
    files,
    qmp: unixQmp,
  });
  const x86 = buildQemuArgv({ spec: spec(), accel: 'tcg', files, qmp: unixQmp });
  const differ = arm.map((a, i) => [x86[i], a]).filter(([x, a]) => x !== a);
  assert.equal(arm.length, x86.length);
  // The same virtio-*-pci devices, fw_cfg entries, serial console and QMP: virt has PCIe and fw_cfg.
  assert.deepEqual(differ, [
    ['q35,hpet=off', 'virt,highmem=on,gic-version=max'],
    ['max', 'max,pauth-impdef=on'],
    ['console=ttyS0 quiet', 'console=ttyAMA0 quiet'],
  ]);
});

test('win32 WHPX: kernel-irqchip off, default CPU model, QMP on loopback behind TLS with a key from the machine folder', () => {
  const wdir = 'C:\\Users\\u\\AppData\\Local\\berth\\machines\\default';
  const wfiles = machineFiles(wdir, path.win32);
  const argv = buildQemuArgv({
    spec: spec({ dir: wdir }),
    accel: 'whpx',
    files: wfiles,
    qmp: {
      kind: 'tls',
      host: '127.0.0.1',
      port: 50123,
      pskDir: wfiles.qmpKeyDir,
      pskFile: wfiles.qmpKeyFile,
    },
  });
  assert.deepEqual(argv.slice(0, 6), [
    '-name',
    'berth-default',
    '-machine',
    'q35,hpet=off',
    '-accel',
    'whpx,kernel-irqchip=off',
  ]);
  assert.equal(argv[6], '-smp', 'no -cpu for WHPX');
  // No unauthenticated monitor: no -qmp at all, and the one socket chardev needs the TLS key.
  assert.ok(!argv.includes('-qmp'));
  assert.deepEqual(argv.slice(argv.indexOf('-object'), argv.indexOf('-object') + 2), [
    '-object',
    `tls-creds-psk,id=qmp-tls,endpoint=server,dir=${wdir}\\qmp-key`,
  ]);
  const chardevs = argv.filter((_, i) => argv[i - 1] === '-chardev');
  assert.deepEqual(chardevs, [
    `file,id=console,path=${wdir}\\console.log`,
    'socket,id=qmp,host=127.0.0.1,port=50123,server=on,wait=off,tls-creds=qmp-tls',
  ]);
  assert.deepEqual(argv.slice(argv.indexOf('-mon'), argv.indexOf('-mon') + 2), ['-mon', 'chardev=qmp,mode=control']);
  // The key itself is never on the command line, which every user can see.
  assert.ok(!argv.some((a) => a.includes('keys.psk')));
  assert.ok(argv.includes(`file,id=console,path=${wdir}\\console.log`));
  assert.ok(argv.includes(`name=opt/berth/daemon.json,file=${wdir}\\guest\\daemon.json`));
});

test('aarch64 WHPX keeps the in-hypervisor irqchip (the only mode QEMU accepts on Arm)', () => {
  assert.deepEqual(machineArgs({ accel: 'whpx', arch: 'aarch64' }), [
    '-machine',
    'virt,highmem=on,gic-version=max',
    '-accel',
    'whpx',
    '-cpu',
    'max',
  ]);
});

test('engine TCP on: second loopback forward and the fw_cfg flag', () => {
  const argv = buildQemuArgv({
    spec: spec({ engineTcpPort: 52375, guestConfig: { ...spec().guestConfig, engineTcp: true } }),
    accel: 'kvm',
    files,
    qmp: unixQmp,
  });
  assert.equal(
    argv[argv.indexOf('-netdev') + 1],
    'user,id=net0,hostfwd=tcp:127.0.0.1:52022-:22,hostfwd=tcp:127.0.0.1:52375-:2375',
  );
  const fw = argv.filter((_, i) => argv[i - 1] === '-fw_cfg');
  assert.deepEqual(fw.slice(3), ['name=opt/berth/engine-tcp,string=2375']);
});

test('engine TCP off: no forward, no flag', () => {
  const argv = buildQemuArgv({ spec: spec(), accel: 'kvm', files, qmp: unixQmp });
  assert.equal(argv[argv.indexOf('-netdev') + 1], 'user,id=net0,hostfwd=tcp:127.0.0.1:52022-:22');
  assert.equal(argv.filter((a) => a.includes('engine-tcp')).length, 0);
});

test('guest RAM is plain anonymous memory on every host (a memfd cannot be saved and resumed without holding all of it)', () => {
  for (const accel of ['hvf', 'whpx', 'kvm', 'tcg'] as const) {
    const argv = buildQemuArgv({ spec: spec({ memoryMiB: 4096 }), accel, files, qmp: unixQmp });
    assert.deepEqual(argv.slice(argv.indexOf('-m'), argv.indexOf('-m') + 3), ['-m', '4096', '-nodefaults'], accel);
    assert.equal(
      argv.some((a) => a.includes('memory-backend')),
      false,
      accel,
    );
  }
});

test('commas in paths are doubled inside option values, not in plain arguments', () => {
  const d = '/tmp/a,b';
  const argv = buildQemuArgv({
    spec: spec({ dir: d }),
    accel: 'tcg',
    files: machineFiles(d, path.posix),
    qmp: { kind: 'unix', path: `${d}/qmp.sock` },
  });
  assert.equal(esc('a,b,c'), 'a,,b,,c');
  assert.ok(argv.includes('file=/tmp/a,,b/data.qcow2,if=none,id=data,format=qcow2,discard=unmap'));
  assert.ok(argv.includes('unix:/tmp/a,,b/qmp.sock,server=on,wait=off'));
  assert.equal(argv[argv.indexOf('-pidfile') + 1], '/tmp/a,b/qemu.pid');
});

test('shared folders: one 9p file server each (commas doubled), and the guest table through fw_cfg', () => {
  const shares = [
    { hostPath: '/home/u', guestPath: '/home/u', tag: 'berth0' },
    { hostPath: '/srv/a,b', guestPath: '/srv/a,b', tag: 'berth1' },
  ];
  const argv = buildQemuArgv({ spec: spec({ shares }), accel: 'tcg', files, qmp: unixQmp });
  const at = argv.indexOf('-fsdev');
  assert.deepEqual(argv.slice(at, at + 8), [
    '-fsdev',
    'local,id=share0,path=/home/u,security_model=none',
    '-device',
    'virtio-9p-pci,fsdev=share0,mount_tag=berth0',
    '-fsdev',
    'local,id=share1,path=/srv/a,,b,security_model=none',
    '-device',
    'virtio-9p-pci,fsdev=share1,mount_tag=berth1',
  ]);
  assert.ok(argv.includes(`name=opt/berth/shares,file=${dir}/guest/shares`));
  assert.equal(sharesTable(shares), 'berth0\t/home/u\nberth1\t/srv/a,b\n');
  const none = buildQemuArgv({ spec: spec(), accel: 'tcg', files, qmp: unixQmp });
  assert.equal(
    none.some((a) => a === '-fsdev' || a.includes('opt/berth/shares')),
    false,
  );
});

test("the VM's host key goes to the guest through fw_cfg from guest/, only when the machine has one", () => {
  const given = buildQemuArgv({
    spec: spec({ guestConfig: { ...spec().guestConfig, hostKey: '-----BEGIN OPENSSH PRIVATE KEY-----\n' } }),
    accel: 'tcg',
    files,
    qmp: unixQmp,
  });
  assert.ok(given.includes(`name=opt/berth/ssh_host_key,file=${dir}/guest/ssh_host_key`));
  assert.equal(given.join(' ').includes('BEGIN'), false, 'the key itself is never on the command line');
  const none = buildQemuArgv({ spec: spec(), accel: 'tcg', files, qmp: unixQmp });
  assert.equal(
    none.some((a) => a.includes('ssh_host_key')),
    false,
  );
});

test('the shares table: spaces, quotes and non-ASCII letters as they are; tab, newline and backslash escaped', () => {
  const odd = `/tmp/x/My Project 'q' "dq" Zoë`;
  assert.equal(sharesTable([{ hostPath: odd, guestPath: odd, tag: 'berth0' }]), `berth0\t${odd}\n`);
  assert.equal(
    sharesTable([{ hostPath: '/a\tb\nc\\d', guestPath: '/a\tb\nc\\d', tag: 'berth0' }]),
    'berth0\t/a\\011b\\012c\\134d\n',
  );
});

test("the guest's unescape (etc/berth/common.sh) reads back the shares table's and /proc/mounts's escapes", () => {
  const common = path.join(__dirname, '..', '..', '..', 'vm-images', 'guest', 'rootfs', 'etc', 'berth', 'common.sh');
  const unescape = (s: string) =>
    execFileSync('sh', ['-c', '. "$0" && unescape "$1"', common, s], { encoding: 'utf8' });
  const odd = `/tmp/x/My Project 'q' "dq" Zoë`;
  const weird = '/a\tb\nc\\d \\040e';
  for (const p of [odd, weird]) {
    const line = sharesTable([{ hostPath: p, guestPath: p, tag: 'berth0' }]);
    assert.equal(unescape(line.slice('berth0\t'.length, -1)), p);
  }
  // As /proc/mounts shows the odd folder's mount point.
  assert.equal(unescape(`/tmp/x/My\\040Project\\040'q'\\040"dq"\\040Zoë`), odd);
});

const SECRET = 'ab'.repeat(32);

test("the engine's direct path: a loopback forward to the proxy's port, its port and secret through fw_cfg", () => {
  const argv = buildQemuArgv({
    spec: spec({ enginePort: 52399, guestConfig: { ...spec().guestConfig, engineSecret: SECRET } }),
    accel: 'tcg',
    files,
    qmp: unixQmp,
  });
  assert.equal(
    argv[argv.indexOf('-netdev') + 1],
    'user,id=net0,hostfwd=tcp:127.0.0.1:52022-:22,hostfwd=tcp:127.0.0.1:52399-:2399',
  );
  const fw = argv.filter((_, i) => argv[i - 1] === '-fw_cfg');
  // The secret goes as a file (0600 in the machine folder), never on the command line, where any user could read it.
  assert.deepEqual(fw.slice(3), [
    'name=opt/berth/engine-proxy,string=2399',
    `name=opt/berth/engine-proxy-secret,file=${dir}/guest/engine_secret`,
  ]);
  assert.equal(
    argv.some((a) => a.includes(SECRET)),
    false,
  );
});

test('no direct path without both its port and its secret', () => {
  for (const over of [{ enginePort: 52399 }, { guestConfig: { ...spec().guestConfig, engineSecret: SECRET } }]) {
    const argv = buildQemuArgv({ spec: spec(over), accel: 'tcg', files, qmp: unixQmp });
    assert.equal(argv[argv.indexOf('-netdev') + 1], 'user,id=net0,hostfwd=tcp:127.0.0.1:52022-:22');
    assert.equal(argv.filter((a) => a.includes('engine-proxy')).length, 0);
  }
});

test("the other architecture's interpreter: a read-only disk the guest finds by serial, only when the image has it", () => {
  const argv = (binfmt?: string) =>
    buildQemuArgv({
      spec: spec({ image: { ...spec().image, ...(binfmt ? { binfmt } : {}) } }),
      accel: 'tcg',
      files,
      qmp: unixQmp,
    });
  const withIt = argv('/img,1/binfmt.squashfs');
  const at = withIt.indexOf('file=/img,,1/binfmt.squashfs,if=none,id=binfmt,format=raw,readonly=on');
  assert.ok(at > 0, 'the binfmt drive, its comma doubled');
  assert.equal(withIt[at - 1], '-drive');
  assert.deepEqual(withIt.slice(at + 1, at + 3), ['-device', 'virtio-blk-pci,drive=binfmt,serial=berth-binfmt']);
  // Without it the argv is the one before: nothing else moves.
  const without = argv();
  assert.deepEqual(
    withIt.filter((_, i) => i < at - 1 || i > at + 2),
    without,
  );
  assert.ok(!without.some((a) => a.includes('binfmt')));
});
