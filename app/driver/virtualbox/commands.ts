// The VBoxManage command lines the VirtualBox driver runs, built here and nowhere else, so the
// unit tests check each argv exactly. Every VM setting is VirtualBox's own name for it.
import type { SharedFolder } from '../../base/vm-types';

/** The SATA (AHCI) controller's ports: the ISO, the data disk, the config disk. */
export const PORTS = { iso: 0, data: 1, config: 2 } as const;
export const CONTROLLER = 'SATA';

/** The NAT rules Berth owns on the VM's first network card, by name. */
export const RULE = { ssh: 'ssh', engine: 'engine', engineTcp: 'engine-tcp' } as const;
/** A UDP port's rule name: one per host port, so it can be removed by name. */
export const udpRule = (hostPort: number) => `udp-${hostPort}`;

export const version = () => ['--version'];
export const showVmInfo = (vm: string) => ['showvminfo', vm, '--machinereadable'];

/** Registers a new VM whose settings and logs live in the machine's own folder. */
export const createVm = (vm: string, baseFolder: string) => [
  'createvm',
  '--name',
  vm,
  '--basefolder',
  baseFolder,
  '--ostype',
  'Linux_64',
  '--register',
];

export interface Hardware {
  cpus: number;
  memoryMiB: number;
  /** The file the first serial port writes: the guest's console, so a boot can be followed. */
  console: string;
}

/**
 * The VM's hardware: BIOS firmware booting the DVD first, the Intel PRO/1000 card on NAT (the
 * devices the guest kernel has built in), and the serial console to a file. The I/O APIC is
 * needed for more than one CPU; the clock is UTC, as Linux keeps it.
 */
export const modifyHardware = (vm: string, hw: Hardware) => [
  'modifyvm',
  vm,
  '--firmware',
  'bios',
  '--cpus',
  String(hw.cpus),
  '--memory',
  String(hw.memoryMiB),
  '--acpi',
  'on',
  '--ioapic',
  'on',
  '--rtcuseutc',
  'on',
  '--boot1',
  'dvd',
  '--boot2',
  'disk',
  '--boot3',
  'none',
  '--boot4',
  'none',
  '--nic1',
  'nat',
  '--nictype1',
  '82540EM',
  '--cableconnected1',
  'on',
  '--natdnshostresolver1',
  'on',
  '--uart1',
  '0x3F8',
  '4',
  '--uartmode1',
  'file',
  hw.console,
];

export const addController = (vm: string) => [
  'storagectl',
  vm,
  '--name',
  CONTROLLER,
  '--add',
  'sata',
  '--controller',
  'IntelAhci',
  '--portcount',
  '3',
  '--hostiocache',
  'on',
];

export const attachIso = (vm: string, iso: string) => [
  'storageattach',
  vm,
  '--storagectl',
  CONTROLLER,
  '--port',
  String(PORTS.iso),
  '--device',
  '0',
  '--type',
  'dvddrive',
  '--medium',
  iso,
];

/** The data disk passes the guest's discards on, so freed blocks shrink the file on the host. */
export const attachDataDisk = (vm: string, disk: string) => [
  'storageattach',
  vm,
  '--storagectl',
  CONTROLLER,
  '--port',
  String(PORTS.data),
  '--device',
  '0',
  '--type',
  'hdd',
  '--medium',
  disk,
  '--discard',
  'on',
  '--nonrotational',
  'on',
];

export const attachConfigDisk = (vm: string, disk: string) => [
  'storageattach',
  vm,
  '--storagectl',
  CONTROLLER,
  '--port',
  String(PORTS.config),
  '--device',
  '0',
  '--type',
  'hdd',
  '--medium',
  disk,
];

/** Empties a port (the medium stays on disk). */
export const detach = (vm: string, port: number) => [
  'storageattach',
  vm,
  '--storagectl',
  CONTROLLER,
  '--port',
  String(port),
  '--device',
  '0',
  '--medium',
  'none',
];

export const createDisk = (file: string, sizeMiB: number) => [
  'createmedium',
  'disk',
  '--filename',
  file,
  '--size',
  String(sizeMiB),
  '--format',
  'VDI',
];
export const showDisk = (file: string) => ['showmediuminfo', 'disk', file];
export const resizeDisk = (file: string, sizeMiB: number) => [
  'modifymedium',
  'disk',
  file,
  '--resize',
  String(sizeMiB),
];
/** Forgets a disk image VirtualBox registered, deleting its file. */
export const closeDisk = (file: string) => ['closemedium', 'disk', file, '--delete'];
export const convertFromRaw = (raw: string, vdi: string) => ['convertfromraw', raw, vdi, '--format', 'VDI'];

/** A NAT rule "name,protocol,host ip,host port,guest ip,guest port": the host side on 127.0.0.1 only. */
export const natRule = (name: string, protocol: 'tcp' | 'udp', hostPort: number, guestPort: number) =>
  `${name},${protocol},127.0.0.1,${hostPort},,${guestPort}`;
/** NAT rules of a stopped VM. */
export const addNatRule = (vm: string, rule: string) => ['modifyvm', vm, '--natpf1', rule];
export const deleteNatRule = (vm: string, name: string) => ['modifyvm', vm, '--natpf1', 'delete', name];
/** NAT rules of a running VM (they last until it stops). */
export const addRunningNatRule = (vm: string, rule: string) => ['controlvm', vm, 'natpf1', rule];
export const deleteRunningNatRule = (vm: string, name: string) => ['controlvm', vm, 'natpf1', 'delete', name];

/**
 * A shared folder by its name (the tag the guest mounts with `mount -t vboxsf TAG PATH`, at the
 * path the config disk's shares list gives). No --automount: VirtualBox's own automounter would
 * mount it under /media; the guest mounts it where the host has it.
 */
export const addShare = (vm: string, share: SharedFolder) => [
  'sharedfolder',
  'add',
  vm,
  '--name',
  share.tag,
  '--hostpath',
  share.hostPath,
];
export const removeShare = (vm: string, name: string) => ['sharedfolder', 'remove', vm, '--name', name];
/** Lets the guest make symlinks in a shared folder (git checkouts, node_modules need them). */
export const allowSymlinks = (vm: string, name: string) => [
  'setextradata',
  vm,
  `VBoxInternal2/SharedFoldersEnableSymlinksCreate/${name}`,
  '1',
];

export const startHeadless = (vm: string) => ['startvm', vm, '--type', 'headless'];
export const powerButton = (vm: string) => ['controlvm', vm, 'acpipowerbutton'];
export const powerOff = (vm: string) => ['controlvm', vm, 'poweroff'];
/** Saves the running VM's memory and ends it; startvm restores it. */
export const saveState = (vm: string) => ['controlvm', vm, 'savestate'];
export const discardState = (vm: string) => ['discardstate', vm];
/** Unregisters the VM and deletes its settings, logs, saved state and the disks still attached. */
export const unregister = (vm: string) => ['unregistervm', vm, '--delete'];
