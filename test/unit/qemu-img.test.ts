import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isUserError } from '../../app/base/errors';
import { parseQemuImgInfo, QemuImg } from '../../app/driver/qemu/qemu-img';
import type { RunResult, Runner } from '../../app/base/run';
import { fixture } from '../fixtures/qemu/load';

/** A runner that checks each call's exact argv and answers with captured output. */
function scripted(steps: Array<{ args: string[]; result: Partial<RunResult> }>): Runner & { left: () => number } {
  const queue = [...steps];
  const run = (async (file: string, args: string[]) => {
    const step = queue.shift();
    assert.ok(step, `unexpected call: ${file} ${args.join(' ')}`);
    assert.equal(file, '/usr/bin/qemu-img');
    assert.deepEqual(args, step.args);
    return { stdout: '', stderr: '', code: 0, ...step.result };
  }) as Runner & { left: () => number };
  run.left = () => queue.length;
  return run;
}

const disk = '/m/data.qcow2';
const info20 = fixture('qemu-img-info-20G.json');

test('parses captured `qemu-img info --output=json`', () => {
  assert.deepEqual(parseQemuImgInfo(info20), {
    virtualSizeBytes: 21474836480,
    format: 'qcow2',
    actualSizeBytes: 200704,
  });
  assert.equal(parseQemuImgInfo(fixture('qemu-img-info-40G-force-share.json')).virtualSizeBytes, 40 * 1024 ** 3);
  assert.throws(() => parseQemuImgInfo('qemu-img: oops'), /not JSON/);
});

test('create: qcow2 of the given size in GiB', async () => {
  const run = scripted([{ args: ['create', '-q', '-f', 'qcow2', disk, '20G'], result: {} }]);
  await new QemuImg(run, '/usr/bin/qemu-img').create(disk, 20);
  assert.equal(run.left(), 0);
});

test('grow: same size does nothing beyond reading it (with -U, works while QEMU runs)', async () => {
  const run = scripted([{ args: ['info', '-U', '--output=json', disk], result: { stdout: info20 } }]);
  assert.equal(await new QemuImg(run, '/usr/bin/qemu-img').grow(disk, 20), 'unchanged');
  assert.equal(run.left(), 0);
});

test('grow: bigger resizes', async () => {
  const run = scripted([
    { args: ['info', '-U', '--output=json', disk], result: { stdout: info20 } },
    { args: ['resize', '-q', '-f', 'qcow2', disk, '40G'], result: {} },
  ]);
  assert.equal(await new QemuImg(run, '/usr/bin/qemu-img').grow(disk, 40), 'grown');
  assert.equal(run.left(), 0);
});

test('grow: smaller is refused with a UserError, and qemu-img resize is never run', async () => {
  const run = scripted([{ args: ['info', '-U', '--output=json', disk], result: { stdout: info20 } }]);
  await assert.rejects(new QemuImg(run, '/usr/bin/qemu-img').grow(disk, 10), (e: unknown) => {
    assert.ok(isUserError(e));
    assert.equal((e as Error).message, 'The disk is 20 GiB and cannot shrink to 10 GiB: disks can only grow.');
    return true;
  });
});

test('a qemu-img failure becomes a one-line UserError with its first stderr line', async () => {
  const stderr = fixture('qemu-img-info-locked.stderr.txt');
  const run = scripted([{ args: ['info', '-U', '--output=json', disk], result: { code: 1, stderr } }]);
  await assert.rejects(new QemuImg(run, '/usr/bin/qemu-img').info(disk), (e: unknown) => {
    assert.ok(isUserError(e));
    assert.equal(
      (e as Error).message,
      `Could not read the data disk: qemu-img: Could not open 'd.qcow2': Failed to get shared "write" lock`,
    );
    assert.match((e as { details?: string }).details ?? '', /Is another process using the image/);
    return true;
  });
});
