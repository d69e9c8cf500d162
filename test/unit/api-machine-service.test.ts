import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { ControlServer } from '../../app/agent/control-server';
import type { MachineProgress } from '../../app/api/contract';
import { MachineService } from '../../app/api/machine-service';
import type { AgentStatus, MachineState, MachineStatus } from '../../app/base/machine-types';
import type { Machines } from '../../app/machine/machines';
import type { AgentLink, WatchSources } from '../../app/machine/watch';

function fakeMachines(dir: string) {
  const m = {
    state: 'stopped',
    calls: [] as string[],
    paths: () => ({
      dir,
      disk: path.join(dir, 'data.qcow2'),
      dockerSock: path.join(dir, 'docker.sock'),
      agentSock: path.join(dir, 'agent.sock'),
    }),
    status: async (name: string) => ({ name, state: m.state }),
    up: async () => {
      m.calls.push('up');
      await new Promise((r) => setTimeout(r, 30));
      m.state = 'running';
    },
    down: async (_name: string, _h: unknown, shutdown?: boolean) => {
      m.calls.push(shutdown ? 'down --shutdown' : 'down');
      m.state = 'stopped';
    },
  };
  return m;
}

/** The fake stands in for the few methods the service calls. */
const asMachines = (m: ReturnType<typeof fakeMachines>) => m as unknown as Machines;

/** A machine folder in a private parent: the real watch also watches the parent, for the folder to appear. */
function machineDir(): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ms-')), 'default');
  fs.mkdirSync(dir);
  return dir;
}

test('a second start while one runs joins it; the end is reported as a state event', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ms-'));
  const m = fakeMachines(dir);
  const svc = new MachineService(asMachines(m), 'default');
  const seen: MachineProgress[] = [];
  svc.progress.on('progress', (p) => seen.push(p));
  const [a, b] = await Promise.all([svc.start(), svc.start()]);
  assert.deepEqual(m.calls, ['up']);
  assert.equal(a.status.state, 'running');
  assert.equal(b.status.state, 'running');
  await new Promise((r) => setTimeout(r, 10));
  assert.ok(seen.some((p) => p.kind === 'state' && p.info.status.state === 'running'));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('stop saves the memory unless asked to shut down; restart always shuts down', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ms-'));
  const m = fakeMachines(dir);
  const svc = new MachineService(asMachines(m), 'default');
  await svc.stop();
  await svc.stop(true);
  await svc.restart();
  assert.deepEqual(m.calls, ['down', 'down --shutdown', 'down --shutdown', 'up']);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a state change made elsewhere (the CLI) reaches subscribers through the machine folder, without polling', async (t) => {
  const dir = machineDir();
  const m = fakeMachines(dir);
  const svc = new MachineService(asMachines(m), 'default');
  const got = new Promise<MachineProgress>((resolve) => svc.progress.on('progress', resolve));
  const stop = svc.watchState();
  t.after(stop); // a failed check must not leave the watch running
  await new Promise((r) => setTimeout(r, 50));
  m.state = 'running';
  fs.writeFileSync(path.join(dir, 'agent.pid'), '123');
  const p = await got;
  assert.equal(p.kind, 'state');
  assert.equal(p.kind === 'state' ? p.info.status.state : undefined, 'running');
  stop();
  fs.rmSync(path.dirname(dir), { recursive: true, force: true });
});

test("while watched, a running agent's status events (published ports) reach subscribers as they happen", async (t) => {
  const dir = machineDir();
  const m = fakeMachines(dir);
  m.state = 'running';
  // The real control server on the real socket; only the agent behind it is a stand-in.
  const agent = Object.assign(new EventEmitter(), {
    status: { state: 'running', steps: [] } as unknown as AgentStatus,
  });
  const control = new ControlServer(
    path.join(dir, 'agent.sock'),
    agent as unknown as ConstructorParameters<typeof ControlServer>[1],
    () => undefined,
  );
  await control.listen();
  t.after(() => (control.close(), control.stopAccepting()));
  const svc = new MachineService(asMachines(m), 'default');
  const seen: MachineProgress[] = [];
  svc.progress.on('progress', (p) => seen.push(p));
  const stop = svc.watchState();
  t.after(stop); // a failed check must not leave the watch running
  for (let i = 0; i < 100 && control.clients.size === 0; i++) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 50)); // the subscribe request on its way
  const ports = [{ hostPort: 8080, protocol: 'tcp' as const, container: 'web', containerPort: 80 }];
  agent.emit('status', { ...agent.status, ports });
  for (let i = 0; i < 100 && !seen.some((p) => p.kind === 'status'); i++) await new Promise((r) => setTimeout(r, 10));
  const st = seen.find((p) => p.kind === 'status');
  assert.deepEqual(st && st.kind === 'status' ? st.status.ports : undefined, ports);
  // Nobody watching: the service lets go of the agent.
  stop();
  for (let i = 0; i < 100 && control.clients.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(control.clients.size, 0);
  await control.stopAccepting();
  fs.rmSync(path.dirname(dir), { recursive: true, force: true });
});

class FakeAgent extends EventEmitter implements AgentLink {
  async call(): Promise<unknown> {
    return {};
  }
  close(): void {
    this.emit('close');
  }
}

/** A service whose watcher sees a fake world: no folder, no agent process, no VM. */
function watchedService() {
  const m = fakeMachines('/nonexistent/default');
  const world = {
    agent: undefined as FakeAgent | undefined,
    /** What the folder watch would call when a state file changes. */
    fileChanged: () => undefined as void,
  };
  const sources: WatchSources = {
    settleMs: 5,
    status: async (): Promise<MachineStatus> => ({ name: 'default', state: m.state as MachineState }),
    connect: async () => world.agent,
    watch: (onChange) => {
      world.fileChanged = onChange;
      return () => (world.fileChanged = () => undefined);
    },
  };
  const svc = new MachineService(asMachines(m), 'default', { watchSources: sources });
  const seen: MachineProgress[] = [];
  svc.progress.on('progress', (p) => seen.push(p));
  const states = () => seen.flatMap((p) => (p.kind === 'state' ? [p.info.status.state] : []));
  return { m, world, svc, seen, states };
}

const settle = () => new Promise((r) => setTimeout(r, 30));

test("subscribers see state changes made by other hands through the service's watcher, resting states only", async (t) => {
  const { m, world, svc, states } = watchedService();
  const stop = svc.watchState();
  t.after(stop); // a failed check must not leave the watch running
  await settle();
  assert.deepEqual(states(), [], 'the state found when watching begins is not news');
  m.state = 'starting'; // `berth up` in a terminal
  world.fileChanged();
  await settle();
  assert.deepEqual(states(), [], 'a state on the way is not announced');
  m.state = 'running';
  world.fileChanged();
  await settle();
  assert.deepEqual(states(), ['running']);
  m.state = 'stopped'; // `berth down`
  world.fileChanged();
  await settle();
  assert.deepEqual(states(), ['running', 'stopped']);
  stop();
  m.state = 'running';
  world.fileChanged();
  await settle();
  assert.deepEqual(states(), ['running', 'stopped'], 'nobody watching: nothing more');
});

test("the agent's status events reach subscribers while the service is idle, not during its own start", async (t) => {
  const { m, world, svc, seen } = watchedService();
  m.state = 'running';
  world.agent = new FakeAgent();
  const stop = svc.watchState();
  t.after(stop); // a failed check must not leave the watch running
  await settle();
  const ports = [{ hostPort: 8080, protocol: 'tcp' as const, container: 'web', containerPort: 80 }];
  world.agent.emit('status', { state: 'running', steps: [], agentPid: 1, ports } satisfies AgentStatus);
  await settle();
  const passed = seen.filter((p) => p.kind === 'status');
  assert.deepEqual(passed.length === 1 && passed[0].kind === 'status' ? passed[0].status.ports : undefined, ports);
  seen.length = 0;
  const starting = svc.start();
  world.agent.emit('status', { state: 'running', steps: [], agentPid: 1 } satisfies AgentStatus);
  await starting;
  await settle();
  assert.deepEqual(
    seen.filter((p) => p.kind === 'status'),
    [],
    'our own start reports through its own handlers',
  );
  stop();
});

test('our own start is announced once, by itself, even though the watcher sees the same change', async (t) => {
  const { world, svc, states } = watchedService();
  const stop = svc.watchState();
  t.after(stop); // a failed check must not leave the watch running
  await settle();
  const starting = svc.start();
  await new Promise((r) => setTimeout(r, 40)); // the fake up has made the machine run
  world.fileChanged();
  await starting;
  await settle();
  world.fileChanged();
  await settle();
  assert.deepEqual(states(), ['running']);
  stop();
});

test('the watcher keeps running while another holder (the tray) has it, after the dashboard lets go', async (t) => {
  const { m, world, svc, states } = watchedService();
  const releaseTray = svc.watcher.hold();
  t.after(() => svc.watcher.stop());
  const stopDashboard = svc.watchState();
  await settle();
  stopDashboard();
  m.state = 'running';
  world.fileChanged();
  await settle();
  assert.equal(svc.watcher.current?.state, 'running');
  assert.deepEqual(states(), ['running']);
  releaseTray();
  m.state = 'stopped';
  world.fileChanged();
  await settle();
  assert.equal(svc.watcher.current?.state, 'running', 'nobody holds it: it has stopped');
});
