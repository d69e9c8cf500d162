// The agent's control socket as the agent leaves: clients still attached (a dashboard following
// the status) must not hold the leaving agent up.
import * as assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { ControlServer } from '../../app/agent/control-server';
import type { MachineAgent } from '../../app/agent/machine-agent';

test(
  'stopAccepting returns while a subscriber is attached; it hears the end only at close',
  { timeout: 10_000 },
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cs-'));
    const sock = path.join(dir, 'agent.sock');
    const agent = Object.assign(new EventEmitter(), { status: { state: 'stopped', steps: [] } });
    // Only what the control server reads of its agent: the status and its events.
    const control = new ControlServer(sock, agent as unknown as MachineAgent, () => undefined);
    await control.listen();
    const follower = net.connect(sock);
    let heard = '';
    let ended = false;
    follower.on('data', (d: Buffer) => (heard += d.toString()));
    follower.on('end', () => (ended = true));
    follower.write(JSON.stringify({ id: 1, method: 'subscribe' }) + '\n');
    await new Promise<void>((r) => follower.once('data', () => r()));

    // Bounded so that a regression fails instead of hanging the run (the client never leaves by itself).
    let bound: NodeJS.Timeout | undefined;
    const held = new Promise<never>((_, reject) => {
      bound = setTimeout(() => reject(new Error('stopAccepting waited for the attached client to leave')), 5000);
    });
    try {
      await Promise.race([control.stopAccepting(), held]);
    } catch (e) {
      follower.destroy();
      throw e;
    } finally {
      clearTimeout(bound);
    }
    assert.equal(fs.existsSync(sock), false, 'the socket file goes at once: a new agent can take over');
    await assert.rejects(
      new Promise((resolve, reject) => net.connect(sock).on('connect', resolve).on('error', reject)),
      /ENOENT|ECONNREFUSED/,
    );
    // Still attached: the last events reach it.
    agent.emit('status', { state: 'stopped', steps: [] });
    await new Promise((r) => setTimeout(r, 50));
    assert.match(heard, /"event":"status"/);
    assert.equal(ended, false);

    control.close();
    await new Promise<void>((r) => (ended ? r() : follower.once('end', () => r())));
    follower.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  },
);
