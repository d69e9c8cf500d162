// Finds the QEMU programs. A desktop app is often launched without the user's
// shell PATH (macOS apps get a minimal one), so the usual install folders are
// searched too. Missing QEMU is the user's most likely first error: it gets a
// one-line message that says exactly how to install it on this platform.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { Arch } from '../../base/arch';
import { UserError } from '../../base/errors';

export interface QemuPrograms {
  /** qemu-system-x86_64 or qemu-system-aarch64: the one for the machine's architecture. */
  system: string;
  img: string;
  arch: Arch;
}

export interface HostFacts {
  platform: NodeJS.Platform;
  /** Node's process.arch. */
  arch: string;
  /** The PATH variable's value. */
  pathEnv: string;
  isFile: (p: string) => boolean;
}

export function realHostFacts(): HostFacts {
  return {
    platform: process.platform,
    arch: process.arch,
    pathEnv: process.env.PATH ?? process.env.Path ?? '',
    isFile: (p) => existsSync(p),
  };
}

const EXTRA_DIRS: Partial<Record<NodeJS.Platform, string[]>> = {
  darwin: ['/opt/homebrew/bin', '/usr/local/bin', '/opt/local/bin'],
  linux: ['/usr/bin', '/usr/local/bin'],
  win32: ['C:\\Program Files\\qemu'],
};

/** Debian's and Ubuntu's package of each qemu-system program (qemu-system-arm has the aarch64 one). */
const DEBIAN_PACKAGE: Record<Arch, string> = { x86_64: 'qemu-system-x86', aarch64: 'qemu-system-arm' };

/** Homebrew's qemu and the Windows installer carry every architecture's program; Debian splits them. */
export function installHint(platform: NodeJS.Platform, arch: Arch): string {
  switch (platform) {
    case 'darwin':
      return 'install it with `brew install qemu`';
    case 'win32':
      return 'install it with `winget install SoftwareFreedomConservancy.QEMU`';
    default:
      return `install it, e.g. on Debian/Ubuntu \`sudo apt-get install ${DEBIAN_PACKAGE[arch]} qemu-utils\``;
  }
}

function searchDirs(h: HostFacts): string[] {
  const p = h.platform === 'win32' ? path.win32 : path.posix;
  const fromPath = h.pathEnv.split(p.delimiter).filter((d) => d.length > 0);
  const dirs = [...fromPath, ...(EXTRA_DIRS[h.platform] ?? [])];
  return [...new Set(dirs)];
}

/** Full path of the first `name` found, or undefined. */
export function findProgram(name: string, h: HostFacts): string | undefined {
  const p = h.platform === 'win32' ? path.win32 : path.posix;
  const file = h.platform === 'win32' ? `${name}.exe` : name;
  for (const dir of searchDirs(h)) {
    const candidate = p.join(dir, file);
    if (h.isFile(candidate)) return candidate;
  }
  return undefined;
}

/** Both programs a machine of `arch` needs, or a UserError saying how to install QEMU. */
export function findQemu(h: HostFacts, arch: Arch): QemuPrograms {
  const systemName = `qemu-system-${arch}`;
  const system = findProgram(systemName, h);
  const img = findProgram('qemu-img', h);
  if (!system || !img) {
    const missing = [system ? undefined : systemName, img ? undefined : 'qemu-img'].filter(Boolean).join(' and ');
    throw new UserError(`QEMU is not installed (${missing} not found): ${installHint(h.platform, arch)}.`, {
      code: 'EQEMUMISSING',
      details: `Searched: ${searchDirs(h).join(h.platform === 'win32' ? ';' : ':')}`,
    });
  }
  return { system, img, arch };
}

export interface QemuVersion {
  major: number;
  minor: number;
  micro: number;
  /** Distribution build, e.g. "Debian 1:7.2+dfsg-7+deb12u18+b3", when QEMU shows one. */
  package?: string;
}

/** Parses the first line of `qemu-system-* --version` or `qemu-img --version`. */
export function parseQemuVersion(stdout: string): QemuVersion | undefined {
  const m = /(?:QEMU emulator|qemu-img) version (\d+)\.(\d+)(?:\.(\d+))?(?:\s*\(([^)]*)\))?/.exec(stdout);
  if (!m) return undefined;
  const v: QemuVersion = { major: Number(m[1]), minor: Number(m[2]), micro: Number(m[3] ?? 0) };
  if (m[4]) v.package = m[4].trim();
  return v;
}
