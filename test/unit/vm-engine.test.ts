// The engine build's version handling and its own patches (the compile itself runs in the image build).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { upstreamVersion } from '../../vm-images/build/engine';
import { BUILD_SRC_DIR } from '../../vm-images/build/config';

test('upstream versions drop the epoch and the Debian revision, as debian/rules does', () => {
  assert.equal(upstreamVersion('20.10.24+dfsg1-1+deb12u1'), '20.10.24+dfsg1');
  assert.equal(upstreamVersion('26.1.5+dfsg1-9+deb13u1'), '26.1.5+dfsg1');
  assert.equal(upstreamVersion('1.6.20~ds1-1+deb12u3'), '1.6.20~ds1');
  assert.equal(upstreamVersion('1:2.3-4'), '2.3');
  assert.equal(upstreamVersion('5.0'), '5.0');
});

test('the log-driver patch removes only cloud and journald drivers and keeps the local ones', () => {
  const patch = fs.readFileSync(path.join(BUILD_SRC_DIR, 'patches', 'dockerd-log-drivers.patch'), 'utf8');
  const removed = [...patch.matchAll(/^-\t_ "github\.com\/docker\/docker\/daemon\/logger\/([a-z]+)"$/gm)]
    .map((m) => m[1])
    .sort();
  // logentries left the engine upstream in Docker 25.
  assert.deepEqual(removed, ['awslogs', 'gcplogs', 'journald', 'splunk']);
  for (const kept of ['jsonfilelog', 'local', 'syslog', 'gelf', 'fluentd'])
    assert.match(patch, new RegExp(`^ \\t_ ".*/logger/${kept}"$`, 'm'));
  assert.doesNotMatch(patch, /^\+\t/m, 'the patch adds no code');
});
