// Builds QEMU's command line from the machine spec. Pure, so every accelerator and
// platform variant is pinned by a unit test with the exact argv.
import type { Arch } from '../../base/arch';
import type { SharedFolder, VmSpec } from '../../base/vm-types';
import type { ConcreteAccel } from './accel';
import { NETDEV_ID } from './hostfwd';
import type { MachineFiles } from './machine-files';
import { qmpArgs, type QmpEndpoint } from './qmp-endpoint';
import { ENGINE_PROXY_GUEST_PORT, ENGINE_TCP_GUEST_PORT } from '../guest-files';

// Where the guest's files are described for every driver; kept importable from here too.
export { ENGINE_PROXY_GUEST_PORT, ENGINE_TCP_GUEST_PORT, sharesTable } from '../guest-files';

export interface ArgvInput {
  spec: VmSpec;
  accel: ConcreteAccel;
  files: MachineFiles;
  qmp: QmpEndpoint;
}

/** QEMU option values are comma-separated; a literal comma is written twice. */
export function esc(value: string): string {
  return value.replace(/,/g, ',,');
}

export function buildQemuArgv(input: ArgvInput): string[] {
  const { spec, files } = input;
  return [
    // Recognisable in ps/Task Manager; inspect() also checks the machine dir in the cmdline.
    '-name',
    `berth-${spec.name}`,
    ...machineArgs({ accel: input.accel, arch: spec.arch }),
    '-smp',
    String(spec.cpus),
    ...memoryArgs(spec.memoryMiB),
    // No default NIC/VGA/serial and no host config file: only what is listed here exists.
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-kernel',
    spec.image.kernel,
    '-initrd',
    spec.image.initrd,
    '-append',
    spec.image.cmdline,
    // The guest finds its disks by serial (/dev/disk/by-id/virtio-berth-*), not by probe order.
    '-drive',
    `file=${esc(spec.image.rootfs)},if=none,id=root,format=raw,readonly=on`,
    '-device',
    'virtio-blk-pci,drive=root,serial=berth-root',
    // discard=unmap: fstrim in the guest gives freed space back to the host file.
    '-drive',
    `file=${esc(files.dataDisk)},if=none,id=data,format=qcow2,discard=unmap`,
    '-device',
    'virtio-blk-pci,drive=data,serial=berth-data',
    ...binfmtArgs(spec),
    '-netdev',
    netdevOption(spec),
    '-device',
    `virtio-net-pci,netdev=${NETDEV_ID}`,
    '-device',
    'virtio-rng-pci',
    // Idle guest memory goes back to the host (needs virtio_balloon in the guest).
    '-device',
    'virtio-balloon-pci,free-page-reporting=on',
    ...shareArgs(spec.shares),
    ...fwCfgArgs(spec, files),
    '-chardev',
    `file,id=console,path=${esc(files.console)}`,
    '-serial',
    'chardev:console',
    ...qmpArgs(input.qmp),
    '-pidfile',
    files.pidfile,
  ];
}

/** The other architecture's interpreter, read-only, when the image has it (guest/.../binfmt). */
function binfmtArgs(spec: VmSpec): string[] {
  if (!spec.image.binfmt) return [];
  return [
    '-drive',
    `file=${esc(spec.image.binfmt)},if=none,id=binfmt,format=raw,readonly=on`,
    '-device',
    'virtio-blk-pci,drive=binfmt,serial=berth-binfmt',
  ];
}

/**
 * -machine, -accel and -cpu for the machine's architecture and accelerator.
 *
 * x86_64: q35 without its HPET. Linux runs the HPET's first timer periodically at HZ early in boot,
 * and QEMU's HPET keeps re-arming that timer after Linux switches it off, so an idle VM's main loop
 * woke 250 times a second for nothing (idle under TCG: 254 -> 26 wake-ups/s, the floor VM's QEMU
 * 0.93 -> 0.07 % of a core). The guest then keeps time with kvm-clock (KVM), the TSC or the ACPI
 * PM timer.
 *
 * aarch64: the virt board (a PL011 serial port, ttyAMA0 in the guest; a PL031 clock; fw_cfg and
 * PCIe, so the same virtio-*-pci devices and fw_cfg entries as on q35; the power button is a GPIO
 * key). highmem=on: RAM and PCIe above 4 GiB (QEMU 7.1+ drops what does not fit an Apple M1's
 * 36-bit addresses by itself). gic-version=max: QEMU's default GICv2 takes at most 8 CPUs (QEMU 7.2
 * refused -smp 12 here; with max it booted), and an arm64 Linux host with a GICv3 often cannot
 * emulate a GICv2 under KVM; max is the host's GIC under KVM and a GICv3 under TCG and HVF.
 */
export function machineArgs({ accel, arch }: { accel: ConcreteAccel; arch: Arch }): string[] {
  const machine = arch === 'aarch64' ? 'virt,highmem=on,gic-version=max' : 'q35,hpet=off';
  return ['-machine', machine, '-accel', accelOption(accel, arch), ...cpuArgs(accel, arch)];
}

/**
 * -m: guest RAM is QEMU's default anonymous memory. A memfd (tried: pages free-page reporting
 * gives back are punched out of the file, ~26 MiB less RSS idle) cannot be saved and resumed:
 * QEMU reads every guest page while saving and loading, and a read of a hole in shared memory
 * allocates it, so a resumed 2 GiB machine held all 2 GiB. A read of untouched anonymous memory
 * maps the zero page and costs nothing.
 */
export function memoryArgs(memoryMiB: number): string[] {
  return ['-m', String(memoryMiB)];
}

function accelOption(accel: ConcreteAccel, arch: Arch): string {
  // TCG's default 1 GiB translation cache bloats the QEMU process's RSS; 64 MiB is plenty.
  if (accel === 'tcg') return 'tcg,tb-size=64';
  // On x86 WHPX the in-hypervisor irqchip loses interrupts ("injection failed, MSI");
  // on Arm WHPX only kernel-irqchip=on is accepted.
  if (accel === 'whpx' && arch === 'x86_64') return 'whpx,kernel-irqchip=off';
  return accel;
}

/**
 * The CPU model under TCG for an aarch64 guest (the virt board's own default is a 32-bit CPU).
 * Debian's arm64 kernel signs and checks return addresses with pointer authentication, and `max`
 * emulates the architected QARMA5 cipher for each one, which QEMU 7.2 (Debian 12's, the oldest
 * Berth runs on) does slowly. A tiny arm64 VM (Debian 12's kernel, a busybox init; -smp 2 -m 256,
 * on this project's 2-core x86_64 host) reached its init after this much kernel time:
 *   QEMU 7.2: max 7.2-8.4 s, max,pauth-impdef=on 1.8-2.8 s, cortex-a72 1.3 s;
 *   QEMU 10:  max 2.0-2.9 s, max,pauth-impdef=on 2.0-2.6 s, cortex-a72 1.4 s
 * (with the host loaded by other VMs, 7.2: 14.6-28.4, 3.9-9.1, 2.6-6.3 s). `max,pauth-impdef=on`
 * keeps pointer authentication, with QEMU's cheap stand-in cipher, and every other feature of
 * `max`. cortex-a72 boots a little faster but is an Armv8.0 CPU (no LSE atomics, nothing of
 * Armv8.1 and later): a program built for the CPUs people run arm64 containers on (Apple M,
 * Graviton) can die there of an illegal instruction.
 */
export const AARCH64_TCG_CPU = 'max,pauth-impdef=on';

function cpuArgs(accel: ConcreteAccel, arch: Arch): string[] {
  if (accel === 'kvm' || accel === 'hvf') return ['-cpu', 'host'];
  // WHPX has no "host" model and "max" crashes on some CPUs: keep QEMU's default x86 model.
  if (accel === 'whpx' && arch === 'x86_64') return [];
  if (accel === 'tcg' && arch === 'aarch64') return ['-cpu', AARCH64_TCG_CPU];
  // TCG x86_64, and Arm WHPX: every feature QEMU can give.
  return ['-cpu', 'max'];
}

function netdevOption(spec: VmSpec): string {
  // Loopback only: nothing on the network can reach the guest's sshd or engine.
  const fwd = [`hostfwd=tcp:127.0.0.1:${spec.sshPort}-:22`];
  if (spec.engineTcpPort !== undefined)
    fwd.push(`hostfwd=tcp:127.0.0.1:${spec.engineTcpPort}-:${ENGINE_TCP_GUEST_PORT}`);
  if (directPath(spec)) fwd.push(`hostfwd=tcp:127.0.0.1:${spec.enginePort}-:${ENGINE_PROXY_GUEST_PORT}`);
  return ['user', `id=${NETDEV_ID}`, ...fwd].join(',');
}

/**
 * One 9p file server per shared folder. security_model=none: the guest reads and writes as the
 * user running QEMU, so files a container makes belong to the user, and the host's own
 * permissions still apply (no privileged ownership changes reach the host).
 */
function shareArgs(shares: SharedFolder[]): string[] {
  return shares.flatMap((s, i) => [
    '-fsdev',
    `local,id=share${i},path=${esc(s.hostPath)},security_model=none`,
    '-device',
    `virtio-9p-pci,fsdev=share${i},mount_tag=${s.tag}`,
  ]);
}

/** Guest configuration through fw_cfg: readable in the guest under /sys/firmware/qemu_fw_cfg. */
function fwCfgArgs(spec: VmSpec, files: MachineFiles): string[] {
  const entries = [
    `name=opt/berth/authorized_keys,file=${esc(files.authorizedKeys)}`,
    `name=opt/berth/hostname,string=${esc(spec.guestConfig.hostname)}`,
    `name=opt/berth/daemon.json,file=${esc(files.daemonJson)}`,
  ];
  if (spec.shares.length) entries.push(`name=opt/berth/shares,file=${esc(files.shares)}`);
  // Readable in the guest by root only; the guest's sshd takes it as its host key.
  if (spec.guestConfig.hostKey) entries.push(`name=opt/berth/ssh_host_key,file=${esc(files.hostKey)}`);
  if (spec.guestConfig.engineTcp) entries.push(`name=opt/berth/engine-tcp,string=${ENGINE_TCP_GUEST_PORT}`);
  // Readable in the guest by root only, like the host key: the engine proxy's secret.
  if (directPath(spec))
    entries.push(
      `name=opt/berth/engine-proxy,string=${ENGINE_PROXY_GUEST_PORT}`,
      `name=opt/berth/engine-proxy-secret,file=${esc(files.engineSecret)}`,
    );
  return entries.flatMap((e) => ['-fw_cfg', e]);
}

/** The engine's direct path needs both its host port and its secret; without either there is none. */
function directPath(spec: VmSpec): boolean {
  return spec.enginePort !== undefined && spec.guestConfig.engineSecret !== undefined;
}
