// Saved memory: what it must fit to be resumed, how it is committed and thrown away, and
// QEMU 7.2's answers to query-migrate as captured from qemu-system-x86_64
// (Debian 1:7.2+dfsg-7+deb12u18) over QMP.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { migrationInfo } from '../../app/driver/qemu/migration';
import {
  commitSaved,
  diskStamp,
  discardSaved,
  fitOf,
  readSavedMeta,
  savedVmFiles,
  shellQuote,
  unfit,
  type FitInput,
} from '../../app/driver/qemu/saved-vm';

function folder(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'berth-saved-'));
}

function fitInput(
  dir: string,
  args: string[] = ['-m', '2048', '-netdev', 'user,id=net0,hostfwd=tcp:127.0.0.1:41022-:22'],
): FitInput {
  const kernel = path.join(dir, 'vmlinuz');
  const keys = path.join(dir, 'authorized_keys');
  if (!fs.existsSync(kernel)) fs.writeFileSync(kernel, 'kernel');
  if (!fs.existsSync(keys)) fs.writeFileSync(keys, 'ssh-ed25519 AAAA one');
  return {
    program: '/usr/bin/qemu-system-x86_64',
    qemuVersion: '7.2.18',
    accel: 'tcg',
    args,
    images: [kernel],
    configs: [keys],
  };
}

test('the fit leaves out the ports picked at each start and the -incoming of a resume', () => {
  const dir = folder();
  const base = fitOf(fitInput(dir));
  const otherPorts = fitOf(
    fitInput(dir, ['-m', '2048', '-netdev', 'user,id=net0,hostfwd=tcp:127.0.0.1:50000-:22', '-incoming', 'defer']),
  );
  assert.equal(otherPorts, base);
});

test('the fit changes with the memory size, the accelerator, QEMU, an image file and the guest config', () => {
  const dir = folder();
  const base = fitOf(fitInput(dir));
  assert.notEqual(
    fitOf(fitInput(dir, ['-m', '4096', '-netdev', 'user,id=net0,hostfwd=tcp:127.0.0.1:41022-:22'])),
    base,
  );
  assert.notEqual(fitOf({ ...fitInput(dir), accel: 'kvm' }), base);
  assert.notEqual(fitOf({ ...fitInput(dir), qemuVersion: '8.2.0' }), base);
  fs.writeFileSync(path.join(dir, 'authorized_keys'), 'ssh-ed25519 AAAA two');
  const newKey = fitOf(fitInput(dir));
  assert.notEqual(newKey, base);
  // The same bytes written again (as every start does) keep the fit.
  fs.writeFileSync(path.join(dir, 'authorized_keys'), 'ssh-ed25519 AAAA two');
  assert.equal(fitOf(fitInput(dir)), newKey);
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(path.join(dir, 'vmlinuz'), later, later);
  assert.notEqual(fitOf(fitInput(dir)), newKey, 'a rebuilt image');
});

test('unfit says why saved memory cannot be resumed: no description, another fit, a changed disk', () => {
  const meta = {
    version: 1 as const,
    fit: 'abc',
    disk: { size: 100, mtimeMs: 5 },
    savedAt: '2026-11-25T06:00:00.000Z',
    bytes: 10,
  };
  assert.equal(unfit(meta, 'abc', { size: 100, mtimeMs: 5 }), undefined);
  assert.match(unfit(undefined, 'abc', { size: 100, mtimeMs: 5 })!, /description is missing/);
  assert.match(unfit(meta, 'abd', { size: 100, mtimeMs: 5 })!, /image, QEMU or the machine settings changed/);
  assert.match(unfit(meta, 'abc', { size: 101, mtimeMs: 5 })!, /data disk changed/);
  assert.match(unfit(meta, 'abc', { size: 100, mtimeMs: 6 })!, /data disk changed/);
  assert.match(unfit(meta, 'abc', undefined)!, /data disk changed/);
});

test('a stream becomes saved memory only with its description; discard removes every piece', async () => {
  const dir = folder();
  const files = savedVmFiles(dir);
  fs.writeFileSync(files.partial, 'stream');
  assert.equal(readSavedMeta(files), undefined, 'a partial stream is not saved memory');
  const disk = path.join(dir, 'data.qcow2');
  fs.writeFileSync(disk, 'disk');
  const meta = {
    version: 1 as const,
    fit: 'f',
    disk: await diskStamp(disk),
    savedAt: new Date().toISOString(),
    bytes: 6,
  };
  await commitSaved(files, meta);
  assert.deepEqual(readSavedMeta(files), meta);
  assert.equal(fs.existsSync(files.partial), false);
  assert.equal(fs.statSync(files.meta).mode & 0o777, 0o600);
  fs.rmSync(files.meta);
  assert.equal(
    unfit(readSavedMeta(files), 'f', await diskStamp(disk))?.includes('description'),
    true,
    'a stream without its description is never resumed',
  );
  fs.writeFileSync(files.partial, 'x');
  await discardSaved(files);
  assert.deepEqual(
    fs.readdirSync(dir),
    ['authorized_keys', 'data.qcow2', 'vmlinuz'].filter((f) => fs.existsSync(path.join(dir, f))),
  );
});

test('paths reach /bin/sh as one argument, quotes and spaces included', () => {
  assert.equal(
    shellQuote('/Users/a b/Library/Application Support/berth/saved-vm.state'),
    `'/Users/a b/Library/Application Support/berth/saved-vm.state'`,
  );
  assert.equal(shellQuote(`/tmp/it's`), `'/tmp/it'\\''s'`);
});

test("query-migrate: completed with its size, failed with QEMU's reason, and before any migration", () => {
  const completed = JSON.parse(
    '{"status":"completed","setup-time":2,"downtime":47,"total-time":153,"ram":{"total":2148278272,"postcopy-requests":0,"dirty-sync-count":3,' +
      '"multifd-bytes":0,"pages-per-second":91980,"downtime-bytes":150597452,"page-size":4096,"remaining":0,"postcopy-bytes":0,"mbps":228.18,' +
      '"transferred":148643348,"dirty-sync-missed-zero-copy":0,"precopy-bytes":0,"duplicate":489336,"dirty-pages-rate":0,"skipped":0,"normal-bytes":143958016,"normal":35146}}',
  );
  assert.deepEqual(migrationInfo(completed), { status: 'completed', bytes: 148643348 });
  assert.deepEqual(migrationInfo({ status: 'failed', 'error-desc': 'Unable to write to command: Broken pipe' }), {
    status: 'failed',
    error: 'Unable to write to command: Broken pipe',
  });
  assert.deepEqual(migrationInfo({}), { status: 'none' });
});
