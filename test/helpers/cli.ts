// Runs the real `berth` command in a child process with its own BERTH_HOME.
import { spawnSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..', '..');
export const BERTH = path.join(REPO, 'bin', 'berth');

/** A short private home: unix socket paths must stay under ~100 bytes. */
const homes: string[] = [];
export function tempHome(prefix = 'bh'): string {
  const h = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  homes.push(h);
  return h;
}

// Test homes go when the test process ends (set BERTH_KEEP_TEST_HOMES=1 to look at them).
process.on('exit', () => {
  // Retries: an agent that is just leaving may still write its last log line into the folder.
  if (!process.env.BERTH_KEEP_TEST_HOMES)
    for (const h of homes) fs.rmSync(h, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
});

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function berthSync(home: string, args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, [BERTH, ...args], {
    env: { ...process.env, BERTH_HOME: home, ...env },
    encoding: 'utf8',
    timeout: 60000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function berth(home: string, args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [BERTH, ...args], { env: { ...process.env, BERTH_HOME: home, ...env } });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    if (input !== undefined) c.stdin.end(input);
    else c.stdin.end();
    c.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
