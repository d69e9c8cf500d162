// The host agent and the engine's direct path, without a VM: the machine's secret goes into the
// spec the driver starts (and the port into runtime.json, for an agent that reattaches), the Docker
// socket goes through a proxy that checks the secret when one answers, and through the guest link
// (SSH), logged once, when none does.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { ENGINE_PROXY_ACK } from '../../app/agent/engine-direct';
import { hostAgentDeps } from '../../app/agent/host-deps';
import { httpPing } from '../../app/agent/waits';
import { ensureMachineDir, machinePaths } from '../../app/base/paths';
import { readRuntime } from '../../app/base/runtime';
import { defaultSettings } from '../../app/base/settings/schema';
import { saveSettings } from '../../app/base/settings/store';
import type { VmSpec } from '../../app/base/vm-types';
import { tempHome } from '../helpers/cli';
import { FakeDriver } from '../helpers/fake-driver';
import { agentOnFakes } from '../helpers/fake-agent';
import { fakeEngine } from '../helpers/fake-guest';

process.env.DOCKER_CONFIG = tempHome('bdc');

/** The guest's engine proxy, as far as the agent can tell: secret first, then ACK and the engine. */
function fakeProxy(port: number, secret: Buffer, engineSock: string, seen: { ok: number; refused: number }) {
  const server = net.createServer({ allowHalfOpen: true }, (c) => {
    c.once('readable', function first() {
      const given = c.read(32) as Buffer | null;
      if (!given) return void c.once('readable', first);
      if (!given.equals(secret)) return (seen.refused++, c.destroy());
      seen.ok++;
      const e = net.connect(engineSock, () => {
        c.write(Buffer.from([ENGINE_PROXY_ACK]));
        c.pipe(e);
        e.pipe(c);
      });
    });
  });
  server.listen(port, '127.0.0.1');
  return server;
}

async function start(t: TestContext, withProxy: boolean) {
  const home = tempHome();
  const paths = machinePaths('t', home);
  ensureMachineDir(paths);
  saveSettings(paths.settings, defaultSettings());
  const engine = await fakeEngine(path.join(home, 'engine.sock'));
  const seen = { ok: 0, refused: 0 };
  const started: VmSpec[] = [];
  let proxy: net.Server | undefined;
  const driver = new FakeDriver();
  driver.onCall = (method, spec) => {
    if (method !== 'start') return;
    started.push(spec);
    if (withProxy)
      proxy = fakeProxy(spec.enginePort!, Buffer.from(spec.guestConfig.engineSecret!, 'hex'), engine.sock, seen);
  };
  const log: string[] = [];
  const agent = agentOnFakes(
    hostAgentDeps('t', paths, driver, (m) => log.push(m), {}),
    engine.sock,
  );
  t.after(async () => {
    if (agent.status.state !== 'stopped') await agent.down(false);
    proxy?.close();
    await engine.close();
  });
  assert.equal((await agent.up()).state, 'running');
  return { paths, spec: started[0], log, seen };
}

test("the machine's secret and a direct path port go into the spec and runtime.json; the socket goes through the proxy", async (t) => {
  const m = await start(t, true);
  const secret = fs.readFileSync(m.paths.engineSecret, 'utf8').trim();
  assert.match(secret, /^[0-9a-f]{64}$/);
  assert.equal(m.spec.guestConfig.engineSecret, secret);
  assert.equal(typeof m.spec.enginePort, 'number');
  assert.equal(readRuntime(m.paths)?.enginePort, m.spec.enginePort);
  assert.equal(await httpPing(m.paths.dockerSock), true);
  assert.ok(m.seen.ok >= 1, 'connections came through the proxy with the secret');
  assert.equal(m.seen.refused, 0);
  assert.equal(m.log.filter((l) => /direct path failed/.test(l)).length, 0);
  assert.ok(m.log.some((l) => /through the direct path \(127\.0\.0\.1:\d+\)/.test(l)));
});

test('no proxy answering: the socket works through the guest link, and the agent says so once', async (t) => {
  const m = await start(t, false);
  for (let i = 0; i < 3; i++) assert.equal(await httpPing(m.paths.dockerSock), true);
  assert.equal(m.log.filter((l) => /direct path failed/.test(l)).length, 1, m.log.join('\n'));
});
