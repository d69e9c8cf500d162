import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { onJsonLines } from '../../app/agent/api/protocol';

test('JSON lines split across chunks arrive whole; bad lines are reported', () => {
  const s = new PassThrough();
  const got: unknown[] = [];
  const bad: string[] = [];
  onJsonLines(
    s,
    (m) => got.push(m),
    (l) => bad.push(l),
  );
  s.write('{"id":1,"meth');
  s.write('od":"status"}\n{"event":"note","data":"x"}\n\nnot json\n{"id":2');
  s.write(',"method":"up"}\n');
  assert.deepEqual(got, [
    { id: 1, method: 'status' },
    { event: 'note', data: 'x' },
    { id: 2, method: 'up' },
  ]);
  assert.deepEqual(bad, ['not json']);
});
