// The real VirtualBox driver class, driven through a machine's life by a fake VBoxManage that
// replays captured VirtualBox output (test/fixtures/virtualbox) and records every argv.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { vboxVmName, VBoxDriver } from '../../app/driver/virtualbox/vbox-driver';
import { FAKE_VBOXMANAGE } from '../fixtures/virtualbox/load';
import { vboxSpec } from '../helpers/vbox-spec';

let root: string;
let calls: () => string[][];
before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-vbox-driver-'));
  process.env.FAKE_VBOX_DIR = root;
  calls = () => {
    const log = path.join(root, 'calls.log');
    const lines = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : [];
    fs.rmSync(log, { force: true });
    return lines.map((l) => JSON.parse(l) as string[]);
  };
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

const has = (all: string[][], argv: string[]) =>
  assert.ok(
    all.some((c) => JSON.stringify(c) === JSON.stringify(argv)),
    `expected ${argv.join(' ')} among:\n${all.map((c) => c.join(' ')).join('\n')}`,
  );

test('create, start, inspect, suspend, resume, stop and delete a machine through VBoxManage', async () => {
  const dir = path.join(root, 'machines', 'default');
  const share = path.join(root, 'My Projects');
  fs.mkdirSync(share, { recursive: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'berth.iso'), '');
  const spec = vboxSpec(dir, {
    shares: [
      { hostPath: share, guestPath: share, tag: 'berth0' },
      { hostPath: path.join(root, 'gone'), guestPath: path.join(root, 'gone'), tag: 'berth1' },
    ],
  });
  const vm = vboxVmName(spec);
  const driver = new VBoxDriver({ program: FAKE_VBOXMANAGE, pollMs: 5 });

  await driver.validate('x86_64');
  await assert.rejects(driver.validate('aarch64'), {
    code: 'EVBOXARCH',
    message: /VirtualBox machines are x86_64 only/,
  });
  calls();

  assert.equal(await driver.inspect(spec), 'absent');
  const notes: string[] = [];
  assert.deepEqual(await driver.start(spec, (m) => notes.push(m)), { accel: 'virtualbox' });
  let c = calls();
  has(c, [
    'createmedium',
    'disk',
    '--filename',
    path.join(dir, 'data.vdi'),
    '--size',
    String(22 * 1024),
    '--format',
    'VDI',
  ]);
  has(c, ['createvm', '--name', vm, '--basefolder', path.join(dir, 'vbox'), '--ostype', 'Linux_64', '--register']);
  has(c, [
    'storageattach',
    vm,
    '--storagectl',
    'SATA',
    '--port',
    '0',
    '--device',
    '0',
    '--type',
    'dvddrive',
    '--medium',
    spec.image.iso!,
  ]);
  has(c, ['modifyvm', vm, '--natpf1', 'ssh,tcp,127.0.0.1,40022,,22']);
  has(c, ['modifyvm', vm, '--natpf1', 'engine,tcp,127.0.0.1,40399,,2399']);
  has(c, ['sharedfolder', 'add', vm, '--name', 'berth0', '--hostpath', share]);
  assert.ok(!c.some((a) => a.includes('berth1')), 'a folder that is not there is not shared');
  assert.deepEqual(notes, [`Shared folder ${path.join(root, 'gone')} is not there: not shared this time`]);
  assert.deepEqual(c[c.length - 1], ['startvm', vm, '--type', 'headless']);
  // The config disk: converted from a raw disk that is gone now, private, and readable with tar.
  const configDisk = path.join(dir, 'config-disk.vdi');
  assert.equal(fs.existsSync(path.join(dir, 'config-disk.img')), false);
  assert.equal(fs.statSync(configDisk).mode & 0o777, 0o600);
  const disk = fs.readFileSync(configDisk);
  const bytes = Number(disk.subarray(0, 512).toString('ascii').split('\n')[0].split(' ')[2]);
  const list = spawnSync('tar', ['-t'], { input: disk.subarray(512, 512 + bytes), encoding: 'utf8' });
  assert.match(list.stdout, /^hostname$/m);

  // What VirtualBox says, every time.
  assert.equal(await driver.inspect(spec), 'running');
  assert.deepEqual(await driver.start(spec, () => undefined), {
    accel: 'virtualbox',
    note: 'the machine was already running',
  });
  await driver.forwardUdp(spec, 5353, 53);
  c = calls();
  has(c, ['controlvm', vm, 'natpf1', 'udp-5353,udp,127.0.0.1,5353,,53']);

  await driver.suspend(spec);
  assert.equal(await driver.inspect(spec), 'stopped');
  assert.deepEqual(await driver.saved(spec), { savedAt: '2023-02-06T02:18:47.191Z', bytes: 0 });
  calls();
  // Resumed, with this start's ports put in once it runs: the saved VM cannot change before.
  const resumed = await driver.start({ ...spec, sshPort: 41022 }, (m) => notes.push(m));
  assert.deepEqual(resumed, { accel: 'virtualbox', resumed: true });
  c = calls();
  assert.ok(!c.some((a) => a[0] === 'modifyvm' || a[0] === 'storageattach'), 'a saved VM is resumed as it was');
  has(c, ['controlvm', vm, 'natpf1', 'delete', 'ssh']);
  has(c, ['controlvm', vm, 'natpf1', 'delete', 'udp-5353']);
  has(c, ['controlvm', vm, 'natpf1', 'ssh,tcp,127.0.0.1,41022,,22']);
  assert.equal(notes[notes.length - 1], 'Resuming the machine from its saved state');

  // Saved with other settings (berth set while it was saved): it boots afresh instead.
  await driver.suspend(spec);
  calls();
  assert.deepEqual(await driver.start({ ...spec, memoryMiB: 4096 }, (m) => notes.push(m)), { accel: 'virtualbox' });
  c = calls();
  has(c, ['discardstate', vm]);
  has(c, [
    'modifyvm',
    vm,
    '--firmware',
    'bios',
    '--cpus',
    '2',
    '--memory',
    '4096',
    ...c.find((a) => a[2] === '--firmware')!.slice(8),
  ]);
  assert.ok(notes.some((n) => n.startsWith('The machine was saved with other settings: booting afresh')));

  await driver.stop(spec, 2000);
  c = calls();
  has(c, ['controlvm', vm, 'acpipowerbutton']);
  assert.ok(!c.some((a) => a[2] === 'poweroff'), 'the guest powered off by itself');
  assert.equal(await driver.inspect(spec), 'stopped');
  assert.equal(await driver.saved(spec), undefined);

  // A stopped machine's disk grows (22 GiB, as showmediuminfo says, to 30); a saved one forgets its
  // saved state first (VirtualBox holds a saved VM's disk as it was), and boots afresh next.
  await driver.start(spec, () => undefined);
  await driver.suspend(spec);
  calls();
  await driver.createDisk({ ...spec, diskGiB: 30 });
  c = calls();
  has(c, ['discardstate', vm]);
  has(c, ['modifymedium', 'disk', path.join(dir, 'data.vdi'), '--resize', String(30 * 1024)]);
  assert.equal(await driver.saved(spec), undefined);

  await driver.delete(spec, true);
  c = calls();
  has(c, ['storageattach', vm, '--storagectl', 'SATA', '--port', '1', '--device', '0', '--medium', 'none']);
  has(c, ['unregistervm', vm, '--delete']);
  assert.ok(fs.existsSync(path.join(dir, 'data.vdi')), 'the data disk is kept when asked');
  assert.equal(fs.existsSync(configDisk), false);
  assert.equal(await driver.inspect(spec), 'stopped');
  await driver.delete(spec, false);
  assert.equal(await driver.inspect(spec), 'absent');
});

test("VirtualBox's errors are one line each, with its own text in the details", async () => {
  const dir = path.join(root, 'machines', 'novt');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'berth.iso'), '');
  const driver = new VBoxDriver({ program: FAKE_VBOXMANAGE });
  const spec = vboxSpec(dir, { shares: [] });
  process.env.FAKE_VBOX_FAIL = 'startvm:startvm-vmx-no-vmx.stderr.txt';
  try {
    await assert.rejects(
      driver.start(spec, () => undefined),
      (e: Error & { code: string; details: string }) => {
        assert.equal(e.code, 'EVBOXNOVT');
        assert.ok(!e.message.includes('\n'));
        assert.match(e.details, /VERR_VMX_NO_VMX/);
        return true;
      },
    );
  } finally {
    delete process.env.FAKE_VBOX_FAIL;
  }
  // No ISO to boot: said before anything is made.
  await driver.delete(spec, false);
  calls();
  await assert.rejects(
    driver.start({ ...spec, image: { ...spec.image, iso: undefined } }, () => undefined),
    {
      code: 'ENOISO',
    },
  );
  assert.ok(!calls().some((a) => a[0] === 'createvm'));
});
