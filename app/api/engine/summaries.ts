// Engine API shapes -> the contract's summaries (pure functions).
import type { ContainerSummary, ImageSummary, PortBinding, StatsSample, VolumeSummary } from '../contract';

export function containerSummary(c: any): ContainerSummary {
  const labels: Record<string, string> = c.Labels ?? {};
  const seen = new Set<string>();
  const ports: PortBinding[] = [];
  for (const p of (c.Ports ?? []) as any[]) {
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

export function imageSummary(i: any): ImageSummary {
  const tags = ((i.RepoTags ?? []) as string[]).filter((t) => t !== '<none>:<none>');
  const digests = ((i.RepoDigests ?? []) as string[]).filter((t) => t !== '<none>@<none>');
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

export function volumeSummaries(df: any, containers: any[]): VolumeSummary[] {
  const users = new Map<string, string[]>();
  for (const c of containers) {
    const name = String(c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, '');
    for (const m of (c.Mounts ?? []) as any[]) {
      if (m.Type !== 'volume' || !m.Name) continue;
      users.set(m.Name, [...(users.get(m.Name) ?? []), name]);
    }
  }
  return ((df.Volumes ?? []) as any[])
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
export function statsSample(s: any, now = Date.now()): StatsSample {
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
