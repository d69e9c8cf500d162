import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lastLines, tail, tailAsync } from '../../app/base/files';

test('the last lines of a log: the final newline and carriage returns do not count', () => {
  assert.equal(lastLines('a\nb\nc\n', 2), 'b\nc');
  assert.equal(lastLines('a\r\nb\r\nc', 2), 'b\nc');
  assert.equal(lastLines('a\nb\n\n\n', 1), 'b');
  assert.equal(lastLines('only\n', 5), 'only');
  assert.equal(lastLines('', 3), '');
  assert.equal(lastLines('a\nb\n', 0), '');
});

test('tail and its async twin read the same lines, and a missing file is empty', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-tail-'));
  try {
    const file = path.join(dir, 'console.log');
    fs.writeFileSync(file, Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n') + '\n');
    assert.equal(tail(file, 3), 'line 27\nline 28\nline 29');
    assert.equal(await tailAsync(file, 3), 'line 27\nline 28\nline 29');
    assert.equal(tail(path.join(dir, 'none.log'), 3), '');
    assert.equal(await tailAsync(path.join(dir, 'none.log'), 3), '');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
