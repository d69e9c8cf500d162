import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as cmd from '../../app/driver/virtualbox/commands';
import { findVBoxManage, vboxManageCandidates } from '../../app/driver/virtualbox/find-vboxmanage';
import { vboxVmName } from '../../app/driver/virtualbox/vbox-driver';

const vm = 'berth-default-1234abcd';

test('creating the VM: Linux_64, its settings in the machine folder, BIOS, the devices the guest has built in', () => {
  assert.deepEqual(cmd.createVm(vm, '/m/vbox'), [
    'createvm',
    '--name',
    vm,
    '--basefolder',
    '/m/vbox',
    '--ostype',
    'Linux_64',
    '--register',
  ]);
  assert.deepEqual(cmd.modifyHardware(vm, { cpus: 2, memoryMiB: 2048, console: '/m/console.log' }), [
    'modifyvm',
    vm,
    '--firmware',
    'bios',
    '--cpus',
    '2',
    '--memory',
    '2048',
    '--acpi',
    'on',
    '--ioapic',
    'on',
    '--rtcuseutc',
    'on',
    '--boot1',
    'dvd',
    '--boot2',
    'disk',
    '--boot3',
    'none',
    '--boot4',
    'none',
    '--nic1',
    'nat',
    '--nictype1',
    '82540EM',
    '--cableconnected1',
    'on',
    '--natdnshostresolver1',
    'on',
    '--uart1',
    '0x3F8',
    '4',
    '--uartmode1',
    'file',
    '/m/console.log',
  ]);
  assert.deepEqual(cmd.addController(vm), [
    'storagectl',
    vm,
    '--name',
    'SATA',
    '--add',
    'sata',
    '--controller',
    'IntelAhci',
    '--portcount',
    '3',
    '--hostiocache',
    'on',
  ]);
});

test('the ISO, the data disk and the config disk on the SATA controller', () => {
  const at = (port: number) => ['storageattach', vm, '--storagectl', 'SATA', '--port', String(port), '--device', '0'];
  assert.deepEqual(cmd.attachIso(vm, '/img/berth.iso'), [...at(0), '--type', 'dvddrive', '--medium', '/img/berth.iso']);
  assert.deepEqual(cmd.attachDataDisk(vm, '/m/data.vdi'), [
    ...at(1),
    '--type',
    'hdd',
    '--medium',
    '/m/data.vdi',
    '--discard',
    'on',
    '--nonrotational',
    'on',
  ]);
  assert.deepEqual(cmd.attachConfigDisk(vm, '/m/config-disk.vdi'), [
    ...at(2),
    '--type',
    'hdd',
    '--medium',
    '/m/config-disk.vdi',
  ]);
  assert.deepEqual(cmd.detach(vm, 2), [...at(2), '--medium', 'none']);
});

test('disks: create, read, grow (MiB), forget, convert from raw', () => {
  assert.deepEqual(cmd.createDisk('/m/data.vdi', 65536), [
    'createmedium',
    'disk',
    '--filename',
    '/m/data.vdi',
    '--size',
    '65536',
    '--format',
    'VDI',
  ]);
  assert.deepEqual(cmd.showDisk('/m/data.vdi'), ['showmediuminfo', 'disk', '/m/data.vdi']);
  assert.deepEqual(cmd.resizeDisk('/m/data.vdi', 81920), ['modifymedium', 'disk', '/m/data.vdi', '--resize', '81920']);
  assert.deepEqual(cmd.closeDisk('/m/c.vdi'), ['closemedium', 'disk', '/m/c.vdi', '--delete']);
  assert.deepEqual(cmd.convertFromRaw('/m/c.img', '/m/c.vdi'), [
    'convertfromraw',
    '/m/c.img',
    '/m/c.vdi',
    '--format',
    'VDI',
  ]);
});

test("NAT rules: the host's side on 127.0.0.1 only, set on a stopped VM or a running one", () => {
  const rule = cmd.natRule('ssh', 'tcp', 40022, 22);
  assert.equal(rule, 'ssh,tcp,127.0.0.1,40022,,22');
  assert.deepEqual(cmd.addNatRule(vm, rule), ['modifyvm', vm, '--natpf1', rule]);
  assert.deepEqual(cmd.deleteNatRule(vm, 'ssh'), ['modifyvm', vm, '--natpf1', 'delete', 'ssh']);
  const udp = cmd.natRule(cmd.udpRule(5353), 'udp', 5353, 53);
  assert.equal(udp, 'udp-5353,udp,127.0.0.1,5353,,53');
  assert.deepEqual(cmd.addRunningNatRule(vm, udp), ['controlvm', vm, 'natpf1', udp]);
  assert.deepEqual(cmd.deleteRunningNatRule(vm, 'udp-5353'), ['controlvm', vm, 'natpf1', 'delete', 'udp-5353']);
});

test('shared folders by tag, not automounted, symlinks allowed', () => {
  const share = { hostPath: '/home/u/My Projects', guestPath: '/home/u/My Projects', tag: 'berth0' };
  assert.deepEqual(cmd.addShare(vm, share), [
    'sharedfolder',
    'add',
    vm,
    '--name',
    'berth0',
    '--hostpath',
    '/home/u/My Projects',
  ]);
  assert.deepEqual(cmd.removeShare(vm, 'berth0'), ['sharedfolder', 'remove', vm, '--name', 'berth0']);
  assert.deepEqual(cmd.allowSymlinks(vm, 'berth0'), [
    'setextradata',
    vm,
    'VBoxInternal2/SharedFoldersEnableSymlinksCreate/berth0',
    '1',
  ]);
});

test('start, stop, save, forget, delete', () => {
  assert.deepEqual(cmd.startHeadless(vm), ['startvm', vm, '--type', 'headless']);
  assert.deepEqual(cmd.powerButton(vm), ['controlvm', vm, 'acpipowerbutton']);
  assert.deepEqual(cmd.powerOff(vm), ['controlvm', vm, 'poweroff']);
  assert.deepEqual(cmd.saveState(vm), ['controlvm', vm, 'savestate']);
  assert.deepEqual(cmd.discardState(vm), ['discardstate', vm]);
  assert.deepEqual(cmd.unregister(vm), ['unregistervm', vm, '--delete']);
  assert.deepEqual(cmd.showVmInfo(vm), ['showvminfo', vm, '--machinereadable']);
  assert.deepEqual(cmd.version(), ['--version']);
});

test("a VM's name: the machine's, and its folder's hash so two Berth homes never share one", () => {
  assert.match(vboxVmName({ name: 'default', dir: '/a/machines/default' }), /^berth-default-[0-9a-f]{8}$/);
  assert.notEqual(
    vboxVmName({ name: 'default', dir: '/a/machines/default' }),
    vboxVmName({ name: 'default', dir: '/b/machines/default' }),
  );
});

test('VBoxManage is looked for where each installer puts it, then on PATH', () => {
  const files = new Set<string>();
  const host = (platform: NodeJS.Platform, env: NodeJS.ProcessEnv) => ({
    platform,
    env,
    isFile: (p: string) => files.has(p),
  });
  assert.deepEqual(vboxManageCandidates(host('darwin', { PATH: '/opt/homebrew/bin:/usr/bin' })), [
    '/Applications/VirtualBox.app/Contents/MacOS/VBoxManage',
    '/usr/local/bin/VBoxManage',
    '/opt/homebrew/bin/VBoxManage',
    '/usr/bin/VBoxManage',
  ]);
  assert.deepEqual(
    vboxManageCandidates(
      host('win32', { VBOX_MSI_INSTALL_PATH: 'D:\\VirtualBox\\', VBOX_INSTALL_PATH: 'E:\\VB', Path: 'C:\\Windows' }),
    ),
    [
      'D:\\VirtualBox\\VBoxManage.exe',
      'E:\\VB\\VBoxManage.exe',
      'C:\\Program Files\\Oracle\\VirtualBox\\VBoxManage.exe',
      'C:\\Windows\\VBoxManage.exe',
    ],
  );
  assert.deepEqual(vboxManageCandidates(host('linux', { PATH: '/usr/bin' })), [
    '/usr/bin/VBoxManage',
    '/usr/bin/vboxmanage',
  ]);
  files.add('/usr/bin/vboxmanage');
  assert.equal(findVBoxManage(host('linux', { PATH: '/usr/bin' })), '/usr/bin/vboxmanage');
});

test('no VirtualBox: one line saying how to install it on this platform', () => {
  const none = (platform: NodeJS.Platform) => ({ platform, env: { PATH: '/x' }, isFile: () => false });
  assert.throws(() => findVBoxManage(none('linux')), {
    code: 'EVBOXMISSING',
    message:
      "VirtualBox is not installed (VBoxManage not found): install it from https://www.virtualbox.org/wiki/Linux_Downloads (Debian's main archive has none).",
  });
  assert.throws(() => findVBoxManage(none('darwin')), /brew install --cask virtualbox/);
  assert.throws(() => findVBoxManage(none('win32')), /winget install Oracle\.VirtualBox/);
});
