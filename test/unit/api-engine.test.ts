import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogLine } from '../../app/api/contract';
import { Demuxer, LineSplitter } from '../../app/api/engine/demux';
import { PullTracker, splitReference } from '../../app/api/engine/pull-progress';
import { containerSummary, splitCommand, statsSample, volumeSummaries } from '../../app/api/engine/summaries';

function frame(type: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const h = Buffer.alloc(8);
  h[0] = type;
  h.writeUInt32BE(payload.length, 4);
  return Buffer.concat([h, payload]);
}

test('the demuxer reassembles frames split anywhere and tells stdout from stderr', () => {
  const out: LogLine[] = [];
  const split = new LineSplitter(true);
  const d = new Demuxer((s, p) => split.push(s, p, out));
  const all = Buffer.concat([
    frame(1, '2026-01-01T10:00:00.000000001Z hello\n2026-01-01T10:00:00.1Z wor'),
    frame(2, '2026-01-01T10:00:01Z oops\n'),
    frame(1, 'ld\n'),
    frame(1, 'Gr\xc3'.length ? Buffer.from([0x32, 0x30, 0x32, 0x36, 0x2d]).toString() : ''),
  ]);
  for (let i = 0; i < all.length; i += 3) d.push(all.subarray(i, i + 3));
  split.flush(out);
  assert.deepEqual(out.slice(0, 3), [
    { stream: 'stdout', ts: '2026-01-01T10:00:00.000000001Z', text: 'hello' },
    { stream: 'stderr', ts: '2026-01-01T10:00:01Z', text: 'oops' },
    { stream: 'stdout', ts: '2026-01-01T10:00:00.1Z', text: 'world' },
  ]);
  assert.equal(out[3].text, '2026-');
});

test('a multi-byte character split across chunks stays whole', () => {
  const out: LogLine[] = [];
  const split = new LineSplitter(false);
  const b = Buffer.from('grüße\n');
  split.push('stdout', b.subarray(0, 3), out);
  split.push('stdout', b.subarray(3), out);
  assert.deepEqual(out, [{ stream: 'stdout', text: 'grüße' }]);
});

test('pull progress sums the layers into one bar', () => {
  const t = new PullTracker();
  t.update({ status: 'Pulling from e2e/payload', id: '1' });
  t.update({ status: 'Pulling fs layer', id: 'aaaaaaaaaaaa' });
  t.update({ status: 'Pulling fs layer', id: 'bbbbbbbbbbbb' });
  t.update({ status: 'Already exists', id: 'cccccccccccc' });
  t.update({ status: 'Downloading', id: 'aaaaaaaaaaaa', progressDetail: { current: 100, total: 1000 } });
  t.update({ status: 'Downloading', id: 'bbbbbbbbbbbb', progressDetail: { current: 50, total: 3000 } });
  assert.deepEqual(t.snapshot(), { current: 150, total: 4000, layers: 3, layersDone: 1, status: 'Downloading' });
  t.update({ status: 'Download complete', id: 'aaaaaaaaaaaa' });
  assert.equal(t.snapshot().current, 1050);
  assert.equal(t.snapshot().layersDone, 2);
  assert.deepEqual(t.finish(), { current: 4000, total: 4000, layers: 3, layersDone: 3, status: 'Download complete' });
  assert.throws(
    () => t.update({ errorDetail: { message: 'manifest unknown' }, error: 'manifest unknown' }),
    /manifest unknown/,
  );
});

test('references: a registry port is not a tag; no tag means latest', () => {
  assert.deepEqual(splitReference('busybox'), { name: 'busybox', tag: 'latest' });
  assert.deepEqual(splitReference('10.0.2.2:5000/tiny'), { name: '10.0.2.2:5000/tiny', tag: 'latest' });
  assert.deepEqual(splitReference('10.0.2.2:5000/tiny:1'), { name: '10.0.2.2:5000/tiny', tag: '1' });
  assert.deepEqual(splitReference('alpine@sha256:abc'), { name: 'alpine', tag: 'sha256:abc' });
});

test('container summaries: name, compose labels, ports once per address family', () => {
  const c = containerSummary({
    Id: 'abc',
    Names: ['/shop-web-1'],
    Image: 'nginx',
    State: 'running',
    Status: 'Up 2 minutes',
    Created: 1,
    Labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web' },
    Ports: [
      { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
      { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
      { PrivatePort: 443, Type: 'tcp' },
    ],
  });
  assert.equal(c.name, 'shop-web-1');
  assert.equal(c.project, 'shop');
  assert.equal(c.service, 'web');
  assert.deepEqual(
    c.ports.map((p) => `${p.publicPort ?? '-'}:${p.privatePort}`),
    ['8080:80', '-:443'],
  );
});

test('volumes: size from /system/df and the containers that mount each', () => {
  const v = volumeSummaries(
    {
      Volumes: [
        { Name: 'data', Driver: 'local', Mountpoint: '/m', UsageData: { Size: 42, RefCount: 1 } },
        { Name: 'x', Driver: 'local', Mountpoint: '/x' },
      ],
    },
    [
      { Id: '1', Names: ['/db'], Mounts: [{ Type: 'volume', Name: 'data' }] },
      { Id: '2', Names: ['/web'], Mounts: [{ Type: 'bind', Source: '/srv' }] },
    ],
  );
  assert.deepEqual(
    v.map((x) => [x.name, x.size, x.usedBy]),
    [
      ['data', 42, ['db']],
      ['x', -1, []],
    ],
  );
});

test('stats: CPU percent from the deltas, memory without the page cache', () => {
  const s = statsSample(
    {
      cpu_stats: { cpu_usage: { total_usage: 3_000 }, system_cpu_usage: 20_000, online_cpus: 2 },
      precpu_stats: { cpu_usage: { total_usage: 1_000 }, system_cpu_usage: 10_000 },
      memory_stats: { usage: 10_000, limit: 100_000, stats: { inactive_file: 4_000 } },
    },
    5,
  );
  assert.deepEqual(s, { t: 5, cpuPercent: 40, memBytes: 6_000, memLimit: 100_000 });
});

test('commands split like a shell for simple quoting', () => {
  assert.deepEqual(splitCommand(`sh -c "echo 'hi there'; sleep 1" x`), ['sh', '-c', "echo 'hi there'; sleep 1", 'x']);
});
