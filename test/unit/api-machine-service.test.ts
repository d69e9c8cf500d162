import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { ControlServer } from '../../app/agent/control-server';
import type { MachineProgress } from '../../app/api/contract';
import { MachineService } from '../../app/api/machine-service';
import type { AgentStatus } from '../../app/base/machine-types';

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

test('a second start while one runs joins it; the end is reported as a state event', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ms-'));
  const m = fakeMachines(dir);
  const svc = new MachineService(m as any, 'default');
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
  const svc = new MachineService(m as any, 'default');
  await svc.stop();
  await svc.stop(true);
  await svc.restart();
  assert.deepEqual(m.calls, ['down', 'down --shutdown', 'down --shutdown', 'up']);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a state change made elsewhere (the CLI) reaches subscribers through the machine folder, without polling', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ms-'));
  const m = fakeMachines(dir);
  const svc = new MachineService(m as any, 'default');
  const got = new Promise<MachineProgress>((resolve) => svc.progress.on('progress', resolve));
  const stop = svc.watchState();
  await new Promise((r) => setTimeout(r, 50));
  m.state = 'running';
  fs.writeFileSync(path.join(dir, 'agent.pid'), '123');
  const p = await got;
  assert.equal(p.kind, 'state');
  assert.equal((p as any).info.status.state, 'running');
  stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("while watched, a running agent's status events (published ports) reach subscribers as they happen", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ms-'));
  const m = fakeMachines(dir);
  m.state = 'running';
  // The real control server on the real socket; only the agent behind it is a stand-in.
  const agent = Object.assign(new EventEmitter(), {
    status: { state: 'running', steps: [] } as unknown as AgentStatus,
  });
  const control = new ControlServer(path.join(dir, 'agent.sock'), agent as any, () => undefined);
  await control.listen();
  const svc = new MachineService(m as any, 'default');
  const seen: MachineProgress[] = [];
  svc.progress.on('progress', (p) => seen.push(p));
  const stop = svc.watchState();
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
  fs.rmSync(dir, { recursive: true, force: true });
});
