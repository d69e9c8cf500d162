// Reading and writing a machine's settings file. A file that is not valid JSON
// is kept aside (never silently replaced) and reported; a file with a bad value
// is refused with the field, the value and the allowed range.
import * as fs from 'node:fs';
import { UserError } from '../errors';
import { readIfExists, writePrivateFile } from '../files';
import { MachineSettings, SETTINGS_VERSION, defaultSettings, validateSettings } from './schema';

/** Each migration takes a file of version N-1 to version N. Index = target version. */
type SettingsObject = Record<string, unknown>;

const MIGRATIONS: Record<number, (old: SettingsObject) => SettingsObject> = {
  // Version 0: files written before settings were versioned had no engine block.
  1: (old) => ({
    ...defaultSettings(),
    ...old,
    engine: { ...defaultSettings().engine, ...(old.engine as object | undefined) },
    version: 1,
  }),
  // Version 2 added shared folders: machines made before get the default (the home folder).
  2: (old) => ({ ...old, shares: defaultSettings().shares, version: 2 }),
  // Version 3 took engine.tcpForBenchmark out of the settings: an unauthenticated engine
  // listener is no setting a user or a caller of the API may switch on (the benchmark asks
  // the host agent for it directly, see bench-engine-tcp.ts in the agent). Only that key goes;
  // whatever else the file holds is kept as it is, and still validated before it is written.
  3: (old) => {
    const engine = { ...(old.engine as Record<string, unknown> | undefined) };
    delete engine.tcpForBenchmark;
    return { ...old, engine, version: 3 };
  },
  // Version 4 added the machine's architecture. Every machine made before ran the one image there
  // was, x86_64 (its disk holds x86_64 engine data), whatever the host: so x86_64, never the host's.
  4: (old) => ({ ...old, arch: 'x86_64', version: 4 }),
  // Version 5 added the hypervisor driver. Every machine made before ran under QEMU (its disk is
  // data.qcow2); everything else in the file is kept as it is.
  5: (old) => ({ ...old, driver: 'qemu', version: 5 }),
};

export function migrate(raw: SettingsObject): SettingsObject {
  let v = typeof raw.version === 'number' ? raw.version : 0;
  if (v > SETTINGS_VERSION) {
    throw new UserError(
      `settings file was written by a newer Berth (version ${v}, this one reads up to ${SETTINGS_VERSION}): update Berth`,
      { code: 'ESETTINGS' },
    );
  }
  while (v < SETTINGS_VERSION) raw = MIGRATIONS[++v](raw);
  return raw;
}

export interface LoadResult {
  settings: MachineSettings;
  /** Set when the file was unreadable and was moved aside: tell the user. */
  warning?: string;
}

export function loadSettings(file: string): LoadResult | undefined {
  const text = readIfExists(file);
  if (text === undefined) return undefined;
  let raw: SettingsObject;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    raw = parsed as SettingsObject;
  } catch {
    const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    fs.renameSync(file, aside);
    const settings = defaultSettings();
    saveSettings(file, settings);
    return {
      settings,
      warning: `settings file ${file} was not valid JSON: kept it as ${aside} and wrote default settings; copy your values back with "berth set"`,
    };
  }
  const migrated = migrate(raw);
  const settings = validateSettings(migrated, `settings file ${file}`);
  if (migrated !== raw) saveSettings(file, settings);
  return { settings };
}

export function saveSettings(file: string, settings: MachineSettings): void {
  // What is written is what was checked: the shares in their normal spelling.
  writePrivateFile(file, JSON.stringify(validateSettings(settings), null, 2) + '\n');
}

/** Merges a partial change over settings and validates the result. */
export function mergeSettings(current: MachineSettings, change: Partial<MachineSettings>): MachineSettings {
  const next: MachineSettings = {
    ...current,
    ...change,
    engine: { ...current.engine, ...(change.engine ?? {}) },
    version: SETTINGS_VERSION,
  };
  return validateSettings(next);
}

/** Changes an existing machine's settings; its disk can only grow and its architecture and driver stay. */
export function applyChange(current: MachineSettings, change: Partial<MachineSettings>): MachineSettings {
  const next = mergeSettings(current, change);
  if (next.arch !== current.arch) {
    throw new UserError(
      `arch cannot change from ${current.arch} to ${next.arch}: the machine's disk holds ${current.arch} engine data; make a new machine with another name (berth init --name NAME --arch ${next.arch})`,
      { code: 'ESETTINGS' },
    );
  }
  if (next.driver !== current.driver) {
    throw new UserError(
      `driver cannot change from ${current.driver} to ${next.driver}: the machine's disk is in ${current.driver}'s format; make a new machine with another name (berth init --name NAME --driver ${next.driver})`,
      { code: 'ESETTINGS' },
    );
  }
  if (next.diskGiB < current.diskGiB) {
    throw new UserError(
      `diskGiB = ${next.diskGiB} is smaller than the current disk (${current.diskGiB} GiB): a data disk can only grow`,
      { code: 'ESETTINGS' },
    );
  }
  return next;
}
