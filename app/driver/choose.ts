// Which hypervisor driver runs a machine, from its settings. Called where each process starts (the
// CLI, the host agent, the desktop app, the browser mode) and passed in from there: nothing below
// those entry points names a concrete driver.
import type { DriverFactory } from './driver';
import { QemuDriver } from './qemu/qemu-driver';
import { VBoxDriver } from './virtualbox/vbox-driver';

export const createDriver: DriverFactory = (kind, log) =>
  kind === 'virtualbox' ? new VBoxDriver({ log }) : new QemuDriver({ log });
