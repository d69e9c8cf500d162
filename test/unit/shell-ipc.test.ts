import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerMessage } from '../../app/api/contract';
import { ApiFailure } from '../../app/api/errors';
import type { Implementation } from '../../app/api/session';
import { WindowEndpoint } from '../../app/shell/ipc-endpoint';
import { APP_ENTRY } from '../../app/shell/policy';

function setup() {
  const calls: unknown[] = [];
  let streamsStopped = 0;
  const impl = {
    methods: {
      'machine.status': async () => {
        calls.push('machine.status');
        return { name: 'default', status: { name: 'default', state: 'running' } };
      },
      'container.start': async (p: { id: string }) => {
        calls.push(p);
        throw new ApiFailure('ENOTFOUND', `No such container: ${p.id}. It was removed: refresh the list.`);
      },
    },
    streams: {
      'engine.events': async (_p: unknown, sink: { data(d: unknown): void }) => {
        sink.data({ type: 'container', action: 'start', id: 'abc', attributes: {}, timeNano: 1 });
        return { stop: () => void streamsStopped++ };
      },
    },
  } as unknown as Implementation;
  const webContents = {};
  const mainFrame = { url: APP_ENTRY };
  const sent: ServerMessage[] = [];
  const logs: string[] = [];
  const ep = new WindowEndpoint(
    impl,
    { webContents, mainFrame },
    (m) => sent.push(m),
    (m) => logs.push(m),
  );
  const own = { sender: webContents, senderFrame: mainFrame };
  return { ep, own, sent, logs, calls, webContents, stopped: () => streamsStopped };
}
const tick = () => new Promise((r) => setImmediate(r));

test('a call from the own window is answered; errors come back as data', async () => {
  const { ep, own, sent, calls } = setup();
  assert.ok(ep.receive(own, { t: 'call', id: 1, method: 'machine.status', params: {} }));
  assert.ok(ep.receive(own, { t: 'call', id: 2, method: 'container.start', params: { id: 'web' } }));
  await tick();
  assert.deepEqual(calls, ['machine.status', { id: 'web' }]);
  assert.deepEqual(sent, [
    {
      t: 'result',
      id: 1,
      result: { ok: true, value: { name: 'default', status: { name: 'default', state: 'running' } } },
    },
    {
      t: 'result',
      id: 2,
      result: {
        ok: false,
        error: { code: 'ENOTFOUND', message: 'No such container: web. It was removed: refresh the list.' },
      },
    },
  ]);
});

test('every argument is validated before any work: bad params, unknown methods, junk', async () => {
  const { ep, own, sent, calls } = setup();
  ep.receive(own, { t: 'call', id: 1, method: 'container.start', params: { id: '../../etc', extra: 1 } });
  ep.receive(own, { t: 'call', id: 2, method: 'container.start', params: { id: '; rm -rf /' } });
  ep.receive(own, { t: 'call', id: 3, method: 'machine.delete', params: {} });
  ep.receive(own, { t: 'call', id: 4, method: 'constructor', params: {} });
  ep.receive(own, 'not a message');
  ep.receive(own, { t: 'call', id: 'x', method: 'machine.status' });
  await tick();
  assert.deepEqual(calls, []);
  assert.deepEqual(
    sent.map((m) => (m.t === 'result' && !m.result.ok ? [m.id, m.result.error.code] : m)),
    [
      [1, 'EINVAL'],
      [2, 'EINVAL'],
      [3, 'ENOMETHOD'],
      [4, 'ENOMETHOD'],
    ],
  );
});

test('messages from another window, a subframe or a foreign page are refused and logged (a few times)', async () => {
  const { ep, sent, calls, logs, webContents } = setup();
  const msg = { t: 'call', id: 1, method: 'machine.status', params: {} };
  assert.equal(ep.receive({ sender: {}, senderFrame: { url: APP_ENTRY } }, msg), false);
  assert.equal(ep.receive({ sender: webContents, senderFrame: { url: APP_ENTRY } }, msg), false);
  assert.equal(ep.receive({ sender: webContents, senderFrame: null }, msg), false);
  for (let i = 0; i < 10; i++) ep.receive({ sender: webContents, senderFrame: { url: 'https://evil.example/' } }, msg);
  await tick();
  assert.deepEqual([sent, calls], [[], []]);
  assert.equal(logs.length, 5);
  assert.match(logs[0], /^refused an IPC message from berth:\/\/app\/index.html$/);
});

test("a new page stops the old page's streams; after close nothing is accepted", async () => {
  const { ep, own, sent, stopped } = setup();
  ep.receive(own, { t: 'sub', id: 7, stream: 'engine.events', params: {} });
  await tick();
  assert.deepEqual(sent[0], {
    t: 'data',
    id: 7,
    data: { type: 'container', action: 'start', id: 'abc', attributes: {}, timeNano: 1 },
  });
  ep.pageChanged();
  assert.equal(stopped(), 1);
  ep.receive(own, { t: 'unsub', id: 7 }); // the old id means nothing to the new session
  assert.equal(stopped(), 1);
  ep.receive(own, { t: 'sub', id: 7, stream: 'engine.events', params: {} });
  await tick();
  ep.close();
  assert.equal(stopped(), 2);
  assert.equal(ep.receive(own, { t: 'call', id: 9, method: 'machine.status', params: {} }), false);
});
