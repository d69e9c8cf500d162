import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MACHINE_FILES } from '../../app/base/machine-files';
import { clearRuntime, readRuntime, writeRuntime } from '../../app/base/runtime';
import { checkMachineName, dockerHost, machinePaths } from '../../app/base/paths';
import { machineFiles } from '../../app/driver/qemu/machine-files';
import { savedVmFiles } from '../../app/driver/qemu/saved-vm';

test("DOCKER_HOST is a unix URL, or Docker's npipe form on Windows", () => {
  const p = machinePaths('default', '/home/ann/.local/share/berth');
  assert.equal(dockerHost(p, 'linux'), 'unix:///home/ann/.local/share/berth/machines/default/docker.sock');
  assert.equal(
    dockerHost({ ...p, dockerSock: '\\\\.\\pipe\\berth-default-docker' }, 'win32'),
    'npipe:////./pipe/berth-default-docker',
  );
});

test('machine names stay plain', () => {
  assert.equal(checkMachineName('dev-2'), 'dev-2');
  for (const bad of ['', 'Dev', '../x', 'a b', 'x'.repeat(40)])
    assert.throws(() => checkMachineName(bad), /is not valid/);
});

test('every path in a machine folder comes from the one table, and no two of its names collide', () => {
  const dir = '/home/ann/.local/share/berth/machines/default';
  const named = new Set(Object.values(MACHINE_FILES).map((rel) => path.posix.join(dir, rel)));
  const { dir: folder, ...mp } = machinePaths('default', '/home/ann/.local/share/berth');
  assert.equal(folder, dir);
  const all = { ...mp, ...machineFiles(dir, path.posix), ...savedVmFiles(dir, path.posix) };
  for (const [what, file] of Object.entries(all)) assert.ok(named.has(file), `${what} (${file}) is not in the table`);
  // Case-insensitive file systems (macOS, Windows) would make two names that differ only by case one file.
  const names = Object.values(MACHINE_FILES).map((n) => n.toLowerCase());
  assert.equal(new Set(names).size, names.length);
  // A file inside a subfolder names a subfolder that is in the table too (delete and keep-disk see it).
  for (const n of names.filter((n) => n.includes('/'))) assert.ok(names.includes(path.posix.dirname(n)), n);
});

test("runtime.json is written, read and cleared at the table's path", () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-runtime-'));
  try {
    const p = machinePaths('dev', home);
    const info = { sshPort: 2222, accel: 'tcg', startedAt: '2026-01-01T00:00:00.000Z' };
    writeRuntime(p, info);
    assert.ok(fs.existsSync(path.join(p.dir, MACHINE_FILES.runtime)));
    assert.deepEqual(readRuntime(p), info);
    clearRuntime(p);
    assert.equal(readRuntime(p), undefined);
    clearRuntime(p); // a VM that is already forgotten stays so, without an error
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
});
