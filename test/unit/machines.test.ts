// Machines (app/machine/machines.ts) in a temporary Berth home with the fake driver: what it says
// and does without starting a host agent. Starting machines through an agent is in the integration tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isUserError } from '../../app/base/errors';
import { readRuntime, writeRuntime } from '../../app/base/runtime';
import { vmSpec } from '../../app/base/vm-spec';
import { Machines } from '../../app/machine/machines';
import { tempHome } from '../helpers/cli';
import { FakeDriver, fakeImage } from '../helpers/fake-driver';

// Machines looks for the image where BERTH_IMAGE_DIR says; docker contexts go to a folder of the test's own.
const image = fakeImage(path.join(tempHome('bim'), 'image'));
process.env.BERTH_IMAGE_DIR = image.dir;
process.env.DOCKER_CONFIG = tempHome('bdc');

function world() {
  const driver = new FakeDriver();
  const machines = new Machines({ home: tempHome(), driver: () => driver });
  const spec = (name: string) => {
    const p = machines.paths(name);
    return vmSpec(name, p, machines.settings(name), image, readRuntime(p) ?? { sshPort: 0 }, '');
  };
  /** A VM left running by an agent that went away: its process and its runtime.json. */
  const strandedVm = async (name: string) => {
    writeRuntime(machines.paths(name), { sshPort: 2222, accel: 'tcg', startedAt: new Date().toISOString() });
    await driver.start(spec(name), () => undefined);
  };
  return { driver, machines, spec, strandedVm };
}

/** A UserError of one line with this code. */
function userError(code: string, message: RegExp) {
  return (e: unknown) => {
    assert.ok(isUserError(e), `not a UserError: ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, message);
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  };
}

test('create, exists and list; a second create, an unknown machine and a bad name are one-line errors', () => {
  const { machines } = world();
  assert.deepEqual(machines.list(), []);
  assert.equal(machines.exists('dev'), false);
  const settings = machines.create('dev', { cpus: 3 });
  assert.equal(settings.cpus, 3);
  machines.create('app');
  assert.deepEqual(machines.list(), ['app', 'dev']);
  assert.equal(machines.exists('dev'), true);
  assert.equal(machines.settings('dev').cpus, 3);
  assert.ok(fs.existsSync(machines.paths('dev').sshKey), 'the machine has its SSH key');
  assert.throws(
    () => machines.create('dev'),
    userError('EEXIST', /machine "dev" already exists: .*berth set --name dev/),
  );
  assert.throws(
    () => machines.settings('nope'),
    userError('ENOMACHINE', /machine "nope" does not exist: .*berth init/),
  );
  assert.throws(() => machines.exists('Bad Name'), userError('EUSER', /machine name "Bad Name" is not valid/));
});

test('a machine that was created but never started is stopped; one that was not created says so', async () => {
  const { machines } = world();
  machines.create('dev');
  const s = await machines.status('dev');
  assert.equal(s.state, 'stopped');
  assert.equal(s.agent, undefined);
  assert.equal(s.dockerHost, undefined);
  assert.equal(s.lastError, undefined);
  assert.equal(s.saved, undefined);
  assert.equal((await machines.status('other')).state, 'not created');
});

test('a stopped machine shows its last error and its saved memory; a shutdown forgets the memory', async () => {
  const { driver, machines, spec } = world();
  machines.create('dev');
  const p = machines.paths('dev');
  fs.writeFileSync(
    path.join(p.dir, 'last-error.json'),
    JSON.stringify({ message: 'the VM did not answer SSH', step: 'ssh' }),
  );
  await driver.start(spec('dev'), () => undefined);
  await driver.suspend!(spec('dev'));
  const s = await machines.status('dev');
  assert.equal(s.state, 'stopped');
  assert.deepEqual(s.lastError, { message: 'the VM did not answer SSH', step: 'ssh' });
  assert.equal(s.saved?.bytes, machines.settings('dev').memoryMiB * 1024 * 1024);
  assert.equal(await machines.down('dev', {}, true), 'was stopped');
  assert.equal(driver.calls.at(-1), 'discardSaved');
  assert.equal((await machines.status('dev')).saved, undefined);
});

test('a VM left running without its agent is broken; down stops it through the driver', async () => {
  const { driver, machines, strandedVm } = world();
  machines.create('dev');
  await strandedVm('dev');
  const broken = await machines.status('dev');
  assert.equal(broken.state, 'broken');
  assert.match(broken.reason ?? '', /its host agent is gone/);
  assert.equal(await machines.down('dev'), 'stopped');
  assert.equal(driver.calls.at(-1), 'stop');
  assert.equal(driver.running(machines.paths('dev').dir), false);
  assert.equal(readRuntime(machines.paths('dev')), undefined);
  assert.equal((await machines.status('dev')).state, 'stopped');
  assert.equal(await machines.down('dev'), 'was stopped');
  await assert.rejects(machines.down('nope'), userError('ENOMACHINE', /does not exist/));
});

test('a VM that runs shows so, and down stops it, even with no image of its architecture to be found', async () => {
  // BERTH_IMAGE_DIR holds an x86_64 image: none for aarch64 (unless this checkout built one).
  const { driver, machines, strandedVm } = world();
  machines.create('dev', { arch: 'aarch64' });
  await strandedVm('dev');
  const st = await machines.status('dev');
  assert.equal(st.state, 'broken');
  assert.match(st.reason ?? '', /its host agent is gone/);
  assert.equal(await machines.down('dev'), 'stopped');
  assert.equal(driver.running(machines.paths('dev').dir), false);
});

test('remove refuses a machine whose VM runs; --keep-disk keeps the data disk and ssh/', async () => {
  const { driver, machines, spec, strandedVm } = world();
  machines.create('dev');
  await strandedVm('dev');
  await assert.rejects(machines.remove('dev', false), userError('EBUSY', /machine "dev" is broken: stop it first/));
  assert.equal(machines.exists('dev'), true);
  await machines.down('dev');

  const p = machines.paths('dev');
  const key = fs.readFileSync(p.sshKey, 'utf8');
  assert.ok(fs.existsSync(p.disk), 'the VM had its data disk');
  fs.writeFileSync(p.agentLog, 'an agent was here\n');
  await machines.remove('dev', true);
  assert.equal(machines.exists('dev'), false);
  assert.deepEqual(machines.list(), []);
  assert.deepEqual(fs.readdirSync(p.dir).sort(), ['data.qcow2', 'ssh']);
  // A machine made again under the name finds its disk and keeps its key.
  machines.create('dev');
  assert.equal(fs.readFileSync(p.sshKey, 'utf8'), key);
  assert.equal(await driver.inspect(spec('dev')), 'stopped');

  await machines.remove('dev', false);
  assert.equal(fs.existsSync(p.dir), false);
});
