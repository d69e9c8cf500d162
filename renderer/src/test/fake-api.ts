// A scripted Api for component tests: methods answer from a table, streams
// are captured so a test can push data and ends into them.
import { vi } from 'vitest';
import { ApiCallError, type Api, type StreamHandlers } from '../../../app/api/client';
import type { MethodName, ParamsOf, ResultOf, SettingsView, StreamName } from '../../../app/api/contract';

type Impl = { [M in MethodName]?: (p: ParamsOf<M>) => ResultOf<M> | Promise<ResultOf<M>> };

export interface FakeStream {
  stream: StreamName;
  params: unknown;
  h: StreamHandlers<unknown>;
  sent: unknown[];
  stopped: boolean;
}

export function apiError(code: string, message: string, details?: string): ApiCallError {
  return new ApiCallError({ code, message, details });
}

export function fakeApi(impl: Impl) {
  const streams: FakeStream[] = [];
  const invoke = vi.fn(async (method: MethodName, params: unknown) => {
    const f = impl[method] as ((p: unknown) => unknown) | undefined;
    if (!f) throw apiError('ENOMETHOD', `no fake for ${method}`);
    return f(params);
  });
  const api: Api = {
    invoke: invoke as Api['invoke'],
    subscribe(stream, params, h) {
      const s: FakeStream = { stream, params, h: h, sent: [], stopped: false };
      streams.push(s);
      return { send: (i: unknown) => s.sent.push(i), stop: () => void (s.stopped = true) };
    },
  };
  const live = (name: StreamName) => streams.filter((s) => s.stream === name && !s.stopped);
  return { api, invoke, streams, live };
}

export const runningMachine = {
  name: 'default',
  status: {
    name: 'default',
    state: 'running' as const,
    cpus: 2,
    memoryMiB: 2048,
    diskGiB: 64,
    dockerHost: 'unix:///tmp/docker.sock',
  },
  diskFileBytes: 123456789,
};

export const engineInfo = {
  serverVersion: '20.10.24',
  os: 'Berth',
  kernel: '6.1',
  cpus: 2,
  memTotal: 2e9,
  containers: 0,
  images: 0,
};

export function container(id: string, name: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    name,
    image: 'tiny',
    state: 'running',
    status: 'Up 2 minutes',
    created: 1700000000,
    ports: [],
    ...extra,
  };
}

/** What settings.get answers for a machine of this architecture, with the schema's ranges. */
export function settingsView(arch: 'x86_64' | 'aarch64', driver: 'qemu' | 'virtualbox' = 'qemu'): SettingsView {
  return {
    settings: {
      version: 5,
      cpus: 2,
      memoryMiB: 2048,
      diskGiB: 64,
      accel: 'auto',
      arch,
      driver,
      shares: ['~'],
      engine: { insecureRegistries: [], registryMirrors: [] },
    },
    ranges: {
      cpus: { min: 1, max: 32, description: 'virtual CPUs' },
      memoryMiB: { min: 512, max: 65536, description: 'memory in MiB' },
      diskGiB: { min: 4, max: 2048, description: 'data disk' },
    },
    accelerators: ['auto', 'kvm', 'hvf', 'whpx', 'tcg'],
    architectures: ['x86_64', 'aarch64'],
    drivers: ['qemu', 'virtualbox'],
    restartFields: ['cpus', 'memoryMiB', 'diskGiB', 'accel', 'shares', 'engine'],
    warnings: [],
  };
}
