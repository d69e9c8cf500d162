// berth init | up | down | restart | set | rm
import * as path from 'node:path';
import * as readline from 'node:readline/promises';
import { ARCHITECTURES, type Arch } from '../../base/arch';
import { contextName } from '../../base/docker-context';
import { UserError } from '../../base/errors';
import { Machines } from '../../machine/machines';
import { dockerHost } from '../../base/paths';
import { settingRanges, type MachineSettings } from '../../base/settings/schema';
import { DRIVERS, type DriverName } from '../../base/vm-types';
import { intFlag, NAME_OPTION, Options, parse } from '../args';
import { nameFlag } from '../name-flag';
import { StepPrinter } from '../progress';

const SETTING_OPTIONS: Options = {
  cpus: { type: 'string' },
  memory: { type: 'string' },
  disk: { type: 'string' },
  accel: { type: 'string' },
  arch: { type: 'string' },
  driver: { type: 'string' },
  'insecure-registry': { type: 'string', multiple: true },
  'registry-mirror': { type: 'string', multiple: true },
  share: { type: 'string', multiple: true },
  'no-share': { type: 'boolean' },
};

/** Settings flags -> a partial settings change (validated later against the schema). */
function settingsChange(v: Record<string, unknown>): Partial<MachineSettings> {
  const change: Partial<MachineSettings> = {};
  // The schema's ranges, checked here too so the message names the flag the user typed.
  const r = settingRanges();
  const cpus = intFlag('cpus', v.cpus as string | undefined, r.cpus.min, r.cpus.max);
  const mem = intFlag('memory', v.memory as string | undefined, r.memoryMiB.min, r.memoryMiB.max);
  const disk = intFlag('disk', v.disk as string | undefined, r.diskGiB.min, r.diskGiB.max);
  if (cpus !== undefined) change.cpus = cpus;
  if (mem !== undefined) change.memoryMiB = mem;
  if (disk !== undefined) change.diskGiB = disk;
  if (v.accel !== undefined) change.accel = v.accel as MachineSettings['accel'];
  // set refuses another architecture than the machine's (Machines.set).
  if (v.arch !== undefined) change.arch = archFlag(v.arch as string);
  // Like the architecture, set refuses another driver than the machine's (Machines.set).
  if (v.driver !== undefined) change.driver = driverFlag(v.driver as string);
  if (v['no-share'] && v.share) throw new UserError('use either --share or --no-share, not both', { code: 'EUSAGE' });
  if (v['no-share']) change.shares = [];
  if (v.share) change.shares = (v.share as string[]).map(absoluteShare);
  const engine: Partial<MachineSettings['engine']> = {};
  if (v['insecure-registry']) engine.insecureRegistries = v['insecure-registry'] as string[];
  if (v['registry-mirror']) engine.registryMirrors = v['registry-mirror'] as string[];
  if (Object.keys(engine).length) change.engine = engine as MachineSettings['engine'];
  return change;
}

/**
 * Docker's and Debian's words for the two architectures, which people type from `--platform
 * linux/arm64` (the image build takes them too): the settings keep Berth's own.
 */
const ARCH_ALIASES: Record<string, Arch> = { arm64: 'aarch64', amd64: 'x86_64' };

function archFlag(value: string): Arch {
  if ((ARCHITECTURES as readonly string[]).includes(value)) return value as Arch;
  if (Object.hasOwn(ARCH_ALIASES, value)) return ARCH_ALIASES[value];
  throw new UserError(`--arch must be one of ${ARCHITECTURES.join(', ')}, got ${JSON.stringify(value)}`, {
    code: 'EUSAGE',
  });
}

function driverFlag(value: string): DriverName {
  if ((DRIVERS as readonly string[]).includes(value)) return value as DriverName;
  throw new UserError(`--driver must be one of ${DRIVERS.join(', ')}, got ${JSON.stringify(value)}`, {
    code: 'EUSAGE',
  });
}

/** A relative --share is taken from the current folder, as a shell user would mean it. */
function absoluteShare(share: string): string {
  // path.resolve('') is the current folder: an empty value (an unset shell variable) must not share it.
  if (!share.trim())
    throw new UserError('--share needs a folder, got an empty value (use --no-share to share nothing)', {
      code: 'EUSAGE',
    });
  return share === '~' || share.startsWith('~/') || path.isAbsolute(share) ? share : path.resolve(share);
}

export function init(m: Machines, argv: string[]): number {
  const { values } = parse('init', argv, { ...NAME_OPTION, ...SETTING_OPTIONS });
  const name = values.name as string;
  const s = m.create(name, settingsChange(values));
  process.stdout.write(
    `created machine "${name}": ${s.arch}, ${s.cpus} CPUs, ${s.memoryMiB} MiB memory, ${s.diskGiB} GiB disk, accel ${s.accel}, driver ${s.driver}\nstart it with: berth up${nameFlag(name)}\n`,
  );
  return 0;
}

export async function up(m: Machines, argv: string[], command = 'up'): Promise<number> {
  const { values } = parse(command, argv, NAME_OPTION);
  const name = values.name as string;
  if (!m.exists(name)) process.stderr.write(`creating machine "${name}" with default settings\n`);
  const warnings: string[] = [];
  if (m.exists(name)) m.settings(name, warnings);
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  const t0 = Date.now();
  const printer = new StepPrinter();
  try {
    const st = await m.up(name, { onStep: (s) => printer.step(s), onNote: (n) => printer.note(n) });
    printer.end();
    const host = dockerHost(m.paths(name));
    const already = st.wasRunning;
    process.stdout.write(
      `${already ? `machine "${name}" is already running` : `machine "${name}" is running (${((Date.now() - t0) / 1000).toFixed(1)} s)`}\n` +
        `DOCKER_HOST=${host}\nuse it with: eval "$(berth env${nameFlag(name)})"  or  docker --context ${contextName(name)}\n`,
    );
    return 0;
  } finally {
    printer.end();
  }
}

export async function down(m: Machines, argv: string[], command = 'down'): Promise<number> {
  const { values } = parse(command, argv, { ...NAME_OPTION, shutdown: { type: 'boolean', default: false } });
  return stop(m, values.name as string, values.shutdown as boolean);
}

/** Stops the machine; its memory is saved for the next up unless shutdown (see Machines.down). */
async function stop(m: Machines, name: string, shutdown: boolean): Promise<number> {
  m.settings(name);
  process.stderr.write(`stopping machine "${name}" ...\n`);
  const r = await m.down(name, { onNote: (n) => process.stderr.write(`  ${n}\n`) }, shutdown);
  process.stdout.write(r === 'stopped' ? `machine "${name}" stopped\n` : `machine "${name}" was not running\n`);
  return 0;
}

export async function restart(m: Machines, argv: string[]): Promise<number> {
  const { values } = parse('restart', argv, NAME_OPTION);
  // A restart boots afresh: settings apply and the engine starts anew.
  await stop(m, values.name as string, true);
  return up(m, argv, 'restart');
}

export async function set(m: Machines, argv: string[]): Promise<number> {
  const { values } = parse('set', argv, { ...NAME_OPTION, ...SETTING_OPTIONS });
  const name = values.name as string;
  const change = settingsChange(values);
  if (!Object.keys(change).length)
    throw new UserError(
      'berth set: nothing to change (flags: --cpus --memory --disk --accel --insecure-registry --registry-mirror --share --no-share)',
      { code: 'EUSAGE' },
    );
  const r = await m.set(name, change);
  process.stdout.write(
    `machine "${name}": ${r.settings.cpus} CPUs, ${r.settings.memoryMiB} MiB memory, ${r.settings.diskGiB} GiB disk, accel ${r.settings.accel}\n`,
  );
  if (r.restartNeeded)
    process.stdout.write(
      `the machine is running: restart it for the change to apply ("berth restart${nameFlag(name)}")\n`,
    );
  return 0;
}

export async function rm(m: Machines, argv: string[]): Promise<number> {
  const { values } = parse('rm', argv, {
    ...NAME_OPTION,
    'keep-disk': { type: 'boolean', default: false },
    yes: { type: 'boolean', short: 'y', default: false },
  });
  const name = values.name as string;
  m.settings(name);
  const keep = values['keep-disk'] as boolean;
  if (!values.yes) {
    if (!process.stdin.isTTY)
      throw new UserError(
        `berth rm: confirm with --yes (this deletes machine "${name}"${keep ? '' : ' and all its images, containers and volumes'})`,
        { code: 'EUSAGE' },
      );
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
    const a = await rl.question(
      `Delete machine "${name}"${keep ? ' (keeping its data disk)' : ' and all its images, containers and volumes'}? [y/N] `,
    );
    rl.close();
    if (!/^y(es)?$/i.test(a.trim())) {
      process.stdout.write('nothing deleted\n');
      return 1;
    }
  }
  await m.remove(name, keep);
  process.stdout.write(`machine "${name}" deleted${keep ? `; its data disk stays in ${m.paths(name).dir}` : ''}\n`);
  return 0;
}
