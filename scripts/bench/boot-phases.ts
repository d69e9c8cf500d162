// The guest's own account of its last boot: the kernel uptime at each step of stage 2
// (/run/berth/boot.log, written by the guest's common.sh), to set next to the engine floor's.
import { berthCli } from './core';

/** "stage 2 0.91 s, ..., engine ready 3.40 s" for the machine's current boot (read over SSH). */
export function bootPhases(home: string): string {
  const r = berthCli(home, ['ssh', '--', 'cat', '/run/berth/boot.log']);
  if (r.status !== 0) return `(could not read the boot log: ${r.stderr.trim()})`;
  return r.stdout
    .trim()
    .split('\n')
    .map((line) => /^([0-9.]+) (.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[2]} ${Number(m[1]).toFixed(2)} s`)
    .join(', ');
}
