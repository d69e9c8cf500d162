// A machine's own logs for a failure message: what the agent, QEMU and the guest said last.
import * as fs from 'node:fs';
import * as path from 'node:path';

export function machineLogs(machineDir: string, lines = 15): string {
  const tailOf = (f: string) => {
    try {
      return fs.readFileSync(path.join(machineDir, f), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(none)';
    }
  };
  return ['agent.log', 'qemu.stderr.log', 'console.log'].map((f) => `--- ${f}\n${tailOf(f)}`).join('\n');
}
