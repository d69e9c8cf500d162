import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkMachineName, dockerHost, machinePaths } from '../../app/base/paths';

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
