// `docker load` of a big image from a file, with a fault done once a given number of bytes has
// gone into it (the load is then in the middle: the engine is receiving and unpacking it).
import * as fs from 'node:fs';
import type { Run, Suite } from './suite';

export function loadWithFault(
  s: Suite,
  file: string,
  atBytes: number,
  fault: () => void,
  timeoutMs = 600_000,
): Promise<Run & { sent: number; faulted: boolean }> {
  return new Promise((resolve) => {
    const c = s.spawnDocker(['load']);
    let stdout = '';
    let stderr = '';
    let sent = 0;
    let faulted = false;
    let timedOut = false;
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.stdin.on('error', () => undefined); // docker may exit before it has read everything
    const input = fs.createReadStream(file);
    input.on('data', (chunk) => {
      sent += chunk.length;
      if (!faulted && sent >= atBytes) {
        faulted = true;
        fault();
      }
    });
    input.pipe(c.stdin);
    const timer = setTimeout(() => {
      timedOut = true;
      c.kill('SIGKILL');
    }, timeoutMs);
    c.on('close', (code) => {
      clearTimeout(timer);
      input.destroy();
      resolve({ code: code ?? -1, stdout, stderr, timedOut, sent, faulted });
    });
  });
}
