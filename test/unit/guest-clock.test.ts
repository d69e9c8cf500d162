// The agent's guest-clock keeper against a stand-in guest whose clock can be set behind: host
// sleep cannot be caused on a test machine, so the host's clocks are readings the test moves.
// The guest's own script (/etc/berth/clock) runs for real in the integration tests.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { clockJump, GuestClock, type ClockReadings, type GuestExec } from '../../app/agent/guest-clock';

/** Host clocks the test moves, and a guest whose clock is `offsetS` seconds off the host's. */
function world(offsetS: number) {
  const host: ClockReadings = { wall: 1_800_000_000_000, mono: 50_000 };
  const guest = { offsetS, commands: [] as string[] };
  const exec: GuestExec = async (command) => {
    guest.commands.push(command);
    const m = /^\/etc\/berth\/clock (\d+)$/.exec(command);
    if (!m) return { code: 2, stdout: '', stderr: 'usage: clock HOST-SECONDS' };
    const hostS = Number(m[1]);
    const drift = Math.round(host.wall / 1000) + guest.offsetS - hostS;
    if (Math.abs(drift) > 1) guest.offsetS = 0;
    return { code: 0, stdout: `${drift}\n`, stderr: '' };
  };
  const logs: string[] = [];
  const clock = new GuestClock({ exec, log: (m) => logs.push(m), readings: () => ({ ...host }) });
  /** Time passing while the host is awake: both clocks move. */
  const awake = (ms: number) => {
    host.wall += ms;
    host.mono += ms;
  };
  /** The host asleep: the guest's clock and the host's monotonic clock stand still. */
  const asleep = (ms: number) => {
    host.wall += ms;
    guest.offsetS -= Math.round(ms / 1000);
  };
  return { host, guest, clock, logs, awake, asleep };
}

test('clockJump: zero while awake, the sleep after a sleep, the step after the clock was set back', () => {
  const a = { wall: 1000, mono: 10 };
  assert.equal(clockJump(a, { wall: 6000, mono: 5010 }), 0);
  assert.equal(clockJump(a, { wall: 1000 + 3_605_000, mono: 5010 }), 3_600_000);
  assert.equal(clockJump(a, { wall: 1000 - 55_000, mono: 5010 }), -60_000);
});

test('an awake host with a guest on time: nothing is asked of the guest', async () => {
  const w = world(0);
  for (let i = 0; i < 100; i++) {
    w.awake(5000);
    await w.clock.tick();
  }
  assert.deepEqual(w.guest.commands, []);
  assert.deepEqual(w.logs, []);
});

test('after the host slept an hour, the next tick sets the guest right and says so', async () => {
  const w = world(0);
  w.awake(5000);
  await w.clock.tick();
  w.asleep(3_600_000);
  w.awake(5000);
  assert.equal(w.guest.offsetS, -3600);
  const drift = await w.clock.tick();
  assert.equal(drift, -3600);
  assert.equal(w.guest.offsetS, 0);
  assert.deepEqual(w.guest.commands, [`/etc/berth/clock ${Math.round(w.host.wall / 1000)}`]);
  assert.match(
    w.logs[0],
    /^guest clock was 3600 s behind the host's, now set \(the host's clock jumped 3600 s \(the computer slept, or its clock was set\)\)$/,
  );
  // The next ticks see no jump: the guest is not asked again.
  w.awake(5000);
  assert.equal(w.clock.tick(), undefined);
});

test('the host clock set back two minutes is a jump too', async () => {
  const w = world(0);
  w.host.wall -= 120_000;
  w.guest.offsetS += 120;
  w.awake(5000);
  assert.equal(await w.clock.tick(), 120);
  assert.match(w.logs[0], /120 s ahead of the host's/);
});

test('a drift no jump explains is found by the periodic check (every 10 minutes)', async () => {
  const w = world(0);
  w.guest.offsetS = -7;
  for (let t = 5000; t < 600_000; t += 5000) {
    w.awake(5000);
    assert.equal(w.clock.tick(), undefined, `no check after ${t / 1000} s`);
  }
  w.awake(5000);
  assert.equal(await w.clock.tick(), -7);
  assert.match(w.logs[0], /7 s behind .*\(periodic check\)/);
});

test('a guest within a second is left alone and nothing is logged', async () => {
  const w = world(1);
  assert.equal(await w.clock.check('test'), 1);
  assert.equal(w.guest.offsetS, 1);
  assert.deepEqual(w.logs, []);
});

test('checks asked for together run once', async () => {
  const w = world(-30);
  const [a, b] = await Promise.all([w.clock.check('one'), w.clock.check('two')]);
  assert.equal(a, -30);
  assert.equal(b, -30);
  assert.equal(w.guest.commands.length, 1);
});

test('a guest that cannot be asked, or answers nonsense, is logged and the agent goes on', async () => {
  const logs: string[] = [];
  const failing = new GuestClock({
    exec: async () => Promise.reject(new Error('no SSH connection to the VM within 30 s')),
    log: (m) => logs.push(m),
  });
  assert.equal(await failing.check('the SSH connection came back'), undefined);
  const old = new GuestClock({
    exec: async () => ({ code: 127, stdout: '', stderr: 'sh: /etc/berth/clock: not found\n' }),
    log: (m) => logs.push(m),
  });
  assert.equal(await old.check('periodic check'), undefined);
  const garbled = new GuestClock({
    exec: async () => ({ code: 0, stdout: 'soon\n', stderr: '' }),
    log: (m) => logs.push(m),
  });
  assert.equal(await garbled.check('periodic check'), undefined);
  assert.deepEqual(logs, [
    'guest clock: could not check it (the SSH connection came back): no SSH connection to the VM within 30 s',
    'guest clock: could not check it (periodic check): sh: /etc/berth/clock: not found',
    'guest clock: could not check it (periodic check): soon',
  ]);
});

test('start ticks on a timer that never keeps the process alive; stop ends it', () => {
  const w = world(0);
  w.clock.start();
  const timer = (w.clock as unknown as { timer: NodeJS.Timeout }).timer;
  assert.equal(timer.hasRef(), false);
  w.clock.stop();
  assert.equal((w.clock as unknown as { timer?: NodeJS.Timeout }).timer, undefined);
});
