// Turns a machine's settings into what the hypervisor driver needs.
import type { VmSpec } from './vm-types';
import type { LocatedImage } from './image';
import type { MachinePaths } from './paths';
import type { MachineSettings } from './settings/schema';
import { readIfExists } from './files';
import { sharedFolders } from './shares';

/** The engine's daemon.json, made from the engine settings. */
export function daemonJson(s: MachineSettings): string {
  const cfg: Record<string, unknown> = {};
  if (s.engine.insecureRegistries.length) cfg['insecure-registries'] = s.engine.insecureRegistries;
  if (s.engine.registryMirrors.length) cfg['registry-mirrors'] = s.engine.registryMirrors;
  return JSON.stringify(cfg, null, 2) + '\n';
}

export function vmSpec(
  name: string,
  p: MachinePaths,
  s: MachineSettings,
  image: LocatedImage,
  ports: { sshPort: number; engineTcpPort?: number; enginePort?: number },
  publicKey: string,
): VmSpec {
  return {
    name,
    dir: p.dir,
    cpus: s.cpus,
    memoryMiB: s.memoryMiB,
    diskGiB: s.diskGiB,
    accel: s.accel,
    arch: s.arch,
    image: {
      kernel: image.kernel,
      initrd: image.initrd,
      rootfs: image.rootfs,
      cmdline: image.cmdline,
      ...(image.binfmt ? { binfmt: image.binfmt } : {}),
      iso: image.iso,
    },
    sshPort: ports.sshPort,
    engineTcpPort: ports.engineTcpPort,
    enginePort: ports.enginePort,
    shares: sharedFolders(s.shares),
    guestConfig: {
      authorizedKeys: publicKey,
      hostKey: readIfExists(p.sshHostKey),
      hostname: name === 'default' ? 'berth' : `berth-${name}`,
      daemonJson: daemonJson(s),
      // The guest listens on TCP only when the host forwards a port to it: both come from the
      // host agent's own start (the benchmark's), never from the settings.
      engineTcp: ports.engineTcpPort !== undefined || undefined,
      // The engine's direct path: the host agent made the secret (base/engine-secret) before it
      // picked the port; a VM started without a port gets neither.
      engineSecret: ports.enginePort !== undefined ? readIfExists(p.engineSecret)?.trim() || undefined : undefined,
    },
  };
}
