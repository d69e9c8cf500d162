import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiCallError, ApiClient } from '../../app/api/client';
import type { BerthPort, ClientMessage, ServerMessage } from '../../app/api/contract';
import { ApiFailure } from '../../app/api/errors';
import { ApiSession, type Implementation, type StreamSink } from '../../app/api/session';
import { UserError } from '../../app/base/errors';

/** A client and a session joined by an in-memory port, the messages cloned as JSON like the WebSocket does. */
function pair(impl: Partial<Implementation['methods']>, streams: Partial<Implementation['streams']> = {}) {
  const listeners = new Set<(m: ServerMessage) => void>();
  const session = new ApiSession({ methods: impl as never, streams: streams as never }, (m) => {
    const copy = JSON.parse(JSON.stringify(m));
    queueMicrotask(() => listeners.forEach((l) => l(copy)));
  });
  const sent: ClientMessage[] = [];
  const port: BerthPort = {
    post: (m) => {
      sent.push(m);
      session.handle(JSON.parse(JSON.stringify(m)));
    },
    onMessage: (l) => (listeners.add(l), () => listeners.delete(l)),
  };
  return { client: new ApiClient(port), session, sent };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

test('a call returns the value of its method', async () => {
  const { client } = pair({ 'containers.list': async (p) => [{ id: p.id ?? 'all' } as never] });
  assert.deepEqual(await client.invoke('containers.list', { id: 'abc' }), [{ id: 'abc' }]);
});

test('params are validated against the schema, with a one-line error naming the field', async () => {
  const { client } = pair({
    'image.run': async () => ({ id: 'x', warnings: [] }),
    'container.start': async () => null,
  });
  await assert.rejects(
    client.invoke('image.run', { image: 'tiny', ports: [{ container: '80', host: 70000 }], env: [], volumes: [] }),
    (e: ApiCallError) =>
      e instanceof ApiCallError &&
      e.code === 'EINVAL' &&
      /^params\.ports\.0\.host = 70000 must be <= 65535/.test(e.message) &&
      !e.message.includes('\n'),
  );
  await assert.rejects(
    client.invoke('container.start', { id: 'a', extra: 1 } as never),
    /params: unknown field "extra"/,
  );
  await assert.rejects(client.invoke('container.start', {} as never), /params: missing field "id"/);
  await assert.rejects(
    client.invoke('container.start', { id: '../../etc' }),
    /params\.id = "\.\.\/\.\.\/etc" must match pattern/,
  );
});

test('machine.stop takes an optional shutdown flag, and nothing else', async () => {
  const got: unknown[] = [];
  const { client } = pair({
    'machine.stop': async (p) => (got.push(p), { name: 'default', status: { name: 'default', state: 'stopped' } }),
  });
  await client.invoke('machine.stop', {});
  await client.invoke('machine.stop', { shutdown: true });
  assert.deepEqual(got, [{}, { shutdown: true }]);
  await assert.rejects(
    client.invoke('machine.stop', { shutdown: 'yes' } as never),
    /params\.shutdown = "yes" must be boolean/,
  );
  await assert.rejects(client.invoke('machine.stop', { force: true } as never), /params: unknown field "force"/);
});

test('an unknown method is refused as data, not a crash', async () => {
  const { client } = pair({});
  await assert.rejects(client.invoke('nope' as never, {} as never), (e: ApiCallError) => e.code === 'ENOMETHOD');
});

test('errors cross as data and are rethrown as real errors with code and details', async () => {
  const { client } = pair({
    'machine.start': async () => {
      throw new UserError('the VM did not boot: see the console', { code: 'EBOOT', details: 'console tail' });
    },
    'container.stop': async () => {
      throw Object.assign(new Error('(HTTP code 404) no such container'), {
        statusCode: 404,
        json: { message: 'No such container: x' },
      });
    },
    'engine.info': async () => {
      throw new ApiFailure('ENGINE_UNREACHABLE', 'The Docker engine does not answer');
    },
    'images.list': async () => {
      throw new TypeError('x is undefined');
    },
  });
  await assert.rejects(
    client.invoke('machine.start', {}),
    (e: ApiCallError) => e.code === 'EBOOT' && e.details === 'console tail' && e instanceof Error,
  );
  await assert.rejects(
    client.invoke('container.stop', { id: 'x' }),
    (e: ApiCallError) => e.code === 'ENOTFOUND' && /No such container: x/.test(e.message),
  );
  await assert.rejects(client.invoke('engine.info', {}), (e: ApiCallError) => e.code === 'ENGINE_UNREACHABLE');
  await assert.rejects(
    client.invoke('images.list', {}),
    (e: ApiCallError) => e.code === 'EINTERNAL' && /bug in Berth/.test(e.message),
  );
});

test('a stream sends data, takes validated input, and stops its source when unsubscribed', async () => {
  let sink: StreamSink<string> | undefined;
  const inputs: unknown[] = [];
  let stopped = 0;
  const { client } = pair(
    {},
    {
      'container.exec': async (_p, s) => {
        sink = s;
        return { input: (i) => inputs.push(i), stop: () => stopped++ };
      },
    },
  );
  const got: string[] = [];
  const sub = client.subscribe('container.exec', { id: 'c', cols: 80, rows: 24 }, { onData: (d) => got.push(d) });
  await tick();
  sink!.data('$ ');
  await tick();
  assert.deepEqual(got, ['$ ']);
  sub.send({ kind: 'stdin', data: 'ls\r' });
  sub.send({ kind: 'resize', cols: 0, rows: 5 } as never); // invalid: dropped
  sub.send({ kind: 'resize', cols: 100, rows: 30 });
  await tick();
  assert.deepEqual(inputs, [
    { kind: 'stdin', data: 'ls\r' },
    { kind: 'resize', cols: 100, rows: 30 },
  ]);
  sub.stop();
  await tick();
  assert.equal(stopped, 1);
  sink!.data('late');
  await tick();
  assert.deepEqual(got, ['$ ']);
});

test('a stream that fails to start ends with the error; one that finishes ends without', async () => {
  const { client } = pair(
    {},
    {
      'container.logs': async () => {
        throw new ApiFailure('ENOTFOUND', 'No such container');
      },
      'image.pull': async (_p, s) => {
        setTimeout(() => {
          s.data({ current: 1, total: 2, layers: 1, layersDone: 0, status: 'Downloading' });
          s.end();
        }, 1);
        return { stop: () => undefined };
      },
    },
  );
  const ended = await new Promise<ApiCallError | undefined>((r) =>
    client.subscribe('container.logs', { id: 'x' }, { onData: () => undefined, onEnd: r }),
  );
  assert.equal(ended?.code, 'ENOTFOUND');
  const data: unknown[] = [];
  const end = await new Promise<ApiCallError | undefined>((r) =>
    client.subscribe('image.pull', { image: 'tiny' }, { onData: (d) => data.push(d), onEnd: r }),
  );
  assert.equal(end, undefined);
  assert.equal(data.length, 1);
});

test('closing the session stops every stream', async () => {
  let stopped = 0;
  const { client, session } = pair({}, { 'engine.events': async () => ({ stop: () => stopped++ }) });
  client.subscribe('engine.events', {}, { onData: () => undefined });
  client.subscribe('engine.events', {}, { onData: () => undefined });
  await tick();
  session.close();
  assert.equal(stopped, 2);
});

test('garbage messages are ignored', () => {
  const s = new ApiSession({ methods: {} as never, streams: {} as never }, () => assert.fail('no answer expected'));
  for (const m of [null, 1, 'x', {}, { t: 'call' }, { t: 'call', id: 1.5 }, { t: 'input', id: 3, data: 1 }])
    s.handle(m);
});
