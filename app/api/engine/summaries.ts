// Engine API shapes -> the contract's summaries (pure functions). The input
// types are dockerode's, cut to the fields each function reads, with the
// fields the engine really leaves out made optional (see test/fixtures/engine).
import type Docker from 'dockerode';
import type { ContainerSummary, ImageSummary, PortBinding, StatsSample, VolumeSummary } from '../contract';

/** Every field optional, all the way down. */
type Sparse<T> = { [K in keyof T]?: T[K] extends object ? Sparse<T[K]> : T[K] };

/** A port of /containers/json: one that is exposed but not published has no PublicPort and no IP. */
export type EnginePort = Pick<Docker.Port, 'PrivatePort' | 'Type'> & Partial<Pick<Docker.Port, 'PublicPort' | 'IP'>>;

/** A container of /containers/json, as far as the summaries read it. */
export type EngineContainer = Pick<Docker.ContainerInfo, 'Id' | 'Image' | 'State' | 'Created'> &
  Partial<Pick<Docker.ContainerInfo, 'Names' | 'Labels' | 'Status' | 'Command'>> & { Ports?: EnginePort[] };

type Mount = Docker.ContainerInfo['Mounts'][number];

/** A container's mounts, as far as volume summaries read them (Type and, for a volume, Name). */
export type ContainerMounts = Pick<Docker.ContainerInfo, 'Id'> &
  Partial<Pick<Docker.ContainerInfo, 'Names'>> & { Mounts?: (Pick<Mount, 'Type'> & Partial<Mount>)[] };

/** An image of /images/json; Containers is absent on engines that do not count them. */
export type EngineImage = Pick<Docker.ImageInfo, 'Id' | 'Size' | 'Created' | 'RepoTags' | 'RepoDigests'> &
  Partial<Pick<Docker.ImageInfo, 'Containers'>>;

/** A volume of /system/df: CreatedAt is in the engine's answer though not in dockerode's type. */
export type EngineVolume = Pick<Docker.VolumeInspectInfo, 'Name' | 'Driver' | 'Mountpoint' | 'UsageData'> & {
  CreatedAt?: string;
};

/** The parts of /system/df Berth reads (dockerode types df() as any). */
export interface SystemDf {
  LayersSize?: number;
  Containers?: { SizeRw?: number }[];
  Volumes?: EngineVolume[];
  BuildCache?: { Size?: number }[];
}

/** A stats sample as the engine sends it: a stopped container's, or the first one's precpu, are mostly empty. */
export type EngineStats = Sparse<Pick<Docker.ContainerStats, 'cpu_stats' | 'precpu_stats' | 'memory_stats'>>;

export function containerSummary(c: EngineContainer): ContainerSummary {
  const labels: Record<string, string> = c.Labels ?? {};
  const seen = new Set<string>();
  const ports: PortBinding[] = [];
  for (const p of c.Ports ?? []) {
    // The engine lists a published port once per address family: show it once.
    const key = `${p.PrivatePort}/${p.Type}:${p.PublicPort ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    ports.push({ privatePort: p.PrivatePort, publicPort: p.PublicPort, ip: p.IP, type: p.Type });
  }
  ports.sort((a, b) => a.privatePort - b.privatePort);
  return {
    id: c.Id,
    name: String(c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, ''),
    image: c.Image,
    state: c.State,
    status: c.Status ?? '',
    created: c.Created,
    ports,
    project: labels['com.docker.compose.project'] || undefined,
    service: labels['com.docker.compose.service'] || undefined,
    command: c.Command,
  };
}

export function imageSummary(i: EngineImage): ImageSummary {
  const tags = (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
  const digests = (i.RepoDigests ?? []).filter((t) => t !== '<none>@<none>');
  return {
    id: i.Id,
    tags,
    digests,
    size: i.Size,
    created: i.Created,
    containers: typeof i.Containers === 'number' ? i.Containers : -1,
    dangling: tags.length === 0,
  };
}

export function volumeSummaries(df: SystemDf, containers: ContainerMounts[]): VolumeSummary[] {
  const users = new Map<string, string[]>();
  for (const c of containers) {
    const name = String(c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, '');
    for (const m of c.Mounts ?? []) {
      if (m.Type !== 'volume' || !m.Name) continue;
      users.set(m.Name, [...(users.get(m.Name) ?? []), name]);
    }
  }
  return (df.Volumes ?? [])
    .map((v) => ({
      name: v.Name,
      driver: v.Driver,
      mountpoint: v.Mountpoint,
      createdAt: v.CreatedAt,
      size: typeof v.UsageData?.Size === 'number' ? v.UsageData.Size : -1,
      usedBy: (users.get(v.Name) ?? []).sort(),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** One stats sample from the engine's stats JSON (cgroup v1 and v2). */
export function statsSample(s: EngineStats, now = Date.now()): StatsSample {
  const cpu = s.cpu_stats ?? {};
  const pre = s.precpu_stats ?? {};
  const cpuDelta = (cpu.cpu_usage?.total_usage ?? 0) - (pre.cpu_usage?.total_usage ?? 0);
  const sysDelta = (cpu.system_cpu_usage ?? 0) - (pre.system_cpu_usage ?? 0);
  const online = cpu.online_cpus ?? cpu.cpu_usage?.percpu_usage?.length ?? 1;
  const cpuPercent = sysDelta > 0 && cpuDelta >= 0 ? (cpuDelta / sysDelta) * online * 100 : 0;
  const mem = s.memory_stats ?? {};
  const cache = mem.stats?.inactive_file ?? mem.stats?.total_inactive_file ?? mem.stats?.cache ?? 0;
  const memBytes = Math.max(0, (mem.usage ?? 0) - cache);
  return { t: now, cpuPercent: Math.round(cpuPercent * 100) / 100, memBytes, memLimit: mem.limit ?? 0 };
}

/** Splits a simple command line on whitespace, honouring single and double quotes. */
export function splitCommand(cmd: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(cmd))) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? m[3]));
  return out;
}
