// The SSH link's TCP connection: writes made in one turn of the event loop are held (corked)
// and leave together at the end of it, in order and whole.
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import { coalescingConnect } from '../../app/agent/coalescing-socket';

test('writes in one turn leave together, in order; the next turn starts a new batch', async () => {
  let got = Buffer.alloc(0);
  let peer: net.Socket | undefined;
  const server = net.createServer((s) => {
    peer = s;
    s.on('data', (d) => (got = Buffer.concat([got, d])));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const sock = coalescingConnect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await new Promise<void>((r) => sock.once('connect', () => r()));
  for (let turn = 0; turn < 3; turn++) {
    sock.write(Buffer.from([turn, 4]));
    assert.equal(sock.writableCorked, 1, 'held after the first write of a turn');
    sock.write(Buffer.alloc(80, turn));
    sock.write('tag'.repeat(5) + String(turn));
    assert.equal(sock.writableCorked, 1, 'still one batch');
    await new Promise((r) => process.nextTick(r));
    assert.equal(sock.writableCorked, 0, 'sent at the end of the turn');
  }
  const want = Buffer.concat(
    [0, 1, 2].flatMap((t) => [Buffer.from([t, 4]), Buffer.alloc(80, t), Buffer.from('tag'.repeat(5) + String(t))]),
  );
  for (let i = 0; i < 100 && got.length < want.length; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(got, want);
  sock.destroy();
  peer?.destroy();
  server.close();
});
