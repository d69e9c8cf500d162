// Which hypervisor driver runs the machines. Called where each process starts (the CLI, the host
// agent, the desktop app, the browser mode) and passed in from there: nothing below those entry
// points names a concrete driver. VirtualBox will be chosen here too.
import type { DriverFactory } from './driver';
import { QemuDriver } from './qemu/qemu-driver';

export const createDriver: DriverFactory = (log) => new QemuDriver({ log });
