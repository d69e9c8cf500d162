// The image build's architectures: --arch parsing, per-architecture output folders and the
// settings each build step takes from the target (kernel make arguments, configure, command line).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { ARCHES, archOfNode, buildHostProblem, outDirFor, parseArch, target } from '../../vm-images/build/arch';
import { sourceVersion } from '../../vm-images/build/busybox-applets';
import { kernelCmdline, kernelMeta } from '../../vm-images/build/config';
import { makeArgs } from '../../vm-images/build/kernel';
import { configureArgs } from '../../vm-images/build/static-iptables';

test('--arch takes Berth names, and Debian names as aliases, in both spellings', () => {
  assert.equal(parseArch(['--arch', 'aarch64'], 'x64'), 'aarch64');
  assert.equal(parseArch(['--arch=x86_64'], 'arm64'), 'x86_64');
  assert.equal(parseArch(['--force', '--arch', 'arm64'], 'x64'), 'aarch64');
  assert.equal(parseArch(['--arch', 'amd64'], 'arm64'), 'x86_64');
});

test("without --arch the build is for the host's architecture", () => {
  assert.equal(parseArch([], 'x64'), 'x86_64');
  assert.equal(parseArch(['--force'], 'arm64'), 'aarch64');
  assert.throws(() => parseArch([], 'riscv64'), /no image for this host's architecture \(riscv64\)/);
});

test('--arch refuses an unknown or missing value in one line', () => {
  assert.throws(() => parseArch(['--arch', 'armhf'], 'x64'), /unknown --arch armhf: x86_64 or aarch64/);
  assert.throws(() => parseArch(['--arch'], 'x64'), /--arch needs a value/);
  assert.throws(() => parseArch(['--arch', '--force'], 'x64'), /--arch needs a value/);
});

test("Node's architecture names map to Berth's", () => {
  assert.equal(archOfNode('x64'), 'x86_64');
  assert.equal(archOfNode('arm64'), 'aarch64');
  assert.equal(archOfNode('ia32'), undefined);
});

test('x86_64 keeps vm-images/out; aarch64 goes next to it, not inside it', () => {
  assert.equal(outDirFor('/r/vm-images', 'x86_64'), path.join('/r/vm-images', 'out'));
  assert.equal(outDirFor('/r/vm-images', 'aarch64'), path.join('/r/vm-images', 'out-aarch64'));
});

test("each target names Debian's architecture, multiarch triplet and ELF machine consistently", () => {
  const x86 = target('x86_64');
  const arm = target('aarch64');
  assert.deepEqual([x86.debian, x86.triplet, x86.goarch, x86.elfMachine], ['amd64', 'x86_64-linux-gnu', 'amd64', 62]);
  assert.deepEqual([arm.debian, arm.triplet, arm.goarch, arm.elfMachine], ['arm64', 'aarch64-linux-gnu', 'arm64', 183]);
  assert.equal(x86.toolPrefix, '', 'x86_64 is built with the host compiler');
  assert.equal(arm.toolPrefix, 'aarch64-linux-gnu-');
  for (const a of ARCHES) assert.equal(target(a).arch, a);
});

test('the kernel is cross-built for aarch64 as an uncompressed Image', () => {
  assert.deepEqual(makeArgs(target('x86_64')), ['ARCH=x86_64']);
  assert.deepEqual(makeArgs(target('aarch64')), ['ARCH=arm64', 'CROSS_COMPILE=aarch64-linux-gnu-']);
  assert.equal(target('x86_64').kernelImage, 'arch/x86/boot/bzImage');
  assert.equal(target('aarch64').kernelImage, 'arch/arm64/boot/Image');
  assert.equal(kernelMeta(target('aarch64')), 'linux-image-arm64');
});

test('the command line names the board UART: unchanged on x86_64, the PL011 on aarch64', () => {
  assert.equal(kernelCmdline(target('x86_64')), 'console=ttyS0 loglevel=4');
  assert.equal(kernelCmdline(target('aarch64')), 'console=ttyAMA0 loglevel=4');
});

test("iptables' configure gets --host and the cross compiler only for another architecture", () => {
  const x86 = configureArgs(target('x86_64'));
  const arm = configureArgs(target('aarch64'));
  assert.ok(!x86.some((a) => a.startsWith('--host') || a.startsWith('CC=')));
  assert.ok(arm.includes('--host=aarch64-linux-gnu') && arm.includes('CC=aarch64-linux-gnu-gcc'));
  assert.ok(arm.includes('--disable-nftables'), 'the same features as x86_64');
});

test('busybox binNMUs (+bN) are the same source, so the same applets', () => {
  assert.equal(sourceVersion('1:1.37.0-6+b9'), '1:1.37.0-6');
  assert.equal(sourceVersion('1:1.37.0-6'), '1:1.37.0-6');
  assert.notEqual(sourceVersion('1:1.37.0-6+b9'), sourceVersion('1:1.37.0-7'));
});

test('images are built on x86_64 only, and another host is told so in one line', () => {
  assert.equal(buildHostProblem('x64'), undefined);
  assert.match(buildHostProblem('arm64') ?? '', /runs on an x86_64 Linux host \(this one is arm64\)/);
});
