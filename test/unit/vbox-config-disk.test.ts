import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { configDiskImage, writeConfigDisk } from '../../app/driver/virtualbox/config-disk';
import { vboxSpec } from '../helpers/vbox-spec';

const made: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-vbox-config-'));
  made.push(d);
  return d;
};
after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** The label line of sector 0, and the archive it announces. */
function split(disk: Buffer): { label: string; tar: Buffer } {
  const label = disk.subarray(0, 512).toString('ascii').split('\n')[0];
  const bytes = Number(label.split(' ')[2]);
  return { label, tar: disk.subarray(512, 512 + bytes) };
}

/** Extracts an archive with a real tar program; the files by name. */
function extract(tarProgram: string[], tar: Buffer): Map<string, { text: string; mode: number }> {
  const dir = tmp();
  const r = spawnSync(tarProgram[0], [...tarProgram.slice(1), '-x', '-C', dir], { input: tar });
  assert.equal(r.status, 0, String(r.stderr));
  const out = new Map<string, { text: string; mode: number }>();
  for (const name of fs.readdirSync(dir))
    out.set(name, {
      text: fs.readFileSync(path.join(dir, name), 'utf8'),
      mode: fs.statSync(path.join(dir, name)).mode & 0o777,
    });
  return out;
}

test('the label sector, then a tar of the fw_cfg entries by their names, to a whole MiB', () => {
  const spec = vboxSpec(tmp());
  const disk = configDiskImage(spec);
  assert.equal(disk.length % (1024 * 1024), 0);
  const { label, tar } = split(disk);
  assert.match(label, /^BERTH-CONFIG 1 \d+$/);
  assert.equal(tar.length % 512, 0);
  assert.ok(disk.subarray(512 + tar.length).every((b) => b === 0));
  const files = extract(['tar'], tar);
  assert.deepEqual([...files.keys()].sort(), [
    'authorized_keys',
    'daemon.json',
    'engine-proxy',
    'engine-proxy-secret',
    'hostname',
    'shares',
    'shares-fs',
    'ssh_host_key',
  ]);
  // The same bytes QEMU's fw_cfg entries carry.
  assert.equal(files.get('authorized_keys')!.text, spec.guestConfig.authorizedKeys);
  assert.equal(files.get('hostname')!.text, 'berth');
  assert.equal(files.get('daemon.json')!.text, '{}\n');
  assert.equal(files.get('ssh_host_key')!.text, spec.guestConfig.hostKey);
  assert.equal(files.get('engine-proxy')!.text, '2399');
  assert.equal(files.get('engine-proxy-secret')!.text, 'ab'.repeat(32) + '\n');
  assert.equal(files.get('shares')!.text, 'berth0\t/home/u/My Projects\n');
  assert.equal(files.get('shares-fs')!.text, 'vboxsf');
  for (const [name, f] of files) assert.equal(f.mode, 0o600, name);
});

test('what a machine lacks is left out: no shares, no host key, no direct path', () => {
  const spec = vboxSpec(tmp(), { shares: [], enginePort: undefined });
  delete spec.guestConfig.hostKey;
  const files = extract(['tar'], split(configDiskImage(spec)).tar);
  assert.deepEqual([...files.keys()].sort(), ['authorized_keys', 'daemon.json', 'hostname']);
});

test(
  "busybox's tar reads it too, as the guest will",
  { skip: !hasBusybox() && 'busybox is not installed here' },
  () => {
    const files = extract(['busybox', 'tar'], split(configDiskImage(vboxSpec(tmp()))).tar);
    assert.equal(files.get('hostname')!.text, 'berth');
    assert.equal(files.size, 8);
  },
);

test('the file is private to the user and written afresh', async () => {
  const dir = tmp();
  const file = path.join(dir, 'config-disk.img');
  fs.writeFileSync(file, 'x'.repeat(3 * 1024 * 1024), { mode: 0o644 });
  await writeConfigDisk(file, vboxSpec(dir));
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.equal(fs.statSync(file).size, 1024 * 1024);
});

function hasBusybox(): boolean {
  return spawnSync('busybox', ['tar', '--help']).error === undefined;
}
