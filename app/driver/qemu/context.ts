// What the QEMU driver's parts share: the injected seams (runner, spawner, processes, host),
// the timing, and the QEMU found. One object, made by QemuDriver, handed to each part.
import type { Arch } from '../../base/arch';
import type { Runner } from '../../base/run';
import type { HostFacts, QemuPrograms, QemuVersion } from './find-qemu';
import type { ProcessHost } from './process-host';
import type { Spawner } from './spawner';

export interface QemuContext {
  /** Diagnostic lines (not user-facing progress). */
  readonly log: (message: string) => void;
  readonly run: Runner;
  readonly spawn: Spawner;
  readonly procs: ProcessHost;
  readonly host: HostFacts;
  readonly pidfileTimeoutMs: number;
  readonly pollMs: number;
  /** The QEMU programs for machines of `arch`, found on first use. */
  programs(arch: Arch): QemuPrograms;
  /** The version of that QEMU validate() saw, if it ran. */
  version(arch: Arch): QemuVersion | undefined;
}
