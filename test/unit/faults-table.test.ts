// The fault suite's table (npm run faults): its closing line is what CI and people read.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { allWell, formatTable, summaryLine, type FaultRow } from '../faults/table';

const row = (fault: string, tries: number, recovered: number, lost: number, notes: string[] = []): FaultRow => ({
  fault,
  tries,
  recovered,
  lost,
  notes,
});

test('the table ends with one line of totals, and notes sit under their fault', () => {
  const rows = [row('kill -9 of QEMU', 3, 3, 0), row('the host disk full', 3, 2, 1, ['#2: not recovered: hung'])];
  const lines = formatTable(rows).split('\n');
  assert.match(lines[0], /^fault\s+tries\s+recovered\s+data lost$/);
  assert.match(lines[2], /^kill -9 of QEMU\s+3\s+3\s+0$/);
  assert.equal(lines[4], '    #2: not recovered: hung');
  assert.equal(lines.at(-1), 'faults: 6 tried, 5 recovered, 1 lost');
  assert.equal(summaryLine(rows), lines.at(-1));
});

test('the suite passes only when every try recovered, nothing was lost, and every fault was tried', () => {
  assert.equal(allWell([row('a', 3, 3, 0), row('b', 1, 1, 0)]), true);
  assert.equal(allWell([row('a', 3, 2, 0)]), false);
  assert.equal(allWell([row('a', 3, 3, 1)]), false);
  assert.equal(allWell([row('a', 0, 0, 0)]), false);
});
