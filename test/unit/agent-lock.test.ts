// One agent per machine, even when several start at the same moment (two `berth up`s at once).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AGENT_MARKER } from '../../app/agent/api/lock';
import { acquireAgentLock } from '../../app/agent/lock';

const lockModule = path.resolve(__dirname, '../../app/agent/lock.js');

/** A process that looks like an agent of `dir` (its command line has the marker and the folder). */
function contender(dir: string): Promise<{ pid: number; owns: boolean; exit: () => void }> {
  const script = `const l = require(${JSON.stringify(lockModule)});
    const owns = l.acquireAgentLock(${JSON.stringify(path.join(dir, 'agent.pid'))}, process.argv[2]);
    process.stdout.write(owns ? 'owner\\n' : 'other\\n');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script, dir, AGENT_MARKER], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => (child.kill('SIGKILL'), reject(new Error('a contender never answered'))), 20000);
    child.stdout.once('data', (d: Buffer) => {
      clearTimeout(t);
      resolve({ pid: child.pid!, owns: d.toString().trim() === 'owner', exit: () => child.kill('SIGKILL') });
    });
    child.once('exit', (code) => (clearTimeout(t), reject(new Error(`a contender exited (${code}) before answering`))));
  });
}

test('of agents started at the same moment exactly one owns the machine, and the pid file names it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-lock-'));
  try {
    // Round 0 starts with no pid file; later rounds with the stale one of the round before.
    for (let round = 0; round < 5; round++) {
      const all = await Promise.allSettled(Array.from({ length: 6 }, () => contender(dir)));
      const ok = all.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      try {
        assert.equal(
          ok.length,
          6,
          `round ${round}: ${all
            .filter((r) => r.status === 'rejected')
            .map((r) => r.reason)
            .join('; ')}`,
        );
        const owners = ok.filter((c) => c.owns);
        assert.equal(owners.length, 1, `round ${round}: ${owners.length} owners`);
        assert.equal(fs.readFileSync(path.join(dir, 'agent.pid'), 'utf8'), String(owners[0].pid));
      } finally {
        for (const c of ok) c.exit();
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f !== 'agent.pid'),
      [],
      'no temporary files left',
    );
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
