import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  attached,
  isNotFound,
  natRuleNames,
  parseCapacityMiB,
  parseVBoxVersion,
  parseVmInfo,
  shareNames,
  stateChangedAt,
  vboxState,
  vmState,
} from '../../app/driver/virtualbox/vminfo';
import { parseLogPid } from '../../app/driver/virtualbox/vbox-driver';
import { vboxFixture } from '../fixtures/virtualbox/load';

test('a powered-off VM (VirtualBox 7.0): its state, when it changed, quoted keys, a value over two lines', () => {
  const info = parseVmInfo(vboxFixture('showvminfo-poweroff-7.0.txt'));
  assert.equal(vboxState(info), 'poweroff');
  assert.equal(vmState(info), 'stopped');
  assert.equal(stateChangedAt(info), '2023-02-06T02:18:47.191Z');
  assert.equal(
    info.get('SATA-0-0'),
    '/home/user/VirtualBox VMs/manjaro-gnome-x64-full-clean/manjaro-gnome-x64-full-clean-disk001.vdi',
  );
  assert.equal(attached(info, 0), info.get('SATA-0-0'));
  assert.equal(attached(info, 1), undefined);
  assert.equal(info.get('description'), 'name1=value1\nname2=value2');
  assert.equal(info.get('GuestMemoryBalloon'), '0', 'the line after the two-line value is read');
  assert.equal(
    info.get('BIOS NVRAM File'),
    '/home/user/VirtualBox VMs/manjaro-gnome-x64-full-clean/manjaro-gnome-x64-full-clean.nvram',
  );
  assert.equal(info.get('cpus'), '4');
  assert.deepEqual(natRuleNames(info), []);
  assert.deepEqual(shareNames(info), []);
});

test('a running VM on Windows: escaped backslashes undone, a value followed by more kept to its quotes', () => {
  const info = parseVmInfo(vboxFixture('showvminfo-running-windows.txt'));
  assert.equal(vmState(info), 'running');
  assert.equal(info.get('CfgFile'), 'C:\\Users\\kouzm\\VirtualBox VMs\\Xubuntu 22.04\\Xubuntu 22.04.vbox');
  // This key's value is not escaped by VBoxManage: read as it is.
  assert.equal(info.get('SATA-0-0'), 'C:\\Virtual Machines\\xubuntu22.04-3.vdi');
  assert.equal(info.get('VideoMode'), '1288,790,32');
  assert.equal(info.get('vrde'), 'off', 'the line after VideoMode is its own');
  assert.equal(info.get('GuestAdditionsFacility_VirtualBox Base Driver'), '50,1788999291495');
  assert.equal(info.get('IDE-1-0'), 'C:\\Program Files\\Oracle\\VirtualBox\\VBoxGuestAdditions.iso');
});

test("each of VirtualBox's states is running (a VM process) or stopped", () => {
  // VBoxManage's short state names, one line each (no whole capture of these states was found).
  const running = ['running', 'paused', 'starting', 'stopping', 'saving', 'restoring', 'livesnapshotting'];
  const stopped = ['poweroff', 'saved', 'aborted', 'abortedsaved', 'teleported', 'whatever', ''];
  for (const s of running) assert.equal(vmState(parseVmInfo(`VMState="${s}"\n`)), 'running', s);
  for (const s of stopped) assert.equal(vmState(parseVmInfo(`VMState="${s}"\n`)), 'stopped', s);
});

test("NAT rules and shared folders by name, in VBoxManage's machine-readable form", () => {
  const info = parseVmInfo(
    'Forwarding(0)="ssh,tcp,127.0.0.1,40022,,22"\nForwarding(1)="udp-5353,udp,127.0.0.1,5353,,5353"\n' +
      'SharedFolderNameMachineMapping1="berth0"\nSharedFolderPathMachineMapping1="/home/u"\n',
  );
  assert.deepEqual(natRuleNames(info), ['ssh', 'udp-5353']);
  assert.deepEqual(shareNames(info), ['berth0']);
});

test('a VM VirtualBox does not know', () => {
  assert.ok(isNotFound(vboxFixture('showvminfo-not-found.stderr.txt')));
  assert.ok(!isNotFound(vboxFixture('startvm-vmx-no-vmx.stderr.txt')));
});

test("a disk's capacity, VBoxManage's version, the VM process's id", () => {
  assert.equal(parseCapacityMiB(vboxFixture('showmediuminfo-windows.txt')), 22528);
  assert.equal(parseCapacityMiB('UUID: x\n'), undefined);
  assert.deepEqual(parseVBoxVersion(vboxFixture('version-7.0.12.txt')), { major: 7, minor: 0, text: '7.0.12r159484' });
  // A warning first: the version is the last line.
  assert.equal(parseVBoxVersion(vboxFixture('version-no-vboxdrv.txt'))?.text, '4.1.24r82872');
  assert.equal(parseVBoxVersion('VBoxManage: error: nope\n'), undefined);
  assert.equal(parseLogPid(vboxFixture('vbox-log-head-5.2.txt')), 8216);
  assert.equal(parseLogPid(''), undefined);
});
