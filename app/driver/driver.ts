// The hypervisor driver contract. A driver knows how to run one machine's VM
// and how to observe it; it keeps no state of its own in memory that the
// host cannot re-derive (pid files, QMP), so a fresh process gets the truth.
// QEMU implements it now; VirtualBox will implement the same interface.

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
  /** Image artifacts: kernel, initramfs, read-only root and the kernel command line. */
  image: VmImage;
  /** Host port on 127.0.0.1 forwarded to the guest's SSH port. */
  sshPort: number;
  /** Optional host port on 127.0.0.1 forwarded to a TCP dockerd in the guest (benchmark only). */
  engineTcpPort?: number;
  /** Host folders the guest mounts (read-write) at guestPath. */
  shares: SharedFolder[];
  /** Files and strings handed to the guest through QEMU fw_cfg (name -> content). */
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
}

export interface GuestConfig {
  authorizedKeys: string;
  hostname: string;
  /** The engine's daemon.json, already serialised. */
  daemonJson: string;
  engineTcp?: boolean;
}

export type Accel = 'auto' | 'kvm' | 'hvf' | 'whpx' | 'tcg';

export interface DriverCapabilities {
  /** The VM can be asked to power off cleanly (ACPI power button). */
  gracefulStop: boolean;
  /** The data disk can be grown in place. */
  diskResize: boolean;
  /** Idle guest memory is handed back to the host. */
  freePageReporting: boolean;
  /** Host folders can be shared with the guest. */
  fileSharing: boolean;
  /** A running VM's memory can be saved on stop and resumed on the next start. */
  suspend: boolean;
}

/** Memory a stopped VM left to be resumed. */
export interface SavedVm {
  savedAt: string;
  bytes: number;
}

/** A named step of long work, reported as it happens. */
export type ProgressFn = (message: string) => void;

export interface StartResult {
  /** The accelerator that actually runs the VM (after any fallback). */
  accel: Exclude<Accel, 'auto'>;
  /** Human-readable note, e.g. why auto fell back to TCG. */
  note?: string;
  /** The VM went on from saved memory instead of booting: its guest did not start afresh. */
  resumed?: boolean;
}

export interface Driver {
  readonly name: string;
  readonly capabilities: DriverCapabilities;
  /** Checks the hypervisor is installed; throws a UserError that says how to install it. */
  validate(): Promise<void>;
  /** Creates the data disk if it does not exist; grows it if diskGiB grew. Never shrinks or reformats. */
  createDisk(spec: VmSpec): Promise<void>;
  /**
   * Starts the VM and resolves once it is running (serial output seen), or resumes it from the
   * memory suspend() saved when that still fits the spec, the image and the disk.
   */
  start(spec: VmSpec, progress: ProgressFn): Promise<StartResult>;
  /**
   * Saves the running VM's memory for the next start() and ends the VM (capability `suspend`).
   * The guest must have synced its disks. Throws, with the VM still running, when it cannot.
   */
  suspend?(spec: VmSpec): Promise<void>;
  /** The memory a stopped VM saved, if any. */
  saved?(spec: VmSpec): Promise<SavedVm | undefined>;
  /** Forgets saved memory: the next start() boots afresh. */
  discardSaved?(spec: VmSpec): Promise<void>;
  /** Asks the guest to power off; kills the VM if it has not stopped within timeoutMs. */
  stop(spec: VmSpec, timeoutMs: number): Promise<void>;
  /** Kills the VM process at once. */
  kill(spec: VmSpec): Promise<void>;
  /** Removes the VM's files; keeps the data disk when keepDisk is set. */
  delete(spec: VmSpec, keepDisk: boolean): Promise<void>;
  /** What the host can observe now. */
  inspect(spec: VmSpec): Promise<VmState>;
  /** Pid of the running VM process, if any. */
  pid(spec: VmSpec): Promise<number | undefined>;
  /**
   * Forwards UDP datagrams sent to the host's 127.0.0.1:hostPort to guestPort in the running VM,
   * for a container's published UDP port (the SSH connection carries TCP only). Optional: without
   * it such ports are listed as not forwarded. Throws an Error saying why when the port cannot open.
   */
  forwardUdp?(spec: VmSpec, hostPort: number, guestPort: number): Promise<void>;
  /** Ends a forwardUdp; one that is already gone is fine. */
  unforwardUdp?(spec: VmSpec, hostPort: number): Promise<void>;
}
