import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { QmpClient, QmpError, type QmpEvent } from '../../app/driver/qemu/qmp';
import { fixture, parseQmpTranscript, type QmpExchange } from '../fixtures/qemu/load';

const transcript = parseQmpTranscript(fixture('qmp-transcript-7.2.txt'));
// Exchange 0 is the captured refusal of a command before qmp_capabilities; the client never does that.
const negotiated = transcript.exchanges.slice(1);

/**
 * A fake QEMU: sends the captured greeting, then answers each command with the
 * captured lines of the next exchange (CRLF like QEMU), checking the command name
 * and carrying the client's id into the reply as QEMU does.
 */
async function fakeQemu(exchanges: QmpExchange[], closeAfterLast: boolean) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-qmp-'));
  const sock = path.join(dir, 'qmp.sock');
  const received: Array<Record<string, unknown>> = [];
  const queue = [...exchanges];
  const server = net.createServer((c) => {
    c.write(transcript.greeting + '\r\n');
    let buf = '';
    c.on('data', (d) => {
      buf += d.toString();
      let n: number;
      while ((n = buf.indexOf('\n')) >= 0) {
        const msg = JSON.parse(buf.slice(0, n)) as Record<string, unknown>;
        buf = buf.slice(n + 1);
        received.push(msg);
        const ex = queue.shift();
        // Past the script: hang up without answering, like a QEMU that died.
        if (!ex) {
          c.destroy();
          return;
        }
        assert.equal(msg['execute'], ex.sent['execute']);
        for (const line of ex.replies) {
          const reply = JSON.parse(line) as Record<string, unknown>;
          if (!('event' in reply) && msg['id'] !== undefined) reply['id'] = msg['id'];
          c.write(JSON.stringify(reply) + '\r\n');
        }
        if (queue.length === 0 && closeAfterLast) c.end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(sock, r));
  return {
    endpoint: { kind: 'unix' as const, path: sock },
    received,
    close: () => {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('a whole captured session: status, stop/cont events, errors, powerdown, quit', async () => {
  const srv = await fakeQemu(negotiated, transcript.closesAfterLast);
  const qmp = await QmpClient.connect(srv.endpoint);
  const events: QmpEvent[] = [];
  qmp.on('event', (e: QmpEvent) => events.push(e));
  try {
    assert.deepEqual((qmp.greeting['QMP'] as { version: { qemu: unknown } }).version.qemu, {
      micro: 22,
      minor: 2,
      major: 7,
    });
    assert.equal(await qmp.queryStatus(), 'prelaunch');
    await qmp.execute('cont');
    assert.equal(await qmp.queryStatus(), 'running');
    await qmp.execute('stop');
    assert.equal(await qmp.queryStatus(), 'paused');
    await assert.rejects(qmp.execute('no-such-command'), (e: unknown) => {
      assert.ok(e instanceof QmpError);
      assert.equal(e.errorClass, 'CommandNotFound');
      assert.equal(e.desc, 'The command no-such-command has not been found');
      return true;
    });
    assert.equal(await qmp.queryStatus(), 'paused');
    const powerdown = qmp.waitForEvent('POWERDOWN', 1000);
    await qmp.systemPowerdown();
    assert.equal((await powerdown).event, 'POWERDOWN');
    await qmp.quit();
    assert.deepEqual(
      events.map((e) => e.event),
      ['RESUME', 'STOP', 'POWERDOWN', 'SHUTDOWN'],
    );
    assert.deepEqual(events[3].data, { guest: false, reason: 'host-qmp-quit' });
    // QEMU hangs up after quit; later commands fail instead of hanging.
    await new Promise((r) => qmp.once('close', r));
    await assert.rejects(qmp.queryStatus(), /closed/);
  } finally {
    qmp.close();
    srv.close();
  }
  assert.deepEqual(srv.received[0], { execute: 'qmp_capabilities', id: 1 });
});

test('a pending command is rejected when QEMU goes away', async () => {
  // Only negotiation is answered; the next command is never answered: QEMU hangs up.
  const srv = await fakeQemu(negotiated.slice(0, 1), false);
  const qmp = await QmpClient.connect(srv.endpoint);
  try {
    await assert.rejects(qmp.queryStatus(), /closed/);
  } finally {
    qmp.close();
    srv.close();
  }
});

test('connect fails cleanly when nothing listens', async () => {
  await assert.rejects(QmpClient.connect({ kind: 'unix', path: path.join(os.tmpdir(), 'berth-no-such.sock') }, 500));
});

test('captured guest power-off: POWERDOWN, reply, then SHUTDOWN from the guest and QEMU hangs up', async () => {
  const t = parseQmpTranscript(fixture('qmp-transcript-guest-poweroff-7.2.txt'));
  const srv = await fakeQemu(t.exchanges, t.closesAfterLast);
  const qmp = await QmpClient.connect(srv.endpoint);
  try {
    const shutdown = qmp.waitForEvent('SHUTDOWN', 1000);
    await qmp.systemPowerdown();
    assert.deepEqual((await shutdown).data, { guest: true, reason: 'guest-shutdown' });
  } finally {
    qmp.close();
    srv.close();
  }
});
