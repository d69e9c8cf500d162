// packages.lock.json with one section per architecture: the view a build reads, what counts for
// its inputs hash, re-pinning one architecture, and where another architecture's .debs are cached.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slug } from '../../vm-images/build/apt';
import { aptDir, aptOptions } from '../../vm-images/build/aptsource';
import { LockFile, lockView, lockViewText, Pin, refreshHint, withPins } from '../../vm-images/build/pins';

const pin = (name: string, version: string, role: Pin['role'], sha = 'a'.repeat(64)): Pin => ({
  name,
  version,
  sha256: sha,
  role,
});

const FILE: LockFile = {
  comment: 'test',
  distribution: 'trixie',
  sources: [{ name: 'iptables', version: '1.8.11-2', files: [] }],
  toolchain: [pin('golang-1.24-go', '1.24.4-1', 'toolchain')],
  architectures: {
    amd64: { packages: [pin('linux-source-6.12', '6.12.118-1', 'kernel'), pin('runc', '1.1.15+ds1-2+b1', 'root')] },
    arm64: {
      packages: [
        pin('linux-source-6.12', '6.12.118-1', 'kernel'),
        pin('runc', '1.1.15+ds1-2+b1', 'root', 'b'.repeat(64)),
      ],
    },
  },
};

test("a view is one architecture's packages with the shared sources and toolchain", () => {
  const v = lockView(FILE, 'arm64');
  assert.equal(v.architecture, 'arm64');
  assert.equal(v.packages.find((p) => p.name === 'runc')?.sha256, 'b'.repeat(64));
  assert.deepEqual(v.sources, FILE.sources);
  assert.deepEqual(v.toolchain, FILE.toolchain);
});

test("another architecture's packages are marked, the shared kernel source and amd64's are not", () => {
  const arm = lockView(FILE, 'arm64');
  assert.equal(arm.packages.find((p) => p.name === 'runc')?.arch, 'arm64');
  assert.equal(arm.packages.find((p) => p.role === 'kernel')?.arch, undefined);
  for (const p of lockView(FILE, 'amd64').packages) assert.equal(p.arch, undefined);
});

test('a missing architecture or another distribution is one line saying how to re-pin', () => {
  assert.throws(
    () => lockView({ ...FILE, architectures: { amd64: FILE.architectures.amd64 } }, 'arm64'),
    (e: Error) => /has no arm64 packages; .*--update-pins --arch aarch64/.test(e.message),
  );
  assert.throws(() => lockView({ ...FILE, distribution: 'bookworm' }, 'amd64'), /is for bookworm, expected trixie/);
  assert.match(refreshHint('amd64'), /--update-pins`/);
});

test("an architecture's inputs do not change when another architecture is re-pinned", () => {
  const before = lockViewText(lockView(FILE, 'amd64'));
  const repinned = withPins(FILE, 'arm64', [pin('runc', '1.1.16', 'root', 'c'.repeat(64))]);
  assert.equal(lockViewText(lockView(repinned, 'amd64')), before);
  assert.notEqual(lockViewText(lockView(repinned, 'arm64')), lockViewText(lockView(FILE, 'arm64')));
});

test('re-pinning one architecture keeps the others and the shared pins, sorted, without marks', () => {
  const marked = { ...pin('zlib1g', '1:1.3', 'library'), arch: 'arm64' };
  const out = withPins(FILE, 'arm64', [marked, pin('busybox-static', '1:1.37.0-6', 'root')]);
  assert.deepEqual(out.architectures.amd64, FILE.architectures.amd64);
  assert.deepEqual(
    out.architectures.arm64.packages.map((p) => p.name),
    ['busybox-static', 'zlib1g'],
  );
  assert.ok(
    out.architectures.arm64.packages.every((p) => !('arch' in p)),
    'arch is never written',
  );
  assert.deepEqual(out.sources, FILE.sources);
  const shared = withPins(FILE, 'amd64', [], { sources: [], toolchain: [] });
  assert.deepEqual([shared.sources, shared.toolchain], [[], []]);
});

test("amd64 .debs keep their cache names; another architecture's carry it", () => {
  assert.equal(slug({ name: 'runc', version: '1.1.15+ds1-2+b1' }), 'runc_1.1.15+ds1-2+b1');
  assert.equal(
    slug({ name: 'busybox-static', version: '1:1.37.0-6', arch: 'arm64' }),
    'busybox-static_1%3a1.37.0-6_arm64',
  );
  assert.equal(slug({ name: 'tini', version: '0.19.0-3', arch: 'amd64' }), 'tini_0.19.0-3');
});

test('arm64 has a private apt configuration of its own, whose native architecture is arm64', () => {
  assert.notEqual(aptDir('arm64'), aptDir('amd64'));
  assert.match(aptDir('amd64'), /apt-trixie$/);
  const opts = aptOptions('arm64').filter((o) => o !== '-o');
  assert.ok(opts.includes('APT::Architecture=arm64') && opts.includes('APT::Architectures=arm64'));
  assert.ok(opts.some((o) => o.startsWith('Dir::State::Lists=') && o.includes('apt-trixie-arm64')));
  assert.ok(aptOptions().includes('APT::Architecture=amd64'), 'amd64 stays the default');
});
