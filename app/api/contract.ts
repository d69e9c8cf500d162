// The one API contract between the dashboard and whatever serves it: the
// Electron main process (over IPC) and `berth ui` (over a WebSocket). Both
// transports carry exactly the messages defined here; the method and stream
// tables give every name its params, its result and the JSON schema its params
// are validated against on the serving side.
//
// This file is imported by the renderer (browser code): it must stay free of
// Node imports. Only `import type` from the core.
import type { AgentStatus, MachineStatus, Step } from '../base/machine-types';
import type { MachineSettings } from '../base/settings/schema';
import type { Accel } from '../base/vm-types';

export const API_VERSION = 1;

// ---------------------------------------------------------------- errors

/** Machine-readable reasons the UI designs a state for. */
export type ApiErrorCode =
  | 'EINVAL' // params did not match the schema (message names the field)
  | 'ENOMETHOD' // unknown method or stream
  | 'ENOMACHINE' // the machine does not exist yet: first-run flow
  | 'ENGINE_UNREACHABLE' // the machine is stopped or its engine does not answer
  | 'ENOTFOUND' // container, image or volume is gone
  | 'ECONFLICT' // e.g. removing a running container, an image in use
  | 'EUSER' // any other error meant for a person
  | 'EINTERNAL'; // a bug: the message says so

export interface ApiError {
  /** One line: what happened and what to do. */
  message: string;
  code: ApiErrorCode | string;
  /** Engine message, console tail: shown on request. */
  details?: string;
}

/** Errors cross every transport as data and are rethrown as ApiCallError in the renderer. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

// ---------------------------------------------------------------- shared shapes

export interface MachineInfo {
  name: string;
  status: MachineStatus;
  /** Bytes the data disk file takes on the host (allocated, not virtual size). */
  diskFileBytes?: number;
}

export interface SettingRange {
  min: number;
  max: number;
  description: string;
}

export interface SettingsView {
  settings: MachineSettings;
  ranges: Record<'cpus' | 'memoryMiB' | 'diskGiB', SettingRange>;
  /** The accelerators a machine can ask for, from the settings schema. */
  accelerators: Accel[];
  /** Settings that apply only after a restart. */
  restartFields: string[];
  /** A corrupt settings file was put aside: tell the user. */
  warnings: string[];
  /** True when the machine does not exist yet: these are the defaults a new one would get. */
  defaults?: boolean;
}

export type SettingsChange = Partial<Omit<MachineSettings, 'version' | 'engine'>> & {
  engine?: Partial<MachineSettings['engine']>;
};

export interface PortBinding {
  privatePort: number;
  publicPort?: number;
  ip?: string;
  type: 'tcp' | 'udp' | 'sctp' | string;
}

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  state: ContainerState | string;
  /** The engine's own words, e.g. "Up 3 minutes", "Exited (0) 2 hours ago". */
  status: string;
  /** Seconds since the epoch. */
  created: number;
  ports: PortBinding[];
  /** com.docker.compose.project, when set. */
  project?: string;
  /** com.docker.compose.service, when set. */
  service?: string;
  command?: string;
}

export interface ImageSummary {
  id: string;
  tags: string[];
  digests: string[];
  size: number;
  created: number;
  /** Containers using it; -1 when the engine did not count. */
  containers: number;
  dangling: boolean;
}

export interface VolumeSummary {
  name: string;
  driver: string;
  mountpoint: string;
  createdAt?: string;
  /** Bytes, from /system/df; -1 when unknown. */
  size: number;
  /** Names of the containers that mount it. */
  usedBy: string[];
}

export interface PruneResult {
  deleted: string[];
  spaceReclaimed: number;
}

export interface RunSpec {
  image: string;
  name?: string;
  /** e.g. { container: "80/tcp", host: 8080 }; host omitted = a random host port. */
  ports: { container: string; host?: number }[];
  /** "KEY=value" lines. */
  env: string[];
  /** source: a volume name or an absolute path inside the VM. */
  volumes: { source: string; target: string; readOnly?: boolean }[];
  /** Optional command, split like a shell would (simple whitespace). */
  cmd?: string;
}

export interface EngineInfo {
  serverVersion: string;
  os: string;
  kernel: string;
  cpus: number;
  memTotal: number;
  containers: number;
  images: number;
  /** From /system/df: bytes used by images, containers and volumes. */
  diskUse?: { images: number; containers: number; volumes: number; buildCache: number };
}

export interface EngineEvent {
  /** container, image, volume, network, ... */
  type: string;
  action: string;
  id: string;
  /** Actor attributes: name, image, exitCode, ... */
  attributes: Record<string, string>;
  /** Nanoseconds since the epoch, as the engine sends it (as a number may lose precision: display only). */
  timeNano: number;
}

export interface LogLine {
  stream: 'stdout' | 'stderr';
  /** RFC 3339 timestamp from the engine, when asked for. */
  ts?: string;
  text: string;
}

export interface StatsSample {
  /** Milliseconds since the epoch. */
  t: number;
  cpuPercent: number;
  memBytes: number;
  memLimit: number;
}

export interface PullProgress {
  /** Bytes downloaded so far, summed over all layers that report a size. */
  current: number;
  /** Sum of the known layer sizes; 0 until the first size is known. */
  total: number;
  layers: number;
  layersDone: number;
  /** Last status line from the engine ("Pulling fs layer", "Digest: ..."). */
  status: string;
}

export type MachineProgress =
  | { kind: 'step'; step: Step }
  | { kind: 'note'; note: string }
  | { kind: 'status'; status: AgentStatus }
  | { kind: 'state'; info: MachineInfo };

export type ExecInput = { kind: 'stdin'; data: string } | { kind: 'resize'; cols: number; rows: number };

// ---------------------------------------------------------------- the tables

type NoParams = Record<string, never>;
interface Id {
  id: string;
}

/** Every request/response method: params in, result out. */
export interface Methods {
  'machine.status': { params: NoParams; result: MachineInfo };
  /** Resolves when the machine is running; steps arrive on 'machine.progress'. A second call joins the first. */
  'machine.start': { params: NoParams; result: MachineInfo };
  /**
   * Stops the machine, saving its memory so that the next start resumes it; with shutdown, the
   * engine and the VM shut down instead (and memory saved earlier is forgotten, also when stopped).
   */
  'machine.stop': { params: { shutdown?: boolean }; result: MachineInfo };
  'machine.restart': { params: NoParams; result: MachineInfo };
  /** First run: creates the machine with these settings (does not start it). */
  'machine.create': { params: { settings?: SettingsChange }; result: SettingsView };
  /** The tail of the VM console and of the host agent log. */
  'machine.console': { params: { lines?: number }; result: { console: string; agent: string } };
  'settings.get': { params: NoParams; result: SettingsView };
  'settings.set': { params: { change: SettingsChange }; result: SettingsView & { restartNeeded: boolean } };
  'engine.info': { params: NoParams; result: EngineInfo };
  /** All containers, or just one (id) after an event; [] when it is gone. */
  'containers.list': { params: { id?: string }; result: ContainerSummary[] };
  'container.start': { params: Id; result: null };
  'container.stop': { params: Id; result: null };
  'container.restart': { params: Id; result: null };
  'container.pause': { params: Id; result: null };
  'container.unpause': { params: Id; result: null };
  'container.remove': { params: Id & { force?: boolean }; result: null };
  'container.inspect': { params: Id; result: Record<string, unknown> };
  'images.list': { params: NoParams; result: ImageSummary[] };
  'image.remove': { params: Id & { force?: boolean }; result: null };
  'images.prune': { params: NoParams; result: PruneResult };
  'image.run': { params: RunSpec; result: { id: string; warnings: string[] } };
  'volumes.list': { params: NoParams; result: VolumeSummary[] };
  'volume.remove': { params: { name: string }; result: null };
  'volumes.prune': { params: NoParams; result: PruneResult };
}

/** Every subscription: params in, data events out, optional input messages in. */
export interface Streams {
  /** Docker's /events: the lists follow it; nothing polls. */
  'engine.events': { params: NoParams; data: EngineEvent; input: never };
  /** Follows the log; lines arrive in batches. */
  'container.logs': { params: Id & { tail?: number; timestamps?: boolean }; data: LogLine[]; input: never };
  'container.stats': { params: Id; data: StatsSample; input: never };
  /** A TTY exec session: output as text, input as keystrokes and resizes. */
  'container.exec': { params: Id & { cmd?: string[]; cols: number; rows: number }; data: string; input: ExecInput };
  /** Ends (without error) when the pull is complete. */
  'image.pull': { params: { image: string }; data: PullProgress; input: never };
  /** Steps of the machine starting or stopping, as the core reports them. */
  'machine.progress': { params: NoParams; data: MachineProgress; input: never };
}

export type MethodName = keyof Methods;
export type StreamName = keyof Streams;
export type ParamsOf<M extends MethodName> = Methods[M]['params'];
export type ResultOf<M extends MethodName> = Methods[M]['result'];
export type StreamParams<S extends StreamName> = Streams[S]['params'];
export type StreamData<S extends StreamName> = Streams[S]['data'];
export type StreamInput<S extends StreamName> = Streams[S]['input'];

// ---------------------------------------------------------------- param schemas (ajv, strict)

type Schema = Record<string, unknown>;
const obj = (properties: Record<string, Schema> = {}, required: string[] = []): Schema => ({
  type: 'object',
  additionalProperties: false,
  properties,
  required,
});
const containerId: Schema = {
  type: 'string',
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$',
  description: 'container id or name',
};
const imageRef: Schema = {
  type: 'string',
  minLength: 1,
  maxLength: 512,
  pattern: '^[^\\s]+$',
  description: 'image reference',
};
const idParams = obj({ id: containerId }, ['id']);
const none = obj();

const settingsChangeSchema: Schema = obj({
  cpus: { type: 'integer' },
  memoryMiB: { type: 'integer' },
  diskGiB: { type: 'integer' },
  accel: { type: 'string' },
  shares: { type: 'array', items: { type: 'string' } },
  engine: obj({
    insecureRegistries: { type: 'array', items: { type: 'string' } },
    registryMirrors: { type: 'array', items: { type: 'string' } },
    tcpForBenchmark: { type: 'boolean' },
  }),
});

export const METHOD_SCHEMAS: { [M in MethodName]: Schema } = {
  'machine.status': none,
  'machine.start': none,
  'machine.stop': obj({ shutdown: { type: 'boolean' } }),
  'machine.restart': none,
  'machine.create': obj({ settings: settingsChangeSchema }),
  'machine.console': obj({ lines: { type: 'integer', minimum: 1, maximum: 5000 } }),
  'settings.get': none,
  'settings.set': obj({ change: settingsChangeSchema }, ['change']),
  'engine.info': none,
  'containers.list': obj({ id: containerId }),
  'container.start': idParams,
  'container.stop': idParams,
  'container.restart': idParams,
  'container.pause': idParams,
  'container.unpause': idParams,
  'container.remove': obj({ id: containerId, force: { type: 'boolean' } }, ['id']),
  'container.inspect': idParams,
  'images.list': none,
  'image.remove': obj({ id: imageRef, force: { type: 'boolean' } }, ['id']),
  'images.prune': none,
  'image.run': obj(
    {
      image: imageRef,
      name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$', description: 'container name' },
      ports: {
        type: 'array',
        maxItems: 64,
        items: obj(
          {
            container: {
              type: 'string',
              pattern: '^[0-9]{1,5}(/(tcp|udp|sctp))?$',
              description: 'container port (e.g. 80/tcp)',
            },
            host: { type: 'integer', minimum: 1, maximum: 65535, description: 'host port' },
          },
          ['container'],
        ),
      },
      env: {
        type: 'array',
        maxItems: 256,
        items: { type: 'string', pattern: '^[^=\\s]+=', description: 'environment line KEY=value' },
      },
      volumes: {
        type: 'array',
        maxItems: 64,
        items: obj(
          {
            source: { type: 'string', minLength: 1, maxLength: 4096, description: 'volume name or absolute path' },
            target: { type: 'string', pattern: '^/', maxLength: 4096, description: 'absolute path in the container' },
            readOnly: { type: 'boolean' },
          },
          ['source', 'target'],
        ),
      },
      cmd: { type: 'string', maxLength: 8192 },
    },
    ['image', 'ports', 'env', 'volumes'],
  ),
  'volumes.list': none,
  'volume.remove': obj(
    {
      name: {
        type: 'string',
        minLength: 1,
        maxLength: 255,
        pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$',
        description: 'volume name',
      },
    },
    ['name'],
  ),
  'volumes.prune': none,
};

export const STREAM_SCHEMAS: { [S in StreamName]: { params: Schema; input?: Schema } } = {
  'engine.events': { params: none },
  'container.logs': {
    params: obj(
      { id: containerId, tail: { type: 'integer', minimum: 0, maximum: 1000000 }, timestamps: { type: 'boolean' } },
      ['id'],
    ),
  },
  'container.stats': { params: idParams },
  'container.exec': {
    params: obj(
      {
        id: containerId,
        cmd: { type: 'array', minItems: 1, maxItems: 64, items: { type: 'string', maxLength: 4096 } },
        cols: { type: 'integer', minimum: 1, maximum: 1000 },
        rows: { type: 'integer', minimum: 1, maximum: 1000 },
      },
      ['id', 'cols', 'rows'],
    ),
    input: {
      oneOf: [
        obj({ kind: { const: 'stdin' }, data: { type: 'string', maxLength: 65536 } }, ['kind', 'data']),
        obj(
          {
            kind: { const: 'resize' },
            cols: { type: 'integer', minimum: 1, maximum: 1000 },
            rows: { type: 'integer', minimum: 1, maximum: 1000 },
          },
          ['kind', 'cols', 'rows'],
        ),
      ],
    },
  },
  'image.pull': { params: obj({ image: imageRef }, ['image']) },
  'machine.progress': { params: none },
};

// ---------------------------------------------------------------- wire messages
// Identical on both transports: JSON text frames on the WebSocket, structured
// clones over Electron IPC.

export type ClientMessage =
  | { t: 'call'; id: number; method: string; params: unknown }
  | { t: 'sub'; id: number; stream: string; params: unknown }
  | { t: 'input'; id: number; data: unknown }
  | { t: 'unsub'; id: number };

export type ServerMessage =
  /** The answer to a call. */
  | { t: 'result'; id: number; result: Result<unknown> }
  /** One data event of a subscription. */
  | { t: 'data'; id: number; data: unknown }
  /** A subscription is over: finished (no error) or failed. No more data follows. */
  | { t: 'end'; id: number; error?: ApiError };

/**
 * What a transport gives the client: post a message, receive messages.
 * The Electron preload exposes exactly one object of this shape as
 * `window.berth` (ipcRenderer.send / ipcRenderer.on on the channel
 * BERTH_IPC_CHANNEL); the browser mode makes one from a WebSocket.
 */
export interface BerthPort {
  post(msg: ClientMessage): void;
  /** Returns a function that removes the listener. */
  onMessage(listener: (msg: ServerMessage) => void): () => void;
}

export const BERTH_IPC_CHANNEL = 'berth:api';

/** Query parameter and WebSocket path of the browser mode. */
export const UI_TOKEN_PARAM = 'token';
export const UI_SOCKET_PATH = '/api';
