// The words every layer uses for a machine's VM: what it is made of (VmSpec) and what the host
// sees of it (VmState). Types only, with the one list of accelerators, so that the settings, the
// machine layer and each hypervisor driver agree without importing one another.
import type { Arch } from './arch';

/** The hardware accelerators a machine can ask for; 'auto' picks the platform's own. */
export const ACCELERATORS = ['auto', 'kvm', 'hvf', 'whpx', 'tcg'] as const;
export type Accel = (typeof ACCELERATORS)[number];

/**
 * The hypervisors a machine can run under, chosen when it is made: QEMU (the default) or
 * VirtualBox, the way boot2docker ran. A machine keeps its own for life (its disk is in that
 * hypervisor's format).
 */
export const DRIVERS = ['qemu', 'virtualbox'] as const;
export type DriverName = (typeof DRIVERS)[number];

/** What the VM process looks like from the host, right now. */
export type VmState = 'absent' | 'stopped' | 'running';

/** Everything a driver needs to know about the machine it runs. */
export interface VmSpec {
  /** Machine name, e.g. "default"; also the guest hostname. */
  name: string;
  /** The machine's private folder (0700): disks, sockets, pid files, logs. */
  dir: string;
  cpus: number;
  memoryMiB: number;
  diskGiB: number;
  accel: Accel;
  /** The guest's CPU architecture; the image is of the same one. */
  arch: Arch;
  /** Image artifacts: kernel, initramfs, read-only root and the kernel command line. */
  image: VmImage;
  /** Host port on 127.0.0.1 forwarded to the guest's SSH port. */
  sshPort: number;
  /** Optional host port on 127.0.0.1 forwarded to a TCP dockerd in the guest (benchmark only). */
  engineTcpPort?: number;
  /**
   * Optional host port on 127.0.0.1 forwarded to the guest's engine proxy, the Docker socket's
   * direct path (needs guestConfig.engineSecret: the proxy lets in only who sends it).
   */
  enginePort?: number;
  /** Host folders the guest mounts (read-write) at guestPath. */
  shares: SharedFolder[];
  /** Files and strings handed to the guest (QEMU: through fw_cfg). */
  guestConfig: GuestConfig;
}

export interface SharedFolder {
  /** Absolute folder on the host. */
  hostPath: string;
  /** Where the guest mounts it: the same path for POSIX hosts, so bind mounts need no translation. */
  guestPath: string;
  /** The device's name in the guest (9p mount tag), unique per machine. */
  tag: string;
}

export interface VmImage {
  kernel: string;
  initrd: string;
  rootfs: string;
  cmdline: string;
  /**
   * The other architecture's interpreter (qemu-user) and its binfmt_misc entry, a read-only disk
   * the guest registers at boot; absent in an image made before it (or a test's tiny image).
   */
  binfmt?: string;
  /**
   * The same kernel, initramfs and root as one bootable ISO (berth.iso), for a hypervisor that
   * boots from a DVD drive (VirtualBox); absent when the image has none or the driver needs none.
   */
  iso?: string;
}

export interface GuestConfig {
  authorizedKeys: string;
  /**
   * The VM's private SSH host key (OpenSSH format), made on the host and already pinned there;
   * the guest's sshd uses it. Absent for a machine made before: its guest keeps its own key.
   */
  hostKey?: string;
  hostname: string;
  /** The engine's daemon.json, already serialised. */
  daemonJson: string;
  engineTcp?: boolean;
  /** The secret the guest's engine proxy requires first on each connection (64 hex digits). */
  engineSecret?: string;
}

/** Memory a stopped VM left to be resumed. */
export interface SavedVm {
  savedAt: string;
  bytes: number;
}
