// The architectures the image is built for, and everything about the build that differs between
// them, in one place. Berth names an architecture the way Lima and Colima do (x86_64, aarch64);
// Debian's names (amd64, arm64) appear only where Debian's are meant (packages, apt, multiarch
// paths). Pure data and parsing: the build steps take a Target and never test the arch themselves.
import * as os from 'node:os';
import * as path from 'node:path';

export const ARCHES = ['x86_64', 'aarch64'] as const;
export type Arch = (typeof ARCHES)[number];

export interface Target {
  arch: Arch;
  /** Debian's architecture name: the .debs, apt's APT::Architecture, the lock's section. */
  debian: 'amd64' | 'arm64';
  /** Debian's multiarch triplet: /usr/lib/<triplet>, and the cross tools' prefix. */
  triplet: string;
  /** Prefix of the C toolchain's programs ('' = the host's own gcc, strip...). */
  toolPrefix: string;
  /** Debian package that gives that C toolchain on a Debian host. */
  toolPackage: string;
  /** GOARCH for the engine. */
  goarch: string;
  /** `make ARCH=...` of the kernel, the make target and the image it leaves. */
  kernelArch: string;
  kernelTarget: string;
  kernelImage: string;
  /** vmlinuz is the kernel image gzipped (QEMU unpacks it: vmlinuz.ts) rather than the image itself. */
  gzipKernel: boolean;
  /** The guest's serial console as Linux names it (console= on the command line). */
  console: string;
  /** ELF e_machine of the target's code: every program in the root is checked against it. */
  elfMachine: number;
  /** mksquashfs -Xbcj filter for xz roots (machine code compresses better with the right one). */
  xzBcj?: string;
}

const TARGETS: Record<Arch, Omit<Target, 'arch'>> = {
  x86_64: {
    debian: 'amd64',
    triplet: 'x86_64-linux-gnu',
    toolPrefix: '',
    toolPackage: 'build-essential',
    goarch: 'amd64',
    kernelArch: 'x86_64',
    kernelTarget: 'bzImage',
    kernelImage: 'arch/x86/boot/bzImage',
    gzipKernel: false, // a bzImage decompresses itself
    console: 'ttyS0',
    elfMachine: 62, // EM_X86_64
    xzBcj: 'x86',
  },
  aarch64: {
    debian: 'arm64',
    triplet: 'aarch64-linux-gnu',
    // Debian 12's cross compiler (gcc 12, like the host's own): only the kernel and the small C
    // programs are compiled with it, and their libc (static) comes with it, not from the host.
    toolPrefix: 'aarch64-linux-gnu-',
    toolPackage: 'gcc-aarch64-linux-gnu',
    goarch: 'arm64',
    kernelArch: 'arm64',
    // The Image (arm64 has no self-decompressing kernel); vmlinuz is it gzipped, which QEMU's
    // -kernel loader unpacks on the host (vmlinuz.ts).
    kernelTarget: 'Image',
    kernelImage: 'arch/arm64/boot/Image',
    gzipKernel: true,
    // QEMU's virt board: a PL011 UART.
    console: 'ttyAMA0',
    elfMachine: 183, // EM_AARCH64
    // No xz filter: squashfs-tools 4.5 (Debian 12) has none for arm64 (its "arm" is 32-bit code).
  },
};

export function target(arch: Arch): Target {
  return { arch, ...TARGETS[arch] };
}

/** Node's process.arch -> Berth's name; undefined for a host Berth builds no image for. */
export function archOfNode(nodeArch: string): Arch | undefined {
  if (nodeArch === 'x64') return 'x86_64';
  if (nodeArch === 'arm64') return 'aarch64';
  return undefined;
}

/**
 * The architecture asked for on the command line (`--arch aarch64` or `--arch=aarch64`), else the
 * host's. Debian's names are accepted too (amd64, arm64), since people type them.
 */
export function parseArch(argv: string[], hostArch: string = os.arch()): Arch {
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--arch') {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new Error('--arch needs a value: x86_64 or aarch64');
    } else if (argv[i].startsWith('--arch=')) value = argv[i].slice('--arch='.length);
  }
  if (value === undefined) {
    const host = archOfNode(hostArch);
    if (!host) throw new Error(`no image for this host's architecture (${hostArch}); pass --arch x86_64 or aarch64`);
    return host;
  }
  const aliases: Record<string, Arch> = { x86_64: 'x86_64', amd64: 'x86_64', aarch64: 'aarch64', arm64: 'aarch64' };
  const arch = aliases[value];
  if (!arch) throw new Error(`unknown --arch ${value}: x86_64 or aarch64`);
  return arch;
}

/**
 * Why this host cannot build images, or undefined. Every image is built on x86_64: the pinned Go
 * toolchain is Debian's amd64 one, and the applet lists come from running the amd64 busybox.
 */
export function buildHostProblem(nodeArch: string = os.arch()): string | undefined {
  if (archOfNode(nodeArch) === 'x86_64') return undefined;
  return `the image build runs on an x86_64 Linux host (this one is ${nodeArch}): its Go toolchain is Debian's amd64 one; build there and copy vm-images/out-aarch64`;
}

/**
 * Where an architecture's image goes under vm-images/. x86_64 keeps `out/`, the folder every
 * reader (the CLI, the desktop app's packaging, try-boot.sh) already uses; the others go next to
 * it, not inside it, because the build swaps the whole folder into place and the x86_64 app ships it.
 */
export function outDirFor(vmDir: string, arch: Arch): string {
  return path.join(vmDir, arch === 'x86_64' ? 'out' : `out-${arch}`);
}
