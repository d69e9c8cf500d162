// What goes into the image: which Debian packages, which files from them, which kernel modules.
// Everything else in the build is mechanism; this file is the policy.
import * as path from 'node:path';

/** vm-images/ in the repo (this file runs from out/vm-images/build/). */
export const VM_DIR = path.resolve(__dirname, '..', '..', '..', 'vm-images');
export const LOCK_FILE = path.join(VM_DIR, 'packages.lock.json');
export const CACHE_DIR = path.join(VM_DIR, 'cache');
export const OUT_DIR = path.join(VM_DIR, 'out');
export const GUEST_DIR = path.join(VM_DIR, 'guest');
export const BUILD_SRC_DIR = path.join(VM_DIR, 'build');

export const DIST = 'bookworm';
export const ARCH = 'amd64';

/** The metapackage whose single linux-image-* dependency is pinned as the kernel. */
export const KERNEL_META = 'linux-image-amd64';

/** Packages we take files from directly. Libraries they need are found from ELF DT_NEEDED. */
export const ROOT_PACKAGES = [
  'busybox-static',
  'docker.io',
  'containerd',
  'runc',
  'tini',
  'iptables',
  'e2fsprogs',
  'openssh-server',
  'openssh-client',
  'ca-certificates',
];

/**
 * Packages never used to satisfy a library: libelogind0 is an alternative provider of
 * libsystemd.so.0 that `apt-cache depends --recurse` also lists; libsystemd0 is the one wanted.
 */
export const LIBRARY_PROVIDER_EXCLUDES = ['libelogind0'];

/** A file copied from an unpacked package into the root, at `to` (default: `from`, /usr-merged). */
export interface Pick {
  pkg: string;
  from: string;
  to?: string;
  /** Copy every file under `from` (a directory). */
  tree?: boolean;
}

export const ROOT_PICKS: Pick[] = [
  // Docker engine. No docker CLI in the guest: the host talks to the socket.
  { pkg: 'docker.io', from: '/usr/sbin/dockerd' },
  { pkg: 'docker.io', from: '/usr/sbin/docker-proxy' },
  // dockerd looks up docker-init on PATH for `docker run --init`; Debian points it at tini-static.
  { pkg: 'tini', from: '/usr/bin/tini-static', to: '/usr/bin/docker-init' },
  // containerd and the v2 runc shim only (no ctr, no v1 shims, no containerd-stress).
  { pkg: 'containerd', from: '/usr/bin/containerd' },
  { pkg: 'containerd', from: '/usr/bin/containerd-shim-runc-v2' },
  { pkg: 'runc', from: '/usr/sbin/runc' },
  // iptables (legacy backend) is built static from Debian's source of the pinned package
  // (static-iptables.ts); command links are made in ROOT_LINKS.
  // e2fsprogs for the data disk.
  { pkg: 'e2fsprogs', from: '/sbin/mke2fs' },
  { pkg: 'e2fsprogs', from: '/sbin/resize2fs' },
  { pkg: 'e2fsprogs', from: '/sbin/e2fsck' },
  { pkg: 'e2fsprogs', from: '/etc/mke2fs.conf' },
  // OpenSSH: sshd forwards unix sockets (dropbear can't); ssh-keygen makes the host key.
  { pkg: 'openssh-server', from: '/usr/sbin/sshd' },
  { pkg: 'openssh-client', from: '/usr/bin/ssh-keygen' },
  // busybox provides the shell, init, acpid, modprobe, mount, ip ... (applet links made by the build).
  { pkg: 'busybox-static', from: '/bin/busybox' },
];

/** Symlinks in the root: [path, target]. Debian's maintainer scripts would have made these. */
export const ROOT_LINKS: [string, string][] = [
  ['/usr/sbin/iptables', 'xtables-legacy-multi'],
  ['/usr/sbin/iptables-save', 'xtables-legacy-multi'],
  ['/usr/sbin/iptables-restore', 'xtables-legacy-multi'],
  ['/usr/sbin/iptables-legacy', 'xtables-legacy-multi'],
  ['/usr/sbin/iptables-legacy-save', 'xtables-legacy-multi'],
  ['/usr/sbin/iptables-legacy-restore', 'xtables-legacy-multi'],
  ['/usr/sbin/ip6tables', 'xtables-legacy-multi'],
  ['/usr/sbin/ip6tables-save', 'xtables-legacy-multi'],
  ['/usr/sbin/ip6tables-restore', 'xtables-legacy-multi'],
  ['/usr/sbin/ip6tables-legacy', 'xtables-legacy-multi'],
  ['/usr/sbin/ip6tables-legacy-save', 'xtables-legacy-multi'],
  ['/usr/sbin/ip6tables-legacy-restore', 'xtables-legacy-multi'],
  ['/usr/sbin/mkfs.ext4', 'mke2fs'],
  ['/usr/sbin/fsck.ext4', 'e2fsck'],
  ['/usr/bin/runc', '../sbin/runc'],
];

/** Kernel modules the initramfs loads to reach the root (their dependencies are added). */
export const INITRAMFS_MODULES = ['virtio_pci', 'virtio_blk', 'squashfs', 'overlay'];

/** Kernel modules the root loads first, for the steps that come straight after (disk, network, config). */
export const EARLY_MODULES = ['crc32c_intel', 'ext4', 'virtio_net', 'qemu_fw_cfg'];

/** Kernel modules loaded in the background while the data disk is set up; dockerd waits for them. */
export const LATE_MODULES = [
  'virtio_rng', 'virtio_balloon', 'button', 'evdev',
  'bridge', 'br_netfilter', 'veth', 'nf_conntrack', 'nf_nat',
  'ip_tables', 'iptable_filter', 'iptable_nat',
  'xt_MASQUERADE', 'xt_addrtype', 'xt_conntrack', 'xt_nat', 'xt_tcpudp', 'xt_mark',
];

/**
 * Shipped in the root but not loaded at boot: the kernel (or dockerd) asks modprobe for them
 * on demand, e.g. user-defined network drivers, IPv6 rules, file sharing over 9p.
 */
export const EXTRA_MODULES = [
  '9p', '9pnet_virtio', 'fuse', 'loop', 'tun', 'dummy', 'macvlan', 'ipvlan', 'vxlan',
  'ip6_tables', 'ip6table_filter', 'ip6table_nat', 'ip6table_mangle', 'iptable_mangle', 'iptable_raw',
  'ipt_REJECT', 'ip6t_REJECT', 'xt_comment', 'xt_multiport', 'xt_REDIRECT', 'xt_u32', 'xt_policy',
  'nf_conntrack_netlink', 'ip_vs', 'ip_vs_rr', 'xt_ipvs', 'xt_statistic', 'sch_netem',
  'vmw_vsock_virtio_transport',
];

/** The kernel command line the host passes (also written to manifest.json). */
export const KERNEL_CMDLINE = 'console=ttyS0 apparmor=0 loglevel=4 transparent_hugepage=madvise';
