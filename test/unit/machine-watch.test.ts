import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { AgentStatus, MachineState, MachineStatus } from '../../app/base/machine-types';
import { MachineWatcher, type AgentLink } from '../../app/machine/watch';

class FakeAgent extends EventEmitter implements AgentLink {
  subscribed = 0;
  closed = false;
  async call(): Promise<unknown> {
    this.subscribed++;
    return {};
  }
  close(): void {
    this.closed = true;
  }
}

function world(initial: MachineState) {
  const w = {
    state: initial,
    agent: undefined as FakeAgent | undefined,
    statusCalls: 0,
    fsChange: () => undefined as void,
    unwatched: false,
  };
  const watcher = new MachineWatcher({
    settleMs: 5,
    status: async (): Promise<MachineStatus> => (w.statusCalls++, { name: 'default', state: w.state }),
    connect: async () => w.agent,
    watch: (cb) => {
      w.fsChange = cb;
      return () => void (w.unwatched = true);
    },
  });
  const seen: MachineState[] = [];
  watcher.on('status', (s: MachineStatus) => seen.push(s.state));
  return { w, watcher, seen };
}

const settle = () => new Promise((r) => setTimeout(r, 30));

test('reports the state at start, then only changes', async () => {
  const { w, watcher, seen } = world('stopped');
  watcher.start();
  await settle();
  assert.deepEqual(seen, ['stopped']);
  w.fsChange();
  await settle();
  assert.deepEqual(seen, ['stopped'], 'same state: no event');
  watcher.stop();
  assert.ok(w.unwatched);
});

test('attaches to a running agent, subscribes, and follows its status events', async () => {
  const { w, watcher, seen } = world('running');
  w.agent = new FakeAgent();
  watcher.start();
  await settle();
  assert.equal(w.agent.subscribed, 1);
  w.state = 'stopping';
  w.agent.emit('status', { state: 'stopping' });
  await settle();
  assert.deepEqual(seen, ['running', 'stopping']);
  watcher.stop();
  assert.ok(w.agent.closed);
});

test('an agent that goes away is noticed; a new one (berth up in a terminal) is attached when the folder changes', async () => {
  const { w, watcher, seen } = world('running');
  const first = new FakeAgent();
  w.agent = first;
  watcher.start();
  await settle();
  w.agent = undefined;
  w.state = 'stopped';
  first.emit('close');
  await settle();
  assert.deepEqual(seen, ['running', 'stopped']);
  const second = new FakeAgent();
  w.agent = second;
  w.state = 'starting';
  w.fsChange(); // agent.pid / agent.sock appeared
  await settle();
  assert.equal(second.subscribed, 1);
  w.state = 'running';
  second.emit('status', { state: 'running' });
  await settle();
  assert.deepEqual(seen, ['running', 'stopped', 'starting', 'running']);
  watcher.stop();
});

test("the agent's own status events are passed on as they come, beside the state they lead to", async () => {
  const { w, watcher } = world('running');
  w.agent = new FakeAgent();
  const passed: AgentStatus[] = [];
  watcher.on('agent', (s) => passed.push(s));
  watcher.start();
  await settle();
  const ports = [{ hostPort: 8080, protocol: 'tcp' as const, container: 'web', containerPort: 80 }];
  const event: AgentStatus = { state: 'running', steps: [], agentPid: 1, ports };
  w.agent.emit('status', event);
  await settle();
  assert.deepEqual(passed, [event]);
  watcher.stop();
  w.agent.emit('status', event);
  assert.equal(passed.length, 1, 'not after stop');
});

test('held by several users: the last release stops it, and a new hold starts it again', async () => {
  const { w, watcher, seen } = world('stopped');
  w.agent = new FakeAgent();
  const releaseTray = watcher.hold();
  const releaseDashboard = watcher.hold();
  await settle();
  assert.equal(w.agent.subscribed, 1, 'one watch, one agent link, for both');
  releaseDashboard();
  releaseDashboard(); // twice is once
  assert.equal(w.unwatched, false);
  assert.equal(w.agent.closed, false);
  releaseTray();
  assert.ok(w.unwatched);
  assert.ok(w.agent.closed);
  w.state = 'running';
  w.fsChange();
  await settle();
  assert.deepEqual(seen, ['stopped'], 'nothing while nobody holds it');
  const second = new FakeAgent();
  w.agent = second;
  const release = watcher.hold();
  await settle();
  assert.equal(second.subscribed, 1);
  assert.deepEqual(seen, ['stopped', 'running']);
  w.state = 'stopped';
  w.fsChange();
  await settle();
  assert.deepEqual(seen, ['stopped', 'running', 'stopped'], 'its folder watch is armed again');
  release();
});

test('a burst of changes becomes one status read', async () => {
  const { w, watcher } = world('stopped');
  watcher.start();
  await settle();
  const before = w.statusCalls;
  for (let i = 0; i < 20; i++) w.fsChange();
  await settle();
  assert.equal(w.statusCalls - before, 1);
  watcher.stop();
});

test('nothing is reported after stop', async () => {
  const { w, watcher, seen } = world('stopped');
  watcher.start();
  await settle();
  watcher.stop();
  w.state = 'running';
  w.fsChange();
  await watcher.refresh();
  await settle();
  assert.deepEqual(seen, ['stopped']);
});

test('the real folder watch: sees the machine folder appear and the agent files change, not the console log', async () => {
  const fs = await import('node:fs');
  const { Machines } = await import('../../app/machine/machines');
  const { createDriver } = await import('../../app/driver/choose');
  const { machineWatchSources } = await import('../../app/machine/watch');
  const { tempHome } = await import('../helpers/cli');
  const machines = new Machines({ home: tempHome('bmw'), driver: createDriver });
  const p = machines.paths('default');
  let changes = 0;
  const stop = machineWatchSources(machines, 'default').watch(() => changes++);
  const until = async (what: string) => {
    const end = Date.now() + 3000;
    while (changes === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.ok(changes > 0, what);
    changes = 0;
  };
  try {
    fs.mkdirSync(p.dir, { recursive: true });
    await until('machine folder created');
    await new Promise((r) => setTimeout(r, 50));
    changes = 0;
    fs.writeFileSync(p.consoleLog, 'boot noise\n');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(changes, 0, 'console.log is not a state change');
    fs.writeFileSync(p.agentPid, '123\n');
    await until('agent.pid written');
  } finally {
    stop();
  }
});
