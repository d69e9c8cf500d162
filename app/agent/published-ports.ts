// Which ports the host should open, worked out from what the engine says its
// running containers publish (GET /containers/json). Pure, so it is tested
// against the engine's real output.

/** The part of an entry of GET /containers/json that matters here. */
export interface EngineContainer {
  Id?: string;
  Names?: string[];
  State?: string;
  Ports?: Array<{ IP?: string; PrivatePort: number; PublicPort?: number; Type: string }>;
}

export interface WantedPort {
  hostPort: number;
  protocol: 'tcp' | 'udp';
  /** Where to connect inside the VM: the address docker-proxy listens on there. */
  guestHost: string;
  container: string;
  containerPort: number;
}

/** 0.0.0.0 and :: mean every address in the VM; its loopback is the one always there. */
function guestAddress(ip: string | undefined): string {
  if (!ip || ip === '0.0.0.0' || ip === '::') return '127.0.0.1';
  return ip;
}

/**
 * One entry per published host port and protocol. The engine lists a port once
 * per address family (0.0.0.0 and ::); the host needs it once.
 */
export function wantedPorts(containers: EngineContainer[]): WantedPort[] {
  const byKey = new Map<string, WantedPort>();
  for (const c of containers) {
    // A paused container keeps its ports (docker-proxy still holds them in the VM).
    if (c.State && c.State !== 'running' && c.State !== 'paused') continue;
    const name = (c.Names?.[0] ?? '').replace(/^\//, '');
    for (const p of c.Ports ?? []) {
      if (!p.PublicPort || (p.Type !== 'tcp' && p.Type !== 'udp')) continue;
      const key = `${p.PublicPort}/${p.Type}`;
      if (byKey.has(key)) continue;
      byKey.set(key, {
        hostPort: p.PublicPort,
        protocol: p.Type,
        guestHost: guestAddress(p.IP),
        container: name,
        containerPort: p.PrivatePort,
      });
    }
  }
  return [...byKey.values()].sort((a, b) => a.hostPort - b.hostPort || a.protocol.localeCompare(b.protocol));
}
