// The Docker socket's route: the direct path first, SSH when it fails, said once each way, and
// the direct path tried again after a while rather than on every connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, type Duplex } from 'node:stream';
import { DIRECT_RETRY_MS, EngineRoute } from '../../app/agent/engine-route';

function setup(directWorks: () => boolean) {
  let now = 1000;
  const used: string[] = [];
  const logs: string[] = [];
  const direct = () => {
    used.push('direct');
    return directWorks() ? Promise.resolve<Duplex>(new PassThrough()) : Promise.reject(new Error('closed'));
  };
  const ssh = () => {
    used.push('ssh');
    return Promise.resolve<Duplex>(new PassThrough());
  };
  const route = new EngineRoute(
    direct,
    ssh,
    (m) => logs.push(m),
    () => now,
  );
  return { route, used, logs, advance: (ms: number) => (now += ms) };
}

test('the direct path when it works; SSH never opened', async () => {
  const { route, used, logs } = setup(() => true);
  for (let i = 0; i < 3; i++) await route.open();
  assert.deepEqual(used, ['direct', 'direct', 'direct']);
  assert.deepEqual(logs, []);
});

test('a failed direct path falls back to SSH, logged once, and is tried again only after a while', async () => {
  let works = false;
  const { route, used, logs, advance } = setup(() => works);
  await route.open();
  await route.open();
  await route.open();
  assert.deepEqual(used, ['direct', 'ssh', 'ssh', 'ssh']);
  assert.equal(logs.length, 1);
  assert.match(logs[0], /direct path failed \(closed\); going through SSH/);
  advance(DIRECT_RETRY_MS);
  await route.open();
  assert.deepEqual(used.slice(4), ['direct', 'ssh'], 'still failing: SSH again, no new log line');
  assert.equal(logs.length, 1);
  works = true;
  advance(DIRECT_RETRY_MS);
  await route.open();
  await route.open();
  assert.deepEqual(used.slice(6), ['direct', 'direct']);
  assert.deepEqual(logs.slice(1), ['engine socket: the direct path to the engine works again']);
});

test('a machine without a direct path goes through SSH, silently', async () => {
  const used: string[] = [];
  const logs: string[] = [];
  const route = new EngineRoute(
    undefined,
    () => (used.push('ssh'), Promise.resolve<Duplex>(new PassThrough())),
    (m) => logs.push(m),
  );
  await route.open();
  assert.deepEqual(used, ['ssh']);
  assert.deepEqual(logs, []);
  assert.equal(route.usingDirect, false);
});
