// One agent per machine, even when several start at the same moment (two `berth up`s at once).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AGENT_MARKER, acquireAgentLock } from '../../app/agent/lock';

const lockModule = path.resolve(__dirname, '../../app/agent/lock.js');

/** A process that looks like an agent of `dir` (its command line has the marker and the folder). */
function contender(dir: string): Promise<{ pid: number; owns: boolean; exit: () => void }> {
  const script = `const l = require(${JSON.stringify(lockModule)});
    const owns = l.acquireAgentLock(${JSON.stringify(path.join(dir, 'agent.pid'))}, process.argv[2]);
    process.stdout.write(owns ? 'owner\\n' : 'other\\n');
    process.stdin.on('end', () => process.exit(0)); process.stdin.resume();`;
  const child = spawn(process.execPath, ['-e', script, dir, AGENT_MARKER], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve({ pid: child.pid!, owns: d.toString().trim() === 'owner', exit: () => child.stdin.end() }));
    child.once('error', reject);
  });
}

test('of agents started at the same moment exactly one owns the machine, and the pid file names it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-lock-'));
  try {
    for (let round = 0; round < 3; round++) {
      const all = await Promise.all(Array.from({ length: 6 }, () => contender(dir)));
      const owners = all.filter((c) => c.owns);
      assert.equal(owners.length, 1, `round ${round}: ${owners.length} owners`);
      assert.equal(fs.readFileSync(path.join(dir, 'agent.pid'), 'utf8'), String(owners[0].pid));
      for (const c of all) c.exit();
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f !== 'agent.pid'), [], 'no temporary files left');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a pid file left by a dead agent is taken over', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-lock-'));
  try {
    const pidFile = path.join(dir, 'agent.pid');
    fs.writeFileSync(pidFile, '999999999');
    assert.equal(acquireAgentLock(pidFile, dir), true);
    assert.equal(fs.readFileSync(pidFile, 'utf8'), String(process.pid));
    assert.equal(fs.statSync(pidFile).mode & 0o777, 0o600);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
