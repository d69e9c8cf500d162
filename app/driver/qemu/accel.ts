// Which accelerator 'auto' means on this host. Pure: the caller supplies the facts
// (platform, whether /dev/kvm is usable) so every branch is unit-tested.
import { accessSync, constants } from 'node:fs';
import type { Accel } from '../../base/vm-types';

export type ConcreteAccel = Exclude<Accel, 'auto'>;

export interface AccelFacts {
  platform: NodeJS.Platform;
  /** Linux only: /dev/kvm can be opened read-write by this user. */
  kvmUsable: boolean;
}

export function resolveAccel(requested: Accel, facts: AccelFacts): ConcreteAccel {
  if (requested !== 'auto') return requested;
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
