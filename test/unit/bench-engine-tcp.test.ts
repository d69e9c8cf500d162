// The engine's unauthenticated TCP listener (issue 15): no settings call, no CLI flag and no
// settings file turns it on; only the environment the benchmark gives the host agent does.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BENCH_ENGINE_TCP_ENV, engineTcpForBenchmark } from '../../app/agent/bench-engine-tcp';
import { hostAgentDeps } from '../../app/agent/host-deps';
import { ApiCallError, ApiClient } from '../../app/api/client';
import type { BerthPort, ServerMessage } from '../../app/api/contract';
import { createImplementation } from '../../app/api/handlers';
import { ApiSession } from '../../app/api/session';
import type { VmSpec } from '../../app/base/vm-types';
import { ensureMachineDir, machinePaths } from '../../app/base/paths';
import { readRuntime } from '../../app/base/runtime';
import { defaultSettings } from '../../app/base/settings/schema';
import { saveSettings } from '../../app/base/settings/store';
import { Machines } from '../../app/machine/machines';
import { benchEnv } from '../../scripts/bench/core';
import { berthSync, tempHome } from '../helpers/cli';
import { FakeDriver } from '../helpers/fake-driver';
import { agentOnFakes } from '../helpers/fake-agent';
import { fakeEngine } from '../helpers/fake-guest';

process.env.DOCKER_CONFIG = tempHome('bdc');

/** A settings file as Berth 2 wrote it, with the benchmark's listener switched on. */
function oldSettingsFile(file: string): void {
  const v2 = {
    version: 2,
    cpus: 2,
    memoryMiB: 2048,
    diskGiB: 64,
    accel: 'tcg',
    shares: ['~'],
    engine: { insecureRegistries: [], registryMirrors: [], tcpForBenchmark: true },
  };
  fs.writeFileSync(file, JSON.stringify(v2), { mode: 0o600 });
}

/** The API as `berth ui` and the desktop app serve it, over an in-memory port (messages cloned as JSON). */
function api(home: string) {
  const machines = new Machines({ home, driver: () => new FakeDriver() });
  const impl = createImplementation({ machines });
  const listeners = new Set<(m: ServerMessage) => void>();
  const session = new ApiSession(impl, (m) => {
    const copy = JSON.parse(JSON.stringify(m)) as ServerMessage;
    queueMicrotask(() => listeners.forEach((l) => l(copy)));
  });
  const port: BerthPort = {
    post: (m) => session.handle(JSON.parse(JSON.stringify(m))),
    onMessage: (l) => (listeners.add(l), () => listeners.delete(l)),
  };
  return { client: new ApiClient(port), machines };
}

const refusedByName = (e: unknown) =>
  e instanceof ApiCallError &&
  e.code === 'EINVAL' &&
  /tcpForBenchmark/.test(e.message) &&
  /unknown field/.test(e.message) &&
  !e.message.includes('\n');

test('the API refuses the listener in settings.set and machine.create with a one-line EINVAL', async () => {
  const home = tempHome();
  const { client, machines } = api(home);
  await assert.rejects(
    client.invoke('machine.create', { settings: { engine: { tcpForBenchmark: true } } as never }),
    refusedByName,
  );
  assert.equal(machines.exists('default'), false, 'nothing was created');
  await client.invoke('machine.create', {});
  await assert.rejects(
    client.invoke('settings.set', { change: { engine: { tcpForBenchmark: true } } as never }),
    refusedByName,
  );
  assert.equal('tcpForBenchmark' in machines.settings('default').engine, false);
});

test('settings.get does not show it, also for a machine whose old settings file had it on', async () => {
  const home = tempHome();
  const { client, machines } = api(home);
  assert.equal('tcpForBenchmark' in (await client.invoke('settings.get', {})).settings.engine, false);
  const p = machines.paths('default');
  ensureMachineDir(p);
  oldSettingsFile(p.settings);
  const view = await client.invoke('settings.get', {});
  assert.equal(view.defaults, undefined);
  assert.deepEqual(view.settings.engine, { insecureRegistries: [], registryMirrors: [] });
  assert.deepEqual(view.warnings, []);
});

test('the CLI has no flag for it, and berth init writes no such setting', () => {
  const home = tempHome();
  for (const flag of ['--tcp-for-benchmark', '--engine-tcp']) {
    const r = berthSync(home, ['init', flag]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^berth: berth init: unknown flag ${flag} \\(see "berth help init"\\)\\n$`));
  }
  const help = berthSync(home, ['help']);
  assert.doesNotMatch(help.stdout + help.stderr, /tcp|benchmark/i);
  const init = berthSync(home, ['init', '--accel', 'tcg']);
  assert.equal(init.code, 0, init.stderr);
  const written = JSON.parse(fs.readFileSync(machinePaths('default', home).settings, 'utf8')) as {
    engine: Record<string, unknown>;
  };
  assert.equal('tcpForBenchmark' in written.engine, false);
});

test('only the value "1" of the agent environment variable asks for the listener', () => {
  assert.equal(engineTcpForBenchmark({}), false);
  assert.equal(engineTcpForBenchmark({ [BENCH_ENGINE_TCP_ENV]: '0' }), false);
  assert.equal(engineTcpForBenchmark({ [BENCH_ENGINE_TCP_ENV]: '' }), false);
  assert.equal(engineTcpForBenchmark({ [BENCH_ENGINE_TCP_ENV]: '1' }), true);
});

test('the bench gives the variable to the CLI (and so the agent) only when asked, never from its own shell', () => {
  const before = process.env[BENCH_ENGINE_TCP_ENV];
  process.env[BENCH_ENGINE_TCP_ENV] = '1';
  try {
    assert.equal(benchEnv('/bench/home')[BENCH_ENGINE_TCP_ENV], undefined);
    assert.equal(benchEnv('/bench/home').BERTH_HOME, '/bench/home');
    assert.equal(benchEnv('/bench/home', true)[BENCH_ENGINE_TCP_ENV], '1');
  } finally {
    if (before === undefined) delete process.env[BENCH_ENGINE_TCP_ENV];
    else process.env[BENCH_ENGINE_TCP_ENV] = before;
  }
});

/**
 * Starts a machine with the host agent's deps built as its entry point builds them from `env`,
 * a fake VM and guest, and a settings file as Berth 2 wrote it (listener on) or as `berth init` does.
 */
async function startWithAgentEnv(t: TestContext, env: NodeJS.ProcessEnv, settingsFile: 'old' | 'new') {
  const home = tempHome();
  const paths = machinePaths('t', home);
  ensureMachineDir(paths);
  if (settingsFile === 'old') oldSettingsFile(paths.settings);
  else saveSettings(paths.settings, defaultSettings());
  const engine = await fakeEngine(path.join(home, 'engine.sock'));
  const started: VmSpec[] = [];
  const driver = new FakeDriver();
  driver.onCall = (method, spec) => void (method === 'start' && started.push(spec));
  const agent = agentOnFakes(
    hostAgentDeps('t', paths, driver, () => undefined, env),
    engine.sock,
  );
  t.after(async () => {
    if (agent.status.state !== 'stopped') await agent.down(false);
    await engine.close();
  });
  const status = await agent.up();
  assert.equal(status.state, 'running');
  assert.equal(started.length, 1);
  return { spec: started[0], runtime: readRuntime(paths) };
}

test('an old settings file with the listener on loads, and the machine has no TCP listener', async (t) => {
  const m = await startWithAgentEnv(t, {}, 'old');
  assert.equal(m.spec.engineTcpPort, undefined);
  assert.equal(m.spec.guestConfig.engineTcp, undefined);
  assert.equal(m.runtime?.engineTcpPort, undefined);
});

test("the benchmark's agent (its environment asks for it) forwards the engine's TCP listener", async (t) => {
  const m = await startWithAgentEnv(t, { [BENCH_ENGINE_TCP_ENV]: '1' }, 'new');
  assert.equal(typeof m.spec.engineTcpPort, 'number');
  assert.equal(m.spec.guestConfig.engineTcp, true);
  // What the benchmark's round trips read to find the forward.
  assert.equal(m.runtime?.engineTcpPort, m.spec.engineTcpPort);
});
