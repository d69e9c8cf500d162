// berth status | ls | env | logs
import * as fs from 'node:fs';
import { UserError } from '../../base/errors';
import { tail } from '../../base/files';
import { Machines } from '../../machine/machines';
import type { MachineStatus } from '../../base/machine-types';
import { dockerHost } from '../../base/paths';
import { detectShell, envScript, parseShell } from '../env-script';
import { NAME_OPTION, parse, intFlag } from '../args';
import { nameFlag } from '../name-flag';

export async function status(m: Machines, argv: string[]): Promise<number> {
  const { values } = parse('status', argv, { ...NAME_OPTION, json: { type: 'boolean', default: false } });
  const name = values.name as string;
  const st = await m.status(name);
  if (st.state === 'not created' && !values.json) {
    throw new UserError(
      `machine "${name}" does not exist: create it with "berth init${nameFlag(name)}" or just "berth up"`,
      { code: 'ENOMACHINE' },
    );
  }
  if (values.json) {
    process.stdout.write(JSON.stringify(st, null, 2) + '\n');
    return 0;
  }
  process.stdout.write(describe(st));
  return 0;
}

function describe(st: MachineStatus): string {
  const lines = [`machine: ${st.name}`, `state:   ${st.state}${st.reason ? ` (${st.reason})` : ''}`];
  lines.push(`size:    ${st.cpus} CPUs, ${st.memoryMiB} MiB memory, ${st.diskGiB} GiB disk`);
  if (st.arch) lines.push(`arch:    ${st.arch}`);
  if (st.driver) lines.push(`driver:  ${st.driver}`);
  if (st.shares)
    lines.push(`shared:  ${st.shares.length ? st.shares.join(', ') : 'no folders (berth set --share FOLDER)'}`);
  if (st.agent?.accel) lines.push(`accel:   ${st.agent.accel}${st.agent.note ? ` (${st.agent.note})` : ''}`);
  if (st.dockerHost) lines.push(`docker:  ${st.dockerHost}`);
  if (st.agent && st.state === 'running') {
    const done = st.agent.steps.filter((s) => s.status === 'done' && s.ms !== undefined);
    if (done.length) lines.push(`started: ${done.map((s) => `${s.label} ${(s.ms! / 1000).toFixed(1)} s`).join(', ')}`);
  }
  for (const p of st.state === 'running' ? (st.agent?.ports ?? []) : []) {
    const what = `${p.container}:${p.containerPort}/${p.protocol}`;
    lines.push(
      `port:    ${p.error ? `${p.hostPort} -> ${what} not forwarded: ${p.error}` : `localhost:${p.hostPort} -> ${what}`}`,
    );
  }
  if (st.saved) {
    const mib = Math.round(st.saved.bytes / 2 ** 20);
    lines.push(
      `saved:   memory saved ${new Date(st.saved.savedAt).toLocaleString()} (${mib} MiB): "berth up" resumes it; "berth restart" boots afresh`,
    );
  }
  if (st.lastError) lines.push(`last start failed: ${st.lastError.message} (details: berth logs)`);
  return lines.join('\n') + '\n';
}

export async function ls(m: Machines, argv: string[]): Promise<number> {
  const { values } = parse('ls', argv, { json: { type: 'boolean', default: false } });
  const all = await Promise.all(m.list().map((n) => m.status(n)));
  if (values.json) {
    process.stdout.write(JSON.stringify(all, null, 2) + '\n');
    return 0;
  }
  if (!all.length) {
    process.stdout.write('no machines yet: create one with "berth up"\n');
    return 0;
  }
  const rows = [['NAME', 'STATE', 'ARCH', 'DRIVER', 'CPUS', 'MEMORY', 'DISK', 'DOCKER_HOST']].concat(
    all.map((s) => [
      s.name,
      s.state,
      s.arch ?? '-',
      s.driver ?? '-',
      String(s.cpus),
      `${s.memoryMiB} MiB`,
      `${s.diskGiB} GiB`,
      s.dockerHost ?? '-',
    ]),
  );
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  process.stdout.write(
    rows
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i]))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n',
  );
  return 0;
}

export function env(m: Machines, argv: string[]): number {
  const { values } = parse('env', argv, {
    ...NAME_OPTION,
    shell: { type: 'string' },
    unset: { type: 'boolean', default: false },
  });
  const name = values.name as string;
  // Flags first: a wrong flag is named even when the machine is missing too.
  const shell = parseShell(values.shell as string | undefined) ?? detectShell();
  m.settings(name);
  process.stdout.write(envScript(shell, dockerHost(m.paths(name)), name, values.unset as boolean));
  return 0;
}

/** More lines than any log keeps: a bound so a typo of many digits is named, not taken. */
const MAX_LOG_LINES = 1_000_000;

export function logs(m: Machines, argv: string[]): number {
  const { values } = parse('logs', argv, {
    ...NAME_OPTION,
    lines: { type: 'string', default: '50' },
    console: { type: 'boolean', default: false },
    agent: { type: 'boolean', default: false },
  });
  const name = values.name as string;
  const n = intFlag('lines', values.lines as string, 1, MAX_LOG_LINES)!;
  m.settings(name);
  const p = m.paths(name);
  const both = !values.console && !values.agent;
  const show = (title: string, file: string) => {
    process.stdout.write(`==> ${title} (${file}) <==\n`);
    process.stdout.write(fs.existsSync(file) ? tail(file, n) + '\n' : '(empty)\n');
  };
  if (both || values.console) show('VM console', p.consoleLog);
  if (both || values.agent) show('host agent', p.agentLog);
  return 0;
}
