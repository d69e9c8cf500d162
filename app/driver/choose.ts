// The one place that decides which hypervisor driver a machine uses.
import type { Driver } from './driver';
import { QemuDriver } from './qemu/qemu-driver';

export function createDriver(log: (m: string) => void = () => undefined): Driver {
  return new QemuDriver({ log });
}
