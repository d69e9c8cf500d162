// The benchmark per architecture (scripts/bench): which architectures `--arch` picks, the floor
// VMs' QEMU arguments for each, the closing table and the JSON, and the kernel floor made from an
// image's own busybox. No VM is booted here (`npm run bench` does that).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { floorQemuArgs } from '../../scripts/bench/core';
import { ArchResult, Figure, formatTable, resultsJson } from '../../scripts/bench/report';
import { benchTarget, parseArchList } from '../../scripts/bench/target';
import { buildImageFloorInitramfs } from '../../vm-images/build/floor';

test('--arch: both architectures by default, a list in the order given, Debian names too', () => {
  assert.deepEqual(parseArchList(['--quick']), ['x86_64', 'aarch64']);
  assert.deepEqual(parseArchList(['--arch', 'aarch64']), ['aarch64']);
  assert.deepEqual(parseArchList(['--arch=aarch64,x86_64']), ['aarch64', 'x86_64']);
  assert.deepEqual(parseArchList(['--arch', 'arm64,amd64,arm64']), ['aarch64', 'x86_64']);
  assert.throws(() => parseArchList(['--arch', 'riscv64']), /x86_64 and aarch64/);
  assert.throws(() => parseArchList(['--arch']), /x86_64 and aarch64/);
});

test('the floors boot on the board and CPU of a Berth machine of their architecture', () => {
  const args = floorQemuArgs('aarch64', '/i/vmlinuz', '/i/floor.img', 'console=ttyAMA0', { memoryMiB: 2048, cpus: 2 });
  assert.deepEqual(args.slice(0, 6), [
    '-machine',
    'virt,highmem=on,gic-version=max',
    '-accel',
    'tcg,tb-size=64',
    '-cpu',
    'max,pauth-impdef=on',
  ]);
  assert.deepEqual(args.slice(-6), ['-kernel', '/i/vmlinuz', '-initrd', '/i/floor.img', '-append', 'console=ttyAMA0']);
  const x86 = floorQemuArgs('x86_64', '/i/vmlinuz', '/i/floor.img', 'console=ttyS0', { memoryMiB: 2048, cpus: 2 });
  assert.deepEqual(x86.slice(0, 6), ['-machine', 'q35,hpet=off', '-accel', 'tcg,tb-size=64', '-cpu', 'max']);
});

test('a missing image is one line naming the command that builds it', (t) => {
  const saved = process.env.BERTH_IMAGE_DIR;
  process.env.BERTH_IMAGE_DIR = path.join(os.tmpdir(), 'no-such-berth-image');
  t.after(() => (saved === undefined ? delete process.env.BERTH_IMAGE_DIR : (process.env.BERTH_IMAGE_DIR = saved)));
  // The checkout's vm-images/out-aarch64 may hold a real image: only check the message when it does not.
  try {
    const found = benchTarget('aarch64');
    assert.equal(found.qemu, 'qemu-system-aarch64');
    assert.match(found.floorDir, /out[/\\]bench[/\\]floor-aarch64$/);
  } catch (e) {
    assert.equal((e as Error).name, 'UserError');
    assert.doesNotMatch((e as Error).message, /\n/);
    assert.match((e as Error).message, /npm run build:vm -- --arch aarch64/);
  }
});

const fig = (over: Partial<Figure>): Figure => ({
  name: 'boot: fresh',
  short: 'fresh boot / engine floor',
  value: 6,
  unit: 's',
  reference: 5,
  referenceName: 'engine floor',
  target: { op: '<=', ratio: 1.3 },
  ...over,
});

test('the closing table: a row per figure, a column per architecture, skipped and x86-only cells', () => {
  const results: ArchResult[] = [
    {
      arch: 'x86_64',
      image: '/r/vm-images/out',
      figures: [fig({}), fig({ name: 'bulk load', short: 'bulk docker load', value: 14, reference: 10 })],
      notes: [],
    },
    { arch: 'aarch64', image: '/r/vm-images/out-aarch64', figures: [fig({ value: 30, reference: 20 })], notes: [] },
  ];
  const lines = formatTable(results).split('\n');
  assert.match(lines[0], /^figure .*\| x86_64 +\| aarch64$/);
  assert.match(
    lines[2],
    /^fresh boot \/ engine floor +\| 6\.00 \/ 5\.00 s = 1\.20x met +\| 30\.00 \/ 20\.00 s = 1\.50x NOT met$/,
  );
  assert.match(lines[3], /^bulk docker load +\| 14\.00 \/ 10\.00 s = 1\.40x NOT met +\| x86_64 only$/);
  const skipped = formatTable([results[0], { arch: 'aarch64', figures: [], notes: [], skipped: 'no image' }]);
  assert.match(skipped.split('\n')[2], /\| skipped$/);
});

test('the JSON holds each architecture apart, with ratio and verdict, or why it was skipped', () => {
  const json = JSON.parse(
    resultsJson(
      [
        { arch: 'x86_64', image: '/r/out', figures: [fig({})], notes: ['first boot 9 s'] },
        { arch: 'aarch64', figures: [], notes: [], skipped: 'no aarch64 VM image found' },
      ],
      { quick: true },
    ),
  );
  assert.deepEqual(Object.keys(json.architectures), ['x86_64', 'aarch64']);
  assert.equal(json.options.quick, true);
  const [f] = json.architectures.x86_64.figures;
  assert.equal(f.short, 'fresh boot / engine floor');
  assert.equal(f.ratio, 1.2);
  assert.equal(f.met, true);
  assert.deepEqual(json.architectures.x86_64.notes, ['first boot 9 s']);
  assert.deepEqual(json.architectures.aarch64, { skipped: 'no aarch64 VM image found' });
});

/** The names of a newc cpio's entries (enough of the format for this test). */
function cpioNames(buf: Buffer): string[] {
  const names: string[] = [];
  const pad4 = (n: number) => (n + 3) & ~3;
  for (let off = 0; off < buf.length;) {
    const hex = (i: number) => parseInt(buf.toString('ascii', off + 6 + i * 8, off + 14 + i * 8), 16);
    const size = hex(6);
    const nameLen = hex(11);
    const name = buf.toString('utf8', off + 110, off + 110 + nameLen - 1);
    if (name === 'TRAILER!!!') break;
    names.push(name);
    off = pad4(pad4(off + 110 + nameLen) + size);
  }
  return names;
}

test("the kernel floor is made from the image's own busybox, and kept until the image's root changes", async (t) => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'floor-test-'));
  t.after(() => fs.rmSync(work, { recursive: true, force: true }));
  const root = path.join(work, 'root');
  fs.mkdirSync(path.join(root, 'usr/bin'), { recursive: true });
  fs.writeFileSync(path.join(root, 'usr/bin/busybox'), 'not really busybox', { mode: 0o755 });
  const image = path.join(work, 'image');
  fs.mkdirSync(image);
  const squash = () =>
    execFileSync('mksquashfs', [root, path.join(image, 'rootfs.squashfs'), '-noappend', '-quiet', '-comp', 'gzip'], {
      stdio: 'ignore',
    });
  squash();
  const out = path.join(work, 'floor');
  const initrd = await buildImageFloorInitramfs(image, out);
  assert.equal(initrd, path.join(out, 'floor-initrd.img'));
  const cpio = gunzipSync(fs.readFileSync(initrd));
  assert.deepEqual(cpioNames(cpio).sort(), ['bin', 'bin/busybox', 'dev', 'dev/console', 'init', 'proc']);
  assert.ok(cpio.includes('not really busybox'));
  // Kept: the same root gives the same file, untouched.
  const before = fs.statSync(initrd).mtimeMs;
  await new Promise((r) => setTimeout(r, 20));
  await buildImageFloorInitramfs(image, out);
  assert.equal(fs.statSync(initrd).mtimeMs, before);
  // A new root makes it again.
  fs.writeFileSync(path.join(root, 'usr/bin/busybox'), 'another busybox', { mode: 0o755 });
  squash();
  await buildImageFloorInitramfs(image, out);
  assert.ok(gunzipSync(fs.readFileSync(initrd)).includes('another busybox'));
  // An image without busybox: one line saying so.
  fs.rmSync(path.join(root, 'usr/bin/busybox'));
  squash();
  await assert.rejects(buildImageFloorInitramfs(image, out), /has no \/usr\/bin\/busybox/);
});
