// The machine settings, versioned JSON validated against one schema. The same
// schema gives the defaults, the allowed ranges shown to people (CLI and the
// settings form) and the validation of every value that comes in.
import Ajv, { ErrorObject } from 'ajv';
import { UserError } from '../errors';
import { ACCELERATORS, DRIVERS, type Accel, type DriverName } from '../vm-types';
import { ARCHITECTURES, nativeArch, type Arch } from '../arch';
import { coveredSystemFolder, GUEST_SYSTEM_FOLDERS, normaliseShares, sharedFolders } from '../shares';

export const SETTINGS_VERSION = 5;

export interface EngineSettings {
  /** Registries reached over plain HTTP, e.g. "10.0.2.2:5000" (the host's loopback as seen from the VM). */
  insecureRegistries: string[];
  /** Pull-through mirrors for Docker Hub, e.g. "https://mirror.example.com". */
  registryMirrors: string[];
}

export interface MachineSettings {
  version: number;
  cpus: number;
  memoryMiB: number;
  diskGiB: number;
  accel: Accel;
  /** The machine's CPU architecture, chosen when it is made: its disk holds that architecture's engine data. */
  arch: Arch;
  /** The hypervisor that runs the machine, chosen when it is made: its data disk is in that one's format. */
  driver: DriverName;
  /**
   * Host folders the VM sees at the same path, so `docker run -v "$PWD":/src` finds the
   * user's files. "~" (or "~/...") is the user's home folder.
   */
  shares: string[];
  engine: EngineSettings;
}

const hostPort = '^[A-Za-z0-9.-]+(:[0-9]{1,5})?$';

export const settingsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['version', 'cpus', 'memoryMiB', 'diskGiB', 'accel', 'arch', 'driver', 'shares', 'engine'],
  properties: {
    version: { type: 'integer', const: SETTINGS_VERSION },
    cpus: { type: 'integer', minimum: 1, maximum: 32, default: 2, description: 'virtual CPUs' },
    memoryMiB: { type: 'integer', minimum: 512, maximum: 65536, default: 2048, description: 'memory in MiB' },
    diskGiB: {
      type: 'integer',
      minimum: 4,
      maximum: 2048,
      default: 64,
      description: 'data disk size in GiB (can only grow)',
    },
    accel: {
      type: 'string',
      enum: ACCELERATORS,
      default: 'auto',
      description: 'hardware accelerator; auto picks the platform one and falls back to tcg',
    },
    // No default here: a new machine gets the host's own architecture (defaultSettings).
    arch: {
      type: 'string',
      enum: ARCHITECTURES,
      description: "the machine's CPU architecture (fixed when it is made)",
    },
    driver: {
      type: 'string',
      enum: DRIVERS,
      default: 'qemu',
      description: 'the hypervisor that runs the machine (fixed when it is made)',
    },
    shares: {
      type: 'array',
      maxItems: 16,
      uniqueItems: true,
      // Absolute (POSIX or Windows drive) or from the home folder; no ".." so a share is what it says.
      items: {
        type: 'string',
        pattern: '^(?!.*(^|[\\\\/])\\.\\.([\\\\/]|$))(~|~/.*|/.*|[A-Za-z]:[\\\\/].*)$',
        maxLength: 4096,
        description: 'folder (an absolute path, or ~ for your home folder)',
      },
      default: ['~'],
      description: 'host folders shared with the machine at the same path',
    },
    engine: {
      type: 'object',
      additionalProperties: false,
      required: ['insecureRegistries', 'registryMirrors'],
      properties: {
        insecureRegistries: {
          type: 'array',
          maxItems: 32,
          items: {
            type: 'string',
            pattern: hostPort,
            maxLength: 253,
            description: 'registry address (host or host:port)',
          },
          default: [],
          description: 'registries reached over plain HTTP (host:port)',
        },
        registryMirrors: {
          type: 'array',
          maxItems: 32,
          items: {
            type: 'string',
            pattern: '^https?://[^\\s]+$',
            maxLength: 2048,
            description: 'mirror URL (http:// or https://)',
          },
          default: [],
          description: 'registry mirrors (http:// or https:// URLs)',
        },
      },
    },
  },
} as const;

/** Which settings take effect only when the machine restarts. The arch and driver never change (applyChange). */
export const RESTART_FIELDS = ['cpus', 'memoryMiB', 'diskGiB', 'accel', 'shares', 'engine'] as const;

/** A new machine's settings; its architecture is the host's own (`hostArch` is Node's process.arch). */
export function defaultSettings(hostArch: string = process.arch): MachineSettings {
  const p = settingsSchema.properties;
  const e = p.engine.properties;
  return {
    version: SETTINGS_VERSION,
    cpus: p.cpus.default,
    memoryMiB: p.memoryMiB.default,
    diskGiB: p.diskGiB.default,
    accel: p.accel.default,
    arch: nativeArch(hostArch),
    driver: p.driver.default,
    shares: [...p.shares.default],
    engine: {
      insecureRegistries: [...e.insecureRegistries.default],
      registryMirrors: [...e.registryMirrors.default],
    },
  };
}

const ajv = new Ajv({ allErrors: false, strict: true, verbose: true });
// ajv infers field types from a const schema as any: the schema above mirrors MachineSettings.
const validateFn = ajv.compile<MachineSettings>(settingsSchema as object);

/** Throws a one-line UserError naming the field, the value and what is allowed. */
export function validateSettings(value: unknown, where = 'settings'): MachineSettings {
  value = withNormalisedShares(value);
  if (!validateFn(value)) {
    const err = (validateFn.errors ?? [])[0];
    throw new UserError(`${where}: ${describeError(err, value)}`, { code: 'ESETTINGS' });
  }
  const settings = value;
  checkShares(settings.shares, where);
  if (settings.driver === 'virtualbox' && settings.arch !== 'x86_64') {
    throw new UserError(
      `${where}: a VirtualBox machine is x86_64 only (arch = ${JSON.stringify(settings.arch)}): use --arch x86_64, or the qemu driver for ${settings.arch}`,
      { code: 'ESETTINGS' },
    );
  }
  return settings;
}

/**
 * The shares in one spelling each, a folder listed twice ("~" and "~/", "/a/b" and "/a/b/") kept
 * once: both name the same folder, so the meaning is plain and refusing would only make people
 * retype it, and settings files written before this load as they did. Anything that is not a
 * list of strings is left for the schema to refuse.
 */
function withNormalisedShares(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const shares = (value as { shares?: unknown }).shares;
  if (!Array.isArray(shares) || !shares.every((s) => typeof s === 'string')) return value;
  return { ...value, shares: normaliseShares(shares) };
}

/** A share over the machine's own folders is refused here; "~" is checked at start (the home is known then). */
function checkShares(shares: string[], where: string): void {
  shares.forEach((share, i) => {
    if (share.startsWith('~')) return;
    const covered = coveredSystemFolder(sharedFolders([share])[0].guestPath);
    if (covered) {
      throw new UserError(
        `${where}: shares.${i} = ${JSON.stringify(shares[i])} would hide the machine's own ${covered}: share a folder outside /, ${GUEST_SYSTEM_FOLDERS.join(', ')}`,
        { code: 'ESETTINGS' },
      );
    }
  });
}

function fieldName(instancePath: string): string {
  return instancePath.replace(/^\//, '').replace(/\//g, '.') || '(top level)';
}

function valueAt(root: unknown, instancePath: string): unknown {
  let v: unknown = root;
  for (const part of instancePath.split('/').slice(1)) v = v == null ? undefined : (v as Record<string, unknown>)[part];
  return v;
}

function describeError(err: ErrorObject | undefined, root: unknown): string {
  if (!err) return 'invalid value';
  const field = fieldName(err.instancePath);
  const shown = JSON.stringify(valueAt(root, err.instancePath));
  const sch = err.parentSchema as { minimum?: number; maximum?: number; description?: string; enum?: string[] };
  switch (err.keyword) {
    case 'minimum':
    case 'maximum':
      return `${field} = ${shown} is out of range: allowed ${sch.minimum} to ${sch.maximum}${sch.description ? ` (${sch.description})` : ''}`;
    case 'enum':
      return `${field} = ${shown} is not allowed: use one of ${(sch.enum as string[]).join(', ')}`;
    case 'type':
      return `${field} = ${shown} must be ${err.params.type === 'integer' ? 'a whole number' : `of type ${err.params.type}`}`;
    case 'additionalProperties':
      return `unknown setting "${field === '(top level)' ? '' : field + '.'}${err.params.additionalProperty}"`;
    case 'required':
      return `missing setting "${field === '(top level)' ? '' : field + '.'}${err.params.missingProperty}"`;
    case 'pattern':
      return `${field} = ${shown} is not a valid ${sch.description ?? 'value'}`;
    case 'const':
      return `${field} = ${shown}: expected ${JSON.stringify(err.params.allowedValue)}`;
    case 'maxItems':
      return `${field} has too many entries: at most ${err.params.limit}`;
    case 'uniqueItems':
      return `${field} lists the same entry twice (entries ${err.params.j} and ${err.params.i})`;
    case 'maxLength':
      return `${field} = ${shown} is too long: at most ${err.params.limit} characters`;
    default:
      return `${field} = ${shown} ${err.message ?? 'is not valid'}`;
  }
}

/** The allowed range of each numeric setting, for help texts and forms. */
export function settingRanges(): Record<
  'cpus' | 'memoryMiB' | 'diskGiB',
  { min: number; max: number; description: string }
> {
  const p = settingsSchema.properties;
  const r = (s: { minimum: number; maximum: number; description: string }) => ({
    min: s.minimum,
    max: s.maximum,
    description: s.description,
  });
  return { cpus: r(p.cpus), memoryMiB: r(p.memoryMiB), diskGiB: r(p.diskGiB) };
}
