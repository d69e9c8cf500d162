// What goes into the image: which Debian packages and which files from them (the kernel's options
// are in kernel-config.ts). Everything else in the build is mechanism; this file is the policy.
import * as path from 'node:path';
import type { Arch, Target } from './arch';

/** vm-images/ in the repo (this file runs from out/vm-images/build/). */
export const VM_DIR = path.resolve(__dirname, '..', '..', '..', 'vm-images');
export const LOCK_FILE = path.join(VM_DIR, 'packages.lock.json');
export const CACHE_DIR = path.join(VM_DIR, 'cache');
/** What the build compiles (kernel, iptables, engine), each under a name made of its inputs. */
export const BUILT_DIR = path.join(CACHE_DIR, 'built');
export const GUEST_DIR = path.join(VM_DIR, 'guest');
export const BUILD_SRC_DIR = path.join(VM_DIR, 'build');

export const DIST = 'trixie';

/**
 * Debian's kernel source package, pinned (role "kernel") and built by kernel.ts for each
 * architecture. Its version is the one of the linux-image that linux-image-<arch> depends on: the
 * same 6.12 tree Debian ships.
 */
export const KERNEL_SOURCE = 'linux-source-6.12';

/** The metapackage whose linux-image-* dependency gives the kernel version to pin the source at. */
export function kernelMeta(t: Target): string {
  return `linux-image-${t.debian}`;
}

/** Packages we take files from directly. Libraries they need are found from ELF DT_NEEDED. */
export const ROOT_PACKAGES = [
  'busybox-static',
  'runc',
  'tini',
  'iptables',
  'e2fsprogs',
  'openssh-server',
  'openssh-client',
  'ca-certificates',
  // qemu-user's static interpreter for the other architecture and Debian's binfmt_misc entry for
  // it: not copied into the root but into binfmt.squashfs (binfmt.ts).
  'qemu-user',
];

/**
 * Packages never used to satisfy a library: libelogind0 is an alternative provider of
 * libsystemd.so.0 that `apt-cache depends --recurse` also lists; libsystemd0 is the one wanted.
 */
export const LIBRARY_PROVIDER_EXCLUDES = ['libelogind0'];

/**
 * The architecture whose programs each image runs through qemu-user (binfmt.ts): amd64-only images
 * on an Apple Silicon Mac, arm64 images built on an x86_64 PC for arm64 servers.
 */
export const FOREIGN_ARCH: Record<Arch, Arch> = { x86_64: 'aarch64', aarch64: 'x86_64' };

/** Where busybox-static has its binary (trixie ships it under /usr). */
export const BUSYBOX = '/usr/bin/busybox';

/** A file copied from an unpacked package into the root, at `to` (default: `from`, /usr-merged). */
export interface Pick {
  pkg: string;
  from: string;
  to?: string;
  /** Copy every file under `from` (a directory). */
  tree?: boolean;
}

export const ROOT_PICKS: Pick[] = [
  // The Docker engine (dockerd, docker-proxy, containerd and its v2 runc shim) is compiled from
  // Debian's source packages (engine.ts). No docker CLI in the guest: the host talks to the socket.
  // dockerd looks up docker-init on PATH for `docker run --init`; Debian points it at tini-static.
  { pkg: 'tini', from: '/usr/bin/tini-static', to: '/usr/bin/docker-init' },
  // runc stays Debian's binary: it needs libseccomp (cgo) to load containers' seccomp filters.
  { pkg: 'runc', from: '/usr/sbin/runc' },
  // iptables (legacy backend) is built static from Debian's source of the pinned package
  // (static-iptables.ts); command links are made in ROOT_LINKS.
  // e2fsprogs for the data disk.
  { pkg: 'e2fsprogs', from: '/usr/sbin/mke2fs' },
  { pkg: 'e2fsprogs', from: '/usr/sbin/resize2fs' },
  { pkg: 'e2fsprogs', from: '/usr/sbin/e2fsck' },
  { pkg: 'e2fsprogs', from: '/etc/mke2fs.conf' },
  // OpenSSH: sshd forwards unix sockets (dropbear can't); ssh-keygen makes the host key.
  { pkg: 'openssh-server', from: '/usr/sbin/sshd' },
  // OpenSSH 10 (trixie) runs each connection in sshd-session, which runs sshd-auth for the login;
  // sshd finds both at these compiled-in paths.
  { pkg: 'openssh-server', from: '/usr/lib/openssh/sshd-session' },
  { pkg: 'openssh-server', from: '/usr/lib/openssh/sshd-auth' },
  { pkg: 'openssh-client', from: '/usr/bin/ssh-keygen' },
  // busybox provides the shell, init, acpid, modprobe, mount, ip ... (applet links made by the build).
  { pkg: 'busybox-static', from: BUSYBOX },
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

// No kernel modules: every driver the guest needs is built into the kernel (kernel-config.ts),
// so there is no module list, no modprobe at boot and no /lib/modules in the root or initramfs.

/** The kernel command line the host passes (also written to manifest.json). */
// loglevel=4: the full kernel log over the emulated UART cost seconds of boot. The kernel has no
// AppArmor (no apparmor=0 needed) and defaults transparent huge pages to madvise (kernel-config.ts).
// The console is the board's UART: ttyS0 on q35, ttyAMA0 (PL011) on aarch64's virt.
export function kernelCmdline(t: Target): string {
  return `console=${t.console} loglevel=4`;
}
