import * as assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { onJsonLines } from '../../app/base/ndjson';

function collect() {
  const s = new PassThrough();
  const got: unknown[] = [];
  const bad: string[] = [];
  onJsonLines(
    s,
    (m) => got.push(m),
    (l) => bad.push(l),
  );
  return { s, got, bad };
}

test('a multi-byte character cut between two chunks arrives whole', () => {
  const { s, got, bad } = collect();
  const bytes = Buffer.from('{"note":"café 🐳"}\n');
  const e = bytes.indexOf(Buffer.from('é'));
  const whale = bytes.indexOf(Buffer.from('🐳'));
  // Cut inside "é" (2 bytes) and inside the whale (4 bytes).
  s.write(bytes.subarray(0, e + 1));
  s.write(bytes.subarray(e + 1, whale + 2));
  s.write(bytes.subarray(whale + 2));
  assert.deepEqual(got, [{ note: 'café 🐳' }]);
  assert.deepEqual(bad, []);
});

test('blank lines are skipped; a bad line is reported and the next one still read', () => {
  const { s, got, bad } = collect();
  s.write('\n  \n{"a":1}\n\r\nnot json\n{"b":');
  s.write('2}\n');
  assert.deepEqual(got, [{ a: 1 }, { b: 2 }]);
  assert.deepEqual(bad, ['not json']);
});

test('a last line is emitted only once its newline comes', () => {
  const { s, got } = collect();
  s.write('{"a":1}\n{"b":2}');
  assert.deepEqual(got, [{ a: 1 }]);
  s.write('\n');
  assert.deepEqual(got, [{ a: 1 }, { b: 2 }]);
});

test('without a bad-line handler a bad line is skipped quietly', () => {
  const s = new PassThrough();
  const got: unknown[] = [];
  onJsonLines(s, (m) => got.push(m));
  s.write('{oops\n[1,2]\n');
  assert.deepEqual(got, [[1, 2]]);
});

test("the agent protocol's messages split across chunks arrive whole; bad lines are reported", () => {
  const { s, got, bad } = collect();
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
