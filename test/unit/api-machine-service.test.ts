import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import type { MachineProgress } from '../../app/api/contract';
import { MachineService } from '../../app/api/machine-service';

function fakeMachines(dir: string) {
  const m = {
    state: 'stopped',
    calls: [] as string[],
    paths: () => ({ dir, disk: path.join(dir, 'data.qcow2'), dockerSock: path.join(dir, 'docker.sock') }),
    status: async (name: string) => ({ name, state: m.state }),
    up: async () => {
      m.calls.push('up');
      await new Promise((r) => setTimeout(r, 30));
      m.state = 'running';
    },
    down: async () => {
      m.calls.push('down');
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
