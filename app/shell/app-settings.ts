// The desktop app's own settings (not the machine's): a versioned JSON file in
// the Berth home, checked against a schema. A file that cannot be used is kept
// aside and reported, never silently replaced. Pure + fs: no electron here.
import Ajv, { type ValidateFunction } from 'ajv';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readIfExists, writePrivateFile } from '../base/files';
import { berthHome } from '../base/paths';

export const APP_SETTINGS_VERSION = 1;
export type Theme = 'system' | 'light' | 'dark';
export const THEMES: readonly Theme[] = ['system', 'light', 'dark'];

export interface AppSettings {
  version: number;
  /** Start the machine when the app starts (when the machine exists). */
  startMachineOnLaunch: boolean;
  /** Start Berth (in the tray, no window) when the user logs in. */
  openAtLogin: boolean;
  /** Quit stops the machine; otherwise it keeps running for the CLI. */
  stopMachineOnQuit: boolean;
  /** 'system' follows the system's light or dark appearance. */
  theme: Theme;
}

export type AppSettingsChange = Partial<Omit<AppSettings, 'version'>>;

export function defaultAppSettings(): AppSettings {
  return {
    version: APP_SETTINGS_VERSION,
    startMachineOnLaunch: true,
    openAtLogin: false,
    stopMachineOnQuit: false,
    theme: 'system',
  };
}

const fields = {
  startMachineOnLaunch: { type: 'boolean' },
  openAtLogin: { type: 'boolean' },
  stopMachineOnQuit: { type: 'boolean' },
  theme: { enum: [...THEMES] },
};
export const APP_SETTINGS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: { version: { const: APP_SETTINGS_VERSION }, ...fields },
  required: ['version', ...Object.keys(fields)],
};
const CHANGE_SCHEMA = { type: 'object', additionalProperties: false, properties: fields };

const ajv = new Ajv({ strict: true, allErrors: false });
const validateFull: ValidateFunction = ajv.compile(APP_SETTINGS_SCHEMA);
const validateChange: ValidateFunction = ajv.compile(CHANGE_SCHEMA);

function firstError(v: ValidateFunction, value: unknown): string {
  const e = v.errors?.[0];
  if (!e) return 'invalid';
  const field = e.instancePath.split('/').filter(Boolean).join('.') || '(file)';
  if (e.keyword === 'additionalProperties') return `unknown setting "${e.params.additionalProperty}"`;
  const got = e.instancePath ? (value as Record<string, unknown> | null | undefined)?.[e.instancePath.slice(1)] : value;
  if (e.keyword === 'enum')
    return `${field} = ${JSON.stringify(got)} must be one of ${(e.params.allowedValues as string[]).join(', ')}`;
  return `${field} = ${JSON.stringify(got)} ${e.message ?? 'is not valid'}`;
}

/** Merges a change over the current settings; throws a one-line error naming the bad field. */
export function changeAppSettings(current: AppSettings, change: unknown): AppSettings {
  if (!validateChange(change)) throw new Error(`app setting not changed: ${firstError(validateChange, change)}`);
  return { ...current, ...(change as AppSettingsChange), version: APP_SETTINGS_VERSION };
}

export function appSettingsFile(home = berthHome()): string {
  return path.join(home, 'app-settings.json');
}

export interface AppSettingsLoad {
  settings: AppSettings;
  /** Set when the file could not be used: show it to the user. */
  warning?: string;
}

export function saveAppSettings(file: string, s: AppSettings): void {
  if (!validateFull(s)) throw new Error(`refusing to save app settings: ${firstError(validateFull, s)}`);
  writePrivateFile(file, JSON.stringify(s, null, 2) + '\n');
}

/**
 * Reads the settings. Missing file: defaults. Missing fields: defaults for
 * them. A newer version: defaults in memory, file untouched. Not JSON, or a
 * bad value: the file is renamed *.corrupt-<time>, defaults are written and a
 * warning says where the old file went.
 */
export function loadAppSettings(file: string, now = new Date()): AppSettingsLoad {
  const text = readIfExists(file);
  if (text === undefined) return { settings: defaultAppSettings() };
  let raw: Record<string, unknown> = {};
  let problem: string | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) problem = 'it is not a JSON object';
    else raw = parsed as Record<string, unknown>;
  } catch {
    problem = 'it is not valid JSON';
  }
  if (!problem && typeof raw.version === 'number' && raw.version > APP_SETTINGS_VERSION) {
    return {
      settings: defaultAppSettings(),
      warning: `app settings file ${file} was written by a newer Berth (version ${raw.version}): using default settings until Berth is updated`,
    };
  }
  if (!problem) {
    const merged = { ...defaultAppSettings(), ...raw, version: APP_SETTINGS_VERSION };
    if (validateFull(merged)) return { settings: merged };
    problem = firstError(validateFull, merged);
  }
  const aside = `${file}.corrupt-${now.toISOString().replace(/[:.]/g, '-')}`;
  fs.renameSync(file, aside);
  const settings = defaultAppSettings();
  saveAppSettings(file, settings);
  return {
    settings,
    warning: `app settings file could not be used (${problem}): kept it as ${aside} and went back to the defaults`,
  };
}

/** The settings in memory, saved on every change; 'change' tells the tray and the window. */
export class AppSettingsStore extends EventEmitter {
  readonly warning?: string;
  private current: AppSettings;

  constructor(readonly file: string) {
    super();
    const r = loadAppSettings(file);
    this.current = r.settings;
    this.warning = r.warning;
  }

  get(): AppSettings {
    return { ...this.current };
  }

  set(change: AppSettingsChange): AppSettings {
    const next = changeAppSettings(this.current, change);
    saveAppSettings(this.file, next);
    this.current = next;
    this.emit('change', this.get());
    return this.get();
  }
}
