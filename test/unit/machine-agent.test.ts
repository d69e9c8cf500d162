// The host agent against a fake driver (test/helpers/fake-driver.ts) and a fake guest: its steps,
// a second up joining the first, a failed up and a crashed VM closing everything, and the order a
// down closes things in. The real SSH link and QEMU are in the integration tests.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MachineAgent } from '../../app/agent/machine-agent';
import { httpPing } from '../../app/agent/waits';
import { UserError } from '../../app/base/errors';
import { STEP_ORDER, type ProblemReport, type StepId } from '../../app/base/machine-types';
import { ensureMachineDir, machinePaths } from '../../app/base/paths';
import { readRuntime, writeRuntime } from '../../app/base/runtime';
import type { Arch } from '../../app/base/arch';
import { defaultSettings } from '../../app/base/settings/schema';
import { vmSpec } from '../../app/base/vm-spec';
import { tempHome } from '../helpers/cli';
import { FakeDriver, fakeImage } from '../helpers/fake-driver';
import { FAKE_PUBLIC_KEY } from '../helpers/fake-agent';
import { fakeEngine, FakeGuestLink } from '../helpers/fake-guest';

// The docker context the agent registers goes into a folder of the test's own, not the user's.
process.env.DOCKER_CONFIG = tempHome('bdc');
const image = fakeImage(path.join(tempHome('bim'), 'image'));

async function machine(
  t: TestContext,
  opts: { canSuspend?: boolean; engineComesUp?: boolean; arch?: Arch; imagesAsked?: Arch[]; imageError?: Error } = {},
) {
  const home = tempHome();
  const paths = machinePaths('t', home);
  ensureMachineDir(paths);
  const engine = await fakeEngine(path.join(home, 'engine.sock'));
  const journal: string[] = [];
  const driver = new FakeDriver({ canSuspend: opts.canSuspend });
  driver.onCall = (method) => void journal.push(`driver ${method}`);
  const links: FakeGuestLink[] = [];
  const notes: string[] = [];
  const logs: string[] = [];
  const agent = new MachineAgent({
    name: 't',
    paths,
    driver,
    settings: () => ({ ...defaultSettings(), ...(opts.arch ? { arch: opts.arch } : {}) }),
    image: (arch) => {
      opts.imagesAsked?.push(arch);
      if (opts.imageError) throw opts.imageError;
      return image;
    },
    keys: () => ({ privateKey: 'not used by the fake link', publicKey: FAKE_PUBLIC_KEY }),
    log: (m) => logs.push(m),
    timeouts: { ssh: 5000, engine: opts.engineComesUp === false ? 300 : 5000, stop: 1000 },
    connect: () => {
      const link = new FakeGuestLink(opts.engineComesUp === false ? undefined : engine.sock, journal);
      links.push(link);
      return link;
    },
  });
  agent.on('note', (m: string) => notes.push(m));
  t.after(async () => {
    if (agent.status.state !== 'stopped') await agent.down(false);
    await engine.close();
  });
  // The driver keys a VM by its machine folder: the ports do not matter to it.
  const spec = () =>
    vmSpec('t', paths, defaultSettings(), image, readRuntime(paths) ?? { sshPort: 0 }, FAKE_PUBLIC_KEY);
  const lastError = (): ProblemReport => JSON.parse(fs.readFileSync(path.join(paths.dir, 'last-error.json'), 'utf8'));
  return { agent, driver, paths, journal, links, notes, logs, spec, lastError };
}

test('up runs the named steps in order and ends running, with the engine answering on the host socket', async (t) => {
  const m = await machine(t);
  const started: StepId[] = [];
  m.agent.on('step', (s: { id: StepId; status: string }) => s.status === 'running' && started.push(s.id));
  const status = await m.agent.up();
  assert.deepEqual(started, STEP_ORDER);
  assert.equal(status.state, 'running');
  assert.deepEqual(
    status.steps.map((s) => s.status),
    STEP_ORDER.map(() => 'done'),
  );
  assert.equal(status.accel, 'tcg');
  assert.equal(status.vmPid, await m.driver.pid(m.spec()));
  assert.equal(await httpPing(m.paths.dockerSock), true);
  assert.ok(m.links[0].commands.length === 0, 'a fresh boot runs nothing in the guest');
});

test("an aarch64 machine: the agent checks that architecture's QEMU, takes its image, and starts a VM of it", async (t) => {
  const imagesAsked: Arch[] = [];
  const m = await machine(t, { arch: 'aarch64', imagesAsked });
  const started: Arch[] = [];
  const journal = m.driver.onCall;
  m.driver.onCall = (method, spec) => {
    if (method === 'start') started.push(spec.arch);
    return journal?.(method, spec);
  };
  assert.equal((await m.agent.up()).state, 'running');
  assert.deepEqual(m.driver.validated, ['aarch64']);
  assert.deepEqual(imagesAsked, ['aarch64']);
  assert.deepEqual(started, ['aarch64']);
});

test('a machine that boots an ISO hears first that its image has none, before its hypervisor is checked', async (t) => {
  const noIso = new UserError('this Berth has no VirtualBox image yet (no berth.iso in /img)', { code: 'ENOISO' });
  const m = await machine(t, { imageError: noIso });
  (m.driver as { bootsIso?: boolean }).bootsIso = true;
  await assert.rejects(m.agent.up(), /this Berth has no VirtualBox image yet/);
  assert.equal(m.agent.status.error?.step, 'image');
  assert.deepEqual(m.driver.validated, [], 'no hypervisor check before it');
});

test('a second up while one is under way joins it: one VM is started', async (t) => {
  const m = await machine(t);
  const [a, b] = await Promise.all([m.agent.up(), m.agent.up()]);
  assert.equal(a.state, 'running');
  assert.equal(b, a);
  assert.deepEqual(
    m.driver.calls.filter((c) => c === 'start'),
    ['start'],
  );
  assert.equal((await m.agent.up()).state, 'running', 'an up of a running machine answers at once');
  assert.equal(m.driver.calls.filter((c) => c === 'start').length, 1);
});

test('a start that fails ends stopped with the error, last-error.json written and what it opened closed', async (t) => {
  const m = await machine(t);
  // An earlier agent's runtime.json, its VM gone: the up starts afresh and the failure removes it.
  writeRuntime(m.paths, { sshPort: 1, accel: 'tcg', startedAt: new Date().toISOString() });
  m.driver.failStart = new UserError('QEMU failed to start the machine "t" (tcg): exit code 1.', {
    details: 'qemu.stderr.log (last lines):\nno memory',
  });
  await assert.rejects(m.agent.up(), /QEMU failed to start/);
  assert.equal(m.agent.status.state, 'stopped');
  assert.equal(m.agent.status.error?.step, 'boot');
  assert.equal(m.agent.status.error?.message, 'QEMU failed to start the machine "t" (tcg): exit code 1.');
  assert.match(m.agent.status.error?.details ?? '', /no memory/);
  assert.equal(m.agent.status.steps.find((s) => s.id === 'boot')?.status, 'failed');
  assert.deepEqual(m.lastError(), m.agent.status.error);
  assert.equal(readRuntime(m.paths), undefined);
  assert.equal(m.links.length, 0, 'no SSH after a failed boot');
  assert.equal(await httpPing(m.paths.dockerSock), false);
});

test('an engine that never answers fails the up at its step; the VM is killed and the link closed', async (t) => {
  const m = await machine(t, { engineComesUp: false });
  await assert.rejects(m.agent.up(), /Docker engine in the VM did not start/);
  assert.equal(m.agent.status.state, 'stopped');
  assert.equal(m.lastError().step, 'engine');
  assert.equal(m.agent.status.vmPid, undefined);
  assert.deepEqual(m.driver.calls.slice(-1), ['kill']);
  assert.equal(m.driver.host.vms.size, 0, 'no VM left running');
  assert.equal(m.links[0].closed, true);
  assert.equal(readRuntime(m.paths), undefined);
  assert.equal(fs.existsSync(m.paths.dockerSock), false, 'nothing listens on the docker socket');
});

test('a VM that dies while running is noticed: stopped, with the error, and everything closed', async (t) => {
  const m = await machine(t);
  await m.agent.up();
  const stopped = once(m.agent, 'stopped');
  m.driver.crash(m.paths.dir);
  await stopped;
  assert.equal(m.agent.status.state, 'stopped');
  assert.equal(m.agent.status.error?.message, 'the VM stopped unexpectedly');
  assert.equal(m.agent.status.vmPid, undefined);
  assert.equal(m.agent.status.ports, undefined);
  assert.equal(m.links[0].failedWith?.message, 'the VM stopped');
  assert.equal(await httpPing(m.paths.dockerSock), false);
  assert.equal(readRuntime(m.paths), undefined);
  assert.ok(!m.driver.calls.includes('kill') && !m.driver.calls.includes('stop'), 'a dead VM is left alone');
});

test('down closes the docker socket before the VM is saved; the guest gets ready first, then the link goes', async (t) => {
  const m = await machine(t);
  await m.agent.up();
  let socketAnsweredAtSave: boolean | undefined;
  m.driver.onCall = async (method) => {
    m.journal.push(`driver ${method}`);
    if (method === 'suspend') socketAnsweredAtSave = await httpPing(m.paths.dockerSock, 1000);
  };
  const status = await m.agent.down();
  assert.equal(socketAnsweredAtSave, false);
  assert.deepEqual(m.journal.slice(m.journal.indexOf('exec cd / && exec /etc/berth/suspend')), [
    'exec cd / && exec /etc/berth/suspend',
    'link closed',
    'driver suspend',
  ]);
  assert.equal(status.state, 'stopped');
  assert.deepEqual(
    status.steps.map((s) => s.status),
    STEP_ORDER.map(() => 'pending'),
  );
  assert.ok(await m.driver.saved!(m.spec()), 'the memory is saved');
  assert.ok(m.notes.includes("The machine's memory is saved: the next up resumes it"));
  assert.equal(readRuntime(m.paths), undefined);
  assert.equal(m.driver.host.vms.size, 0);
});

test('down with save shuts the machine down when saving fails, or when the driver cannot save', async (t) => {
  const failing = await machine(t);
  await failing.agent.up();
  failing.driver.failSuspend = new Error('no room for the memory file');
  await failing.agent.down();
  assert.deepEqual(
    failing.driver.calls.filter((c) => c === 'suspend' || c === 'stop'),
    ['suspend', 'stop'],
  );
  assert.ok(
    failing.notes.includes(
      "The machine's memory could not be saved (no room for the memory file): shutting it down instead",
    ),
  );
  assert.equal(await failing.driver.saved!(failing.spec()), undefined);
  assert.equal(failing.driver.host.vms.size, 0);

  const guestNotReady = await machine(t);
  await guestNotReady.agent.up();
  guestNotReady.links[0].exitCodes.set('/etc/berth/suspend', 1);
  await guestNotReady.agent.down();
  assert.ok(!guestNotReady.driver.calls.includes('suspend'), 'a guest that is not ready is not saved');
  assert.equal(guestNotReady.driver.calls.at(-1), 'stop');

  const cannot = await machine(t, { canSuspend: false });
  await cannot.agent.up();
  await cannot.agent.down();
  assert.equal(cannot.driver.calls.at(-1), 'stop');
  assert.deepEqual(cannot.links[0].commands, [], 'the guest is not asked to get ready for a save that cannot be');
  assert.equal(cannot.agent.status.state, 'stopped');
});

test('a shutdown (down without save) stops the VM and forgets memory saved earlier', async (t) => {
  const m = await machine(t);
  await m.agent.up();
  await m.agent.down();
  assert.ok(await m.driver.saved!(m.spec()));
  const resumed = await m.agent.up();
  assert.ok(resumed.steps.find((s) => s.id === 'boot')?.detail?.includes('resumed from saved memory'));
  assert.ok(
    m.links[1].commands.some((c) => c.startsWith('/etc/berth/resume ')),
    'a resumed guest is settled',
  );
  let socketAnsweredAtStop: boolean | undefined;
  m.driver.onCall = async (method) => {
    if (method === 'stop') socketAnsweredAtStop = await httpPing(m.paths.dockerSock, 1000);
  };
  await m.agent.down(false);
  assert.equal(m.driver.calls.at(-1), 'stop');
  assert.equal(socketAnsweredAtStop, false, 'the docker socket is closed before the VM stops');
  assert.equal(await m.driver.saved!(m.spec()), undefined, 'nothing was saved');
  // A shutdown of a stopped machine forgets what an earlier down saved.
  await m.agent.up();
  await m.agent.down();
  assert.ok(await m.driver.saved!(m.spec()));
  await m.agent.down(false);
  assert.equal(m.driver.calls.at(-1), 'discardSaved');
  assert.equal(await m.driver.saved!(m.spec()), undefined);
});

test('an up reattaches to a VM resumed from saved memory (its console says nothing) without waiting for the console', async (t) => {
  const m = await machine(t);
  m.driver.host.vms.set(m.paths.dir, { pid: 4242, accel: 'tcg' });
  writeRuntime(m.paths, { sshPort: 2222, accel: 'tcg', startedAt: new Date().toISOString() });
  // A resume rotates the console and the guest prints nothing: no "sshd started" line.
  fs.writeFileSync(m.paths.consoleLog, '');
  const status = await m.agent.up();
  assert.equal(status.state, 'running');
  assert.ok(!m.logs.some((l) => /no "sshd started" line/.test(l)), m.logs.join('\n'));
});

test('an up reattaches to a VM an earlier agent left running instead of starting another', async (t) => {
  const m = await machine(t);
  // What an agent that went away leaves: its VM running, runtime.json, the console of that boot.
  m.driver.host.vms.set(m.paths.dir, { pid: 4242, accel: 'kvm' });
  writeRuntime(m.paths, { sshPort: 2222, accel: 'kvm', startedAt: new Date().toISOString() });
  fs.writeFileSync(m.paths.consoleLog, 'berth: sshd started\n');
  const status = await m.agent.up();
  assert.equal(status.state, 'running');
  assert.equal(status.vmPid, 4242);
  assert.equal(status.accel, 'kvm');
  assert.equal(status.sshPort, 2222);
  assert.ok(!m.driver.calls.includes('start'));
  assert.equal(status.steps.find((s) => s.id === 'boot')?.detail, 'reattached to the running VM');
  assert.ok(
    m.links[0].commands.some((c) => c.startsWith('/etc/berth/clock ')),
    "the guest's clock is checked",
  );
});
