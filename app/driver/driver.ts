// The hypervisor driver contract. A driver knows how to run one machine's VM
// and how to observe it; it keeps no state of its own in memory that the
// host cannot re-derive (pid files, QMP), so a fresh process gets the truth.
// QEMU and VirtualBox implement it (qemu/, virtualbox/). Each optional ability
// is said once, as an optional method: a driver without it leaves it out, and callers check for it.
import type { Arch } from '../base/arch';
import type { Accel, DriverName, SavedVm, VmSpec, VmState } from '../base/vm-types';

/**
 * Builds the driver of the kind a machine's settings name (choose.ts knows the concrete ones);
 * `log` takes diagnostic lines (not user-facing progress).
 */
export type DriverFactory = (kind: DriverName, log?: (message: string) => void) => Driver;

/** A named step of long work, reported as it happens. */
export type ProgressFn = (message: string) => void;

export interface StartResult {
  /**
   * The accelerator that actually runs the VM (after any fallback); 'virtualbox' for a VM VirtualBox
   * runs, which picks VT-x, AMD-V or the host's own hypervisor API by itself.
   */
  accel: Exclude<Accel, 'auto'> | 'virtualbox';
  /** Human-readable note, e.g. why auto fell back to TCG. */
  note?: string;
  /** The VM went on from saved memory instead of booting: its guest did not start afresh. */
  resumed?: boolean;
}

export interface Driver {
  readonly name: string;
  /** The driver boots the image's ISO (berth.iso) instead of its kernel and initramfs: the image must have one. */
  readonly bootsIso?: boolean;
  /**
   * Checks the hypervisor is installed for machines of this architecture; throws a UserError that
   * says how to install it.
   */
  validate(arch: Arch): Promise<void>;
  /** Creates the data disk if it does not exist; grows it if diskGiB grew. Never shrinks or reformats. */
  createDisk(spec: VmSpec): Promise<void>;
  /**
   * Starts the VM and resolves once it is running (serial output seen), or resumes it from the
   * memory suspend() saved when that still fits the spec, the image and the disk.
   */
  start(spec: VmSpec, progress: ProgressFn): Promise<StartResult>;
  /**
   * Saves the running VM's memory for the next start() and ends the VM. Optional. The guest must
   * have synced its disks. Throws, with the VM still running, when it cannot (the caller then shuts
   * the machine down instead).
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
  /**
   * Whether the running VM is paused because a write to its data disk found the host's disk full.
   * The hypervisor then stops the VM rather than fail the write (which the guest's filesystem would
   * take as a broken disk) and tries the write again when it goes on. Optional.
   */
  pausedForHostDiskFull?(spec: VmSpec): Promise<boolean>;
  /** Lets a VM paused for a full host disk go on; if space is still short it pauses again. */
  continueAfterHostDiskFull?(spec: VmSpec): Promise<void>;
}
