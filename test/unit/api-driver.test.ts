// A machine's driver through the API the dashboard speaks: chosen at machine.create, validated
// before anything is made, fixed afterwards; and each machine is asked about through its own driver.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiCallError, ApiClient } from '../../app/api/client';
import type { BerthPort, ServerMessage } from '../../app/api/contract';
import { createImplementation } from '../../app/api/handlers';
import { ApiSession } from '../../app/api/session';
import { writeRuntime } from '../../app/base/runtime';
import type { DriverName } from '../../app/base/vm-types';
import { Machines } from '../../app/machine/machines';
import { tempHome } from '../helpers/cli';
import { FakeDriver } from '../helpers/fake-driver';

function api(home: string, made: DriverName[]) {
  const machines = new Machines({
    home,
    driver: (kind) => {
      made.push(kind);
      return new FakeDriver();
    },
  });
  const session = new ApiSession(createImplementation({ machines }), (m: ServerMessage) => {
    const copy = JSON.parse(JSON.stringify(m)) as ServerMessage;
    queueMicrotask(() => listeners.forEach((l) => l(copy)));
  });
  const listeners = new Set<(m: ServerMessage) => void>();
  const port: BerthPort = {
    post: (m) => session.handle(JSON.parse(JSON.stringify(m))),
    onMessage: (l) => (listeners.add(l), () => listeners.delete(l)),
  };
  return { client: new ApiClient(port), machines };
}

test('machine.create takes the driver, refuses one it does not know in one line, and it never changes', async () => {
  const made: DriverName[] = [];
  const { client, machines } = api(tempHome(), made);
  const defaults = await client.invoke('settings.get', {});
  assert.deepEqual(defaults.drivers, ['qemu', 'virtualbox']);
  assert.equal(defaults.settings.driver, 'qemu');
  await assert.rejects(
    client.invoke('machine.create', { settings: { driver: 'vmware' as never } }),
    (e: unknown) =>
      e instanceof ApiCallError &&
      e.code === 'EINVAL' &&
      e.message === 'params.settings.driver = "vmware" must be equal to one of the allowed values' &&
      !e.message.includes('\n'),
  );
  assert.equal(machines.exists('default'), false, 'nothing was created');
  const view = await client.invoke('machine.create', { settings: { driver: 'virtualbox' } });
  assert.equal(view.settings.driver, 'virtualbox');
  assert.equal(view.settings.arch, 'x86_64');
  await assert.rejects(client.invoke('settings.set', { change: { driver: 'qemu' } }), /driver cannot change/);
  assert.equal(machines.settings('default').driver, 'virtualbox');
  // A VM the machine's agent left running is asked about through the machine's own driver.
  writeRuntime(machines.paths('default'), { sshPort: 1, accel: 'virtualbox', startedAt: new Date().toISOString() });
  assert.equal((await machines.status('default')).driver, 'virtualbox');
  assert.ok(made.includes('virtualbox'));
  assert.ok(!made.includes('qemu'));
});
