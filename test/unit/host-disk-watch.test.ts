// The agent's watch for a VM paused because the host's disk is full: it says so once, lets the
// VM go on only when there is room again, and says when it runs again. The real pause (QEMU,
// a full tmpfs) is tried by the fault suite (npm run faults).
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { pausedForNoSpace } from '../../app/driver/qemu/qemu-driver';
import { watchHostDisk } from '../../app/agent/host-disk-watch';
import type { Driver } from '../../app/driver/driver';
import type { VmSpec } from '../../app/base/vm-types';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('query-block: a device with io-status nospace paused the VM; others did not', () => {
  assert.equal(
    pausedForNoSpace([
      { device: 'root', 'io-status': 'ok' },
      { device: 'data', 'io-status': 'nospace' },
    ]),
    true,
  );
  assert.equal(pausedForNoSpace([{ device: 'data', 'io-status': 'failed' }]), false);
  assert.equal(pausedForNoSpace([{ device: 'data' }]), false);
  assert.equal(pausedForNoSpace(undefined), false);
});

test('the watch reports the pause, waits for free space, lets the VM go on, and reports it runs', async () => {
  let paused = true;
  let free = 10e6;
  let continued = 0;
  const driver = {
    pausedForHostDiskFull: () => Promise.resolve(paused),
    continueAfterHostDiskFull: () => {
      continued++;
      paused = false;
      return Promise.resolve();
    },
  } as unknown as Driver;
  const changes: (string | undefined)[] = [];
  const stop = watchHostDisk({
    driver,
    spec: {} as VmSpec,
    dir: '/machines/default',
    onChange: (m) => changes.push(m),
    log: () => undefined,
    everyMs: 5,
    minFreeBytes: 100e6,
    freeBytes: () => Promise.resolve(free),
  });
  try {
    await sleep(60);
    assert.equal(changes.length, 1, 'said once');
    assert.match(
      changes[0]!,
      /host's disk is full where the machine's folder is \(\/machines\/default, 10 MB free\).*at least 100 MB/,
    );
    assert.equal(continued, 0, 'not let go on without room');
    free = 500e6;
    await sleep(60);
    assert.equal(continued, 1);
    assert.deepEqual(changes.slice(1), [undefined]);
  } finally {
    stop();
  }
});

test('a driver that cannot tell is not watched', () => {
  const stop = watchHostDisk({
    driver: {} as Driver,
    spec: {} as VmSpec,
    dir: '/x',
    onChange: () => assert.fail('no change expected'),
    log: () => undefined,
  });
  stop();
});
