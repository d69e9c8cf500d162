// The engine side of the API: containers, images and volumes through
// dockerode on the machine's forwarded Docker socket. Nothing here polls:
// every request is the answer to a call from the dashboard.
import Docker from 'dockerode';
import type { ContainerSummary, EngineInfo, ImageSummary, PruneResult, RunSpec, VolumeSummary } from '../contract';
import { ApiFailure, engineJsonMessage, isEngineError } from '../errors';
import { SystemDf, containerSummary, imageSummary, splitCommand, volumeSummaries } from './summaries';

interface SystemInfo {
  ServerVersion: string;
  OperatingSystem: string;
  KernelVersion: string;
  NCPU: number;
  MemTotal: number;
  Containers: number;
  Images: number;
}

export class Engine {
  readonly docker: Docker;

  constructor(readonly socketPath: string) {
    this.docker = new Docker({ socketPath });
  }

  async info(): Promise<EngineInfo> {
    const [i, df] = await Promise.all([this.systemInfo(), this.df().catch(() => undefined)]);
    const sum = <T>(xs: T[] | undefined, f: (x: T) => number | undefined) =>
      (xs ?? []).reduce((a, x) => a + Math.max(0, f(x) || 0), 0);
    return {
      serverVersion: i.ServerVersion,
      os: i.OperatingSystem,
      kernel: i.KernelVersion,
      cpus: i.NCPU,
      memTotal: i.MemTotal,
      containers: i.Containers,
      images: i.Images,
      diskUse: df
        ? {
            images: df.LayersSize ?? 0,
            containers: sum(df.Containers, (c) => c.SizeRw),
            volumes: sum(df.Volumes, (v) => v.UsageData?.Size),
            buildCache: sum(df.BuildCache, (b) => b.Size),
          }
        : undefined,
    };
  }

  /** /system/df, typed by what Berth reads of it. */
  /** GET /info; dockerode leaves its answer untyped: the fields read here are in every engine since 1.24. */
  private async systemInfo(): Promise<SystemInfo> {
    return (await this.docker.info()) as SystemInfo;
  }

  private async df(): Promise<SystemDf> {
    return (await this.docker.df()) as SystemDf;
  }

  async containers(id?: string): Promise<ContainerSummary[]> {
    const list = await this.docker.listContainers({ all: true, ...(id ? { filters: { id: [id] } } : {}) });
    return list.map(containerSummary);
  }

  async containerAction(action: 'start' | 'stop' | 'restart' | 'pause' | 'unpause', id: string): Promise<null> {
    const c = this.docker.getContainer(id);
    try {
      await (c[action] as (o?: object) => Promise<unknown>).call(c, {});
    } catch (e) {
      // Already in the asked state: done, not an error (idempotent like the CLI's machine verbs).
      if (isEngineError(e) && e.statusCode === 304) return null;
      throw e;
    }
    return null;
  }

  async removeContainer(id: string, force = false): Promise<null> {
    await this.docker.getContainer(id).remove({ force, v: false });
    return null;
  }

  async inspect(id: string): Promise<Record<string, unknown>> {
    return (await this.docker.getContainer(id).inspect()) as unknown as Record<string, unknown>;
  }

  async images(): Promise<ImageSummary[]> {
    const list = await this.docker.listImages({ all: false });
    return list.map(imageSummary).sort((a, b) => b.created - a.created);
  }

  async removeImage(id: string, force = false): Promise<null> {
    await this.docker.getImage(id).remove({ force });
    return null;
  }

  async pruneImages(): Promise<PruneResult> {
    const r = await this.docker.pruneImages({ filters: { dangling: ['true'] } });
    return {
      // The engine sends null, not [], when nothing was deleted; each entry is either Deleted or Untagged.
      deleted: (r.ImagesDeleted ?? []).map((d) => d.Deleted ?? d.Untagged).filter(Boolean),
      spaceReclaimed: r.SpaceReclaimed ?? 0,
    };
  }

  async run(spec: RunSpec): Promise<{ id: string; warnings: string[] }> {
    const exposed: Record<string, object> = {};
    const bindings: Record<string, { HostPort: string }[]> = {};
    for (const p of spec.ports) {
      const key = p.container.includes('/') ? p.container : `${p.container}/tcp`;
      exposed[key] = {};
      (bindings[key] ??= []).push({ HostPort: p.host ? String(p.host) : '' });
    }
    const mounts = spec.volumes.map((v) => ({
      Type: v.source.startsWith('/') ? ('bind' as const) : ('volume' as const),
      Source: v.source,
      Target: v.target,
      ReadOnly: Boolean(v.readOnly),
    }));
    const cmd = spec.cmd?.trim() ? splitCommand(spec.cmd) : undefined;
    let c: Docker.Container;
    try {
      c = await this.docker.createContainer({
        Image: spec.image,
        name: spec.name || undefined,
        Env: spec.env,
        Cmd: cmd,
        ExposedPorts: exposed,
        HostConfig: { PortBindings: bindings, Mounts: mounts },
      });
    } catch (e) {
      if (isEngineError(e) && e.statusCode === 404) {
        throw new ApiFailure(
          'ENOTFOUND',
          `Image ${spec.image} is not on the machine: pull it first (Images → Pull).`,
          engineJsonMessage(e),
        );
      }
      throw e;
    }
    await c.start();
    return { id: c.id, warnings: [] };
  }

  async volumes(): Promise<VolumeSummary[]> {
    const [df, containers] = await Promise.all([this.df(), this.docker.listContainers({ all: true })]);
    return volumeSummaries(df, containers);
  }

  async removeVolume(name: string): Promise<null> {
    await this.docker.getVolume(name).remove();
    return null;
  }

  async pruneVolumes(): Promise<PruneResult> {
    const r = await this.docker.pruneVolumes();
    // As with images: null when nothing was deleted.
    return { deleted: r.VolumesDeleted ?? [], spaceReclaimed: r.SpaceReclaimed ?? 0 };
  }
}
