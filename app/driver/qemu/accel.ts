// Which accelerator 'auto' means for a machine on this host. Pure: the caller supplies the facts
// (platform, host and guest architecture, whether /dev/kvm is usable) so every branch is unit-tested.
import { accessSync, constants } from 'node:fs';
import { nativeArch, type Arch } from '../../base/arch';
import { UserError } from '../../base/errors';
import type { Accel } from '../../base/vm-types';

export type ConcreteAccel = Exclude<Accel, 'auto'>;

export interface AccelFacts {
  platform: NodeJS.Platform;
  /** Node's process.arch of the host. */
  hostArch: string;
  /** The machine's architecture. */
  guestArch: Arch;
  /** Linux only: /dev/kvm can be opened read-write by this user. */
  kvmUsable: boolean;
}

/** A hypervisor runs only the host's own architecture: any other is emulated (TCG). */
export function emulated(facts: Pick<AccelFacts, 'hostArch' | 'guestArch'>): boolean {
  return facts.guestArch !== nativeArch(facts.hostArch);
}

export function resolveAccel(requested: Accel, facts: AccelFacts): ConcreteAccel {
  if (requested !== 'auto') {
    // QEMU would only say "invalid accelerator" or fail deep in its start: say why, and what works.
    if (isHardwareAccel(requested) && emulated(facts)) {
      throw new UserError(
        `accel ${requested} cannot run an ${facts.guestArch} machine on this ${nativeArch(facts.hostArch)} host (a hypervisor runs only its own architecture): set the machine's accel to auto or tcg`,
        { code: 'ESETTINGS' },
      );
    }
    return requested;
  }
  if (emulated(facts)) return 'tcg';
  switch (facts.platform) {
    case 'linux':
      return facts.kvmUsable ? 'kvm' : 'tcg';
    case 'darwin':
      // Hypervisor.framework exists on both Apple Silicon and Intel Macs.
      return 'hvf';
    case 'win32':
      return 'whpx';
    default:
      return 'tcg';
  }
}

/**
 * Readable+writable /dev/kvm. This says only that KVM can be opened, not that it
 * works (nested KVM may abort or crawl); the driver's start-time fallback covers that.
 */
export function kvmDeviceUsable(device = '/dev/kvm'): boolean {
  try {
    accessSync(device, constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export function isHardwareAccel(a: ConcreteAccel): boolean {
  return a !== 'tcg';
}
