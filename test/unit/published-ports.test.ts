// Which host ports to open, from the engine's real answer to GET /containers/json?all=1
// (captured from dockerd 20.10.24 in a Berth VM: a running container publishing TCP on
// every address, TCP on 127.0.0.1 only and UDP; a paused one; one not publishing; a created one).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { wantedPorts, type EngineContainer } from '../../app/agent/published-ports';

const captured = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '../../../test/fixtures/engine/containers-json-20.10.json'), 'utf8'),
);

test('each published port once, with where to reach it in the VM; created containers and unpublished ports left out', () => {
  assert.deepEqual(wantedPorts(captured), [
    { hostPort: 15353, protocol: 'udp', guestHost: '127.0.0.1', container: 'web', containerPort: 53 },
    { hostPort: 18080, protocol: 'tcp', guestHost: '127.0.0.1', container: 'web', containerPort: 80 },
    { hostPort: 18082, protocol: 'tcp', guestHost: '127.0.0.1', container: 'paused', containerPort: 8000 },
    { hostPort: 18443, protocol: 'tcp', guestHost: '127.0.0.1', container: 'web', containerPort: 443 },
  ]);
});

test('a port published on one address of the VM is reached at that address', () => {
  const one = [
    {
      Names: ['/api'],
      State: 'running',
      Ports: [{ IP: '10.0.2.15', PrivatePort: 3000, PublicPort: 3000, Type: 'tcp' }],
    },
  ];
  assert.equal(wantedPorts(one)[0].guestHost, '10.0.2.15');
});

test('exited containers publish nothing', () => {
  const gone = (captured as EngineContainer[]).map((c) => ({ ...c, State: 'exited' }));
  assert.deepEqual(wantedPorts(gone), []);
});
