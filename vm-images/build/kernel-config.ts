// The guest kernel's configuration: policy, like config.ts. The build starts from `allnoconfig`
// (of the target architecture) with exactly these options forced, lets `olddefconfig` fill in the rest, and then checks
// that every option here came out as written (Kconfig silently drops an option whose dependencies
// are not met: the check is what makes this list trustworthy). Everything is built in: the guest has
// no udev and no modules, so nothing waits for modprobe at boot and no .ko files ship in the root.
//
// Each entry is `NAME=value` without the CONFIG_ prefix; `NAME=n` means "must end up not set".
import type { Arch } from './arch';

/**
 * bzImage compression. The decompressor runs before the kernel's clock starts, emulated under TCG,
 * so it counts for boot. Measured here (QEMU start to a trivial /init, 3 boots each): zstd 4.2 MiB
 * ~1.26 s, gzip 4.7 MiB ~1.30 s, lz4 5.9 MiB ~1.12 s, xz 3.7 MiB ~2.2 s. zstd: as fast as gzip and
 * smaller; xz saves 0.5 MiB more for ~1 s of every boot.
 */
export const KERNEL_COMPRESSION = ['KERNEL_ZSTD=y'];

/** What every architecture's kernel has: what Docker and the guest's boot need. */
const COMMON: string[] = [
  // --- Base -----------------------------------------------------------------------------------
  '64BIT=y',
  'MODULES=n', // everything below is built in; no module loader, no /lib/modules
  'SMP=y', // the host gives 2 vCPUs (more on users' machines)
  'PRINTK=y',
  'PRINTK_TIME=y', // dmesg lines carry their boot time, as with Debian's kernel
  'BINFMT_ELF=y',
  'BINFMT_SCRIPT=y', // #! scripts (the boot scripts themselves)
  // Programs of the other architecture: the guest registers qemu-user as their interpreter
  // (guest/rootfs/etc/berth/binfmt), so `docker run --platform linux/arm64|amd64` works.
  'BINFMT_MISC=y',
  'BLK_DEV_INITRD=y', // stage 1 runs from the initramfs (gzip, see initramfs.ts)
  'RD_GZIP=y',
  'SYSVIPC=y', // System V IPC: IPC namespaces and many container workloads (shm, semaphores)
  'POSIX_MQUEUE=y', // Docker bind-mounts /dev/mqueue into containers
  'HIGH_RES_TIMERS=y',
  'NO_HZ_IDLE=y', // no timer tick on an idle vCPU: less host CPU for an idle guest
  'TRANSPARENT_HUGEPAGE=y',
  'TRANSPARENT_HUGEPAGE_MADVISE=y', // not "always": Go heaps in idle 2 MiB pages cost host memory
  'COMPACTION=y',
  // No swap in the guest, but cgroup v2's memory.swap.* files (docker run --memory-swap) need it,
  // as in Debian's kernel (6.1 has no MEMCG_SWAP: swap accounting comes with MEMCG and SWAP).
  'SWAP=y',

  // --- Running as a guest -------------------------------------------------------------------
  'PCI=y',
  'PCI_MSI=y', // virtio devices use MSI-X interrupts
  'INPUT=y',
  'INPUT_EVDEV=y', // busybox acpid reads the power button from /dev/input/event*
  'FW_CFG_SYSFS=y', // host config: /sys/firmware/qemu_fw_cfg/by_name/opt/berth/*
  'RTC_CLASS=y',
  'RTC_HCTOSYS=y', // the clock is set from the RTC at boot (TLS to registries needs a real date)

  // --- Console --------------------------------------------------------------------------------
  'TTY=y',
  'UNIX98_PTYS=y', // devpts, for sshd and `docker run -t`

  // --- virtio ---------------------------------------------------------------------------------
  'VIRTIO_MENU=y',
  'VIRTIO_PCI=y',
  'BLK_DEV=y',
  // Since 6.8 a mounted block device can be opened for writing only with this (Debian's kernel has
  // it; allnoconfig does not): without it resize2fs cannot open the mounted data disk to grow it
  // online ("open: Device or resource busy while opening /dev/vdb").
  'BLK_DEV_WRITE_MOUNTED=y',
  'VIRTIO_BLK=y', // root squashfs and data disk
  'NETDEVICES=y',
  'NET_CORE=y',
  'VIRTIO_NET=y',
  'VIRTIO_BALLOON=y', // free page reporting gives freed guest memory back to the host
  'PAGE_REPORTING=y',
  'HW_RANDOM=y',
  'HW_RANDOM_VIRTIO=y', // entropy from the host, so early boot does not block on getrandom()

  // --- File systems ---------------------------------------------------------------------------
  'DEVTMPFS=y',
  'TMPFS=y',
  'TMPFS_POSIX_ACL=y',
  'TMPFS_XATTR=y',
  'PROC_FS=y',
  'PROC_SYSCTL=y',
  'SYSFS=y',
  'MISC_FILESYSTEMS=y',
  'SQUASHFS=y', // the read-only root
  'SQUASHFS_ZSTD=y', // the default root compressor; the others keep BERTH_SQUASHFS_COMP working
  'SQUASHFS_XZ=y',
  'SQUASHFS_ZLIB=y',
  'SQUASHFS_LZ4=y',
  'OVERLAY_FS=y', // root overlay and Docker's overlay2 storage driver
  'EXT4_FS=y', // the data disk
  'EXT4_FS_POSIX_ACL=y',
  'EXT4_FS_SECURITY=y',
  'BLK_DEV_LOOP=y',
  'FUSE_FS=y',
  'NETWORK_FILESYSTEMS=y',
  'NET_9P=y', // file sharing with the host over virtio 9p
  'NET_9P_VIRTIO=y',
  '9P_FS=y',
  '9P_FS_POSIX_ACL=y',
  'HUGETLBFS=y',

  // --- Containers: namespaces, cgroups, sandboxing ---------------------------------------------
  'NAMESPACES=y',
  'UTS_NS=y',
  'TIME_NS=y',
  'IPC_NS=y',
  'USER_NS=y',
  'PID_NS=y',
  'NET_NS=y',
  'CGROUPS=y', // cgroup v2 only (the guest mounts cgroup2)
  'CGROUP_SCHED=y', // cpu controller
  'FAIR_GROUP_SCHED=y',
  'CFS_BANDWIDTH=y', // --cpus
  'CGROUP_PIDS=y',
  'CGROUP_FREEZER=y', // docker pause
  'CPUSETS=y', // --cpuset-cpus
  'CGROUP_DEVICE=y',
  'CGROUP_CPUACCT=y',
  'MEMCG=y', // memory controller; also memory.reclaim for the memory saver
  'BLK_CGROUP=y', // io controller
  'BLK_DEV_THROTTLING=y', // --device-read-bps and friends
  'CGROUP_HUGETLB=y',
  'CGROUP_PERF=y',
  'CGROUP_BPF=y', // cgroup v2 device rules are BPF programs (runc)
  'BPF_SYSCALL=y',
  // No BPF_JIT: in 6.1 it depends on MODULES; the interpreter runs the few small device programs.
  'SECCOMP=y', // Docker's default seccomp profile
  'SECCOMP_FILTER=y',
  'KEYS=y', // session keyrings (runc joins a new one per container)

  // --- Networking -----------------------------------------------------------------------------
  'NET=y',
  'UNIX=y',
  'PACKET=y', // udhcpc (berth.net=dhcp)
  'INET=y',
  'IPV6=y',
  'VETH=y',
  'BRIDGE=y', // docker0 and user-defined bridge networks
  'BRIDGE_VLAN_FILTERING=y',
  'VLAN_8021Q=y', // macvlan/ipvlan on a VLAN sub-interface (parent eth0.N)
  'VXLAN=y',
  'MACVLAN=y',
  'IPVLAN=y',
  'DUMMY=y',
  'TUN=y',
  'VSOCKETS=y',
  'VIRTIO_VSOCKETS=y', // host <-> guest sockets without the network
  'XFRM_USER=y', // IPsec state for xt_policy (and Docker's encrypted overlay networks)
  'NET_SCHED=y',
  'NET_SCH_NETEM=y', // tc netem in containers (fault injection)
  'NET_CLS_CGROUP=y',
  'CGROUP_NET_PRIO=y',

  // --- Netfilter: what dockerd's iptables (legacy) rules use -------------------------------------
  'NETFILTER=y',
  'NETFILTER_ADVANCED=y',
  'BRIDGE_NETFILTER=y', // br_netfilter: iptables sees bridged container traffic
  'NF_CONNTRACK=y',
  'NF_CT_NETLINK=y', // conntrack over netlink (conntrack -D on container network changes)
  'NF_CONNTRACK_FTP=y', // ftp/tftp clients in containers behind NAT
  'NF_CONNTRACK_TFTP=y',
  'NF_NAT=y',
  'NF_NAT_FTP=y',
  'NF_NAT_TFTP=y',
  'NETFILTER_XTABLES=y',
  'NETFILTER_XT_MARK=y',
  'NETFILTER_XT_NAT=y',
  'NETFILTER_XT_TARGET_MASQUERADE=y',
  'NETFILTER_XT_TARGET_REDIRECT=y',
  'NETFILTER_XT_MATCH_ADDRTYPE=y',
  'NETFILTER_XT_MATCH_COMMENT=y',
  'NETFILTER_XT_MATCH_CONNTRACK=y',
  'NETFILTER_XT_MATCH_MULTIPORT=y',
  'NETFILTER_XT_MATCH_IPVS=y',
  'NETFILTER_XT_MATCH_POLICY=y',
  'NETFILTER_XT_MATCH_STATISTIC=y',
  'NETFILTER_XT_MATCH_U32=y',
  'IP_NF_IPTABLES=y',
  'IP_NF_FILTER=y',
  'IP_NF_TARGET_REJECT=y',
  'IP_NF_NAT=y',
  'IP_NF_TARGET_MASQUERADE=y',
  'IP_NF_TARGET_REDIRECT=y',
  'IP_NF_MANGLE=y',
  'IP_NF_RAW=y',
  'IP6_NF_IPTABLES=y',
  'IP6_NF_FILTER=y',
  'IP6_NF_TARGET_REJECT=y',
  'IP6_NF_MANGLE=y',
  'IP6_NF_RAW=y',
  'IP6_NF_NAT=y',
  'IP6_NF_TARGET_MASQUERADE=y',
  'IP_VS=y', // IPVS: service load balancing (swarm), with the rules' ipvs match above
  'IP_VS_IPV6=y',
  'IP_VS_NFCT=y',
  'IP_VS_PROTO_TCP=y',
  'IP_VS_PROTO_UDP=y',
  'IP_VS_RR=y',
];

/** x86_64: QEMU's q35 board (8250 UART, CMOS clock, ACPI power button) and KVM's paravirt clock. */
const X86_64: string[] = [
  ...KERNEL_COMPRESSION,
  'HYPERVISOR_GUEST=y',
  'PARAVIRT=y',
  'KVM_GUEST=y', // kvmclock and paravirt features when the host accelerates with KVM
  'ACPI=y', // q35's devices and the power button the host presses to stop the machine
  'ACPI_BUTTON=y', // QMP system_powerdown -> ACPI power button -> input event
  'RTC_DRV_CMOS=y',
  'SERIAL_8250=y',
  'SERIAL_8250_CONSOLE=y', // console=ttyS0: the markers the host waits for
  'CRYPTO_CRC32C_INTEL=y', // ext4 metadata checksums, with the CPU's crc32 instruction
  // VirtualBox's default devices, for the ISO it boots (no virtio there): the ISO and the disks on
  // the AHCI SATA controller, the Intel PRO/1000 network card, and the guest device with its
  // shared-folder file system (vboxsf) for the host's folders.
  'ATA=y',
  'SATA_AHCI=y',
  'SCSI=y',
  'BLK_DEV_SD=y', // the data disk and the config disk on SATA are sd*
  'BLK_DEV_SR=y', // the ISO in the DVD drive
  'ISO9660_FS=y', // the root squashfs is read from the ISO's file system
  'ETHERNET=y',
  'NET_VENDOR_INTEL=y',
  'E1000=y',
  'VIRT_DRIVERS=y',
  'VBOXGUEST=y',
  'VBOXSF_FS=y',
  'EFI=y', // the ISO boots under UEFI too (VirtualBox's EFI firmware, OVMF)
  'EFI_STUB=y',
];

/**
 * aarch64: QEMU's virt board as `-kernel` boots it, with a device tree and no firmware (hence no
 * ACPI: the kernel finds every device below in the device tree QEMU makes). The Image is not
 * compressed (arm64 has no self-decompressing kernel), and crc32c uses the CPU's CRC32 instructions
 * without an option (arch/arm64/lib).
 */
const AARCH64: string[] = [
  // x86 selects perf events; arm64 does not, and cgroup v2's perf_event controller needs them.
  'PERF_EVENTS=y',
  'PCI_HOST_GENERIC=y', // virt's PCIe host bridge (ECAM): the virtio-*-pci devices sit behind it
  'VIRTIO_MMIO=y', // virt's built-in virtio-mmio slots, for a host that attaches devices there
  'SERIAL_AMBA_PL011=y',
  'SERIAL_AMBA_PL011_CONSOLE=y', // console=ttyAMA0: the markers the host waits for
  'RTC_DRV_PL031=y', // virt's clock; RTC_HCTOSYS sets the time from it at boot
  // QMP system_powerdown on virt without ACPI: a GPIO line (PL061) wired to a gpio-keys power key,
  // which the kernel reports as KEY_POWER on /dev/input/event*: busybox acpid sees the same event
  // as from q35's ACPI button and runs the same /etc/acpi/PWRF/00000080.
  'GPIOLIB=y',
  'GPIO_PL061=y',
  'INPUT_KEYBOARD=y',
  'KEYBOARD_GPIO=y',
];

const PER_ARCH: Record<Arch, string[]> = { x86_64: X86_64, aarch64: AARCH64 };

/** Every option forced for this architecture's kernel (FW_CFG_SYSFS probes from ACPI on x86, DT on arm64). */
export function kernelOptions(arch: Arch): string[] {
  return [...PER_ARCH[arch], ...COMMON];
}
