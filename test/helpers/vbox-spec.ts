// A VirtualBox machine's spec for the driver's tests: a shared folder, a host key, the engine's
// direct path, and an ISO path in the machine's folder.
import * as path from 'node:path';
import type { VmSpec } from '../../app/base/vm-types';

export function vboxSpec(dir: string, over: Partial<VmSpec> = {}): VmSpec {
  return {
    name: 'default',
    dir,
    cpus: 2,
    memoryMiB: 2048,
    diskGiB: 22,
    accel: 'auto',
    arch: 'x86_64',
    image: { kernel: '', initrd: '', rootfs: '', cmdline: '', iso: path.join(dir, 'berth.iso') },
    sshPort: 40022,
    enginePort: 40399,
    shares: [{ hostPath: '/home/u/My Projects', guestPath: '/home/u/My Projects', tag: 'berth0' }],
    guestConfig: {
      authorizedKeys: 'ssh-ed25519 AAAAC3Nza berth\n',
      hostKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n',
      hostname: 'berth',
      daemonJson: '{}\n',
      engineSecret: 'ab'.repeat(32),
    },
    ...over,
  };
}
