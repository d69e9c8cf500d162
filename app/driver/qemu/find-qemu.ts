// Finds the QEMU programs. A desktop app is often launched without the user's
// shell PATH (macOS apps get a minimal one), so the usual install folders are
// searched too. Missing QEMU is the user's most likely first error: it gets a
// one-line message that says exactly how to install it on this platform.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../../base/errors';

export type GuestArch = 'x86_64' | 'aarch64';

export interface QemuPrograms {
  system: string;
  img: string;
  arch: GuestArch;
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

/** The guest runs the host's own architecture: only then is hardware acceleration possible. */
export function guestArchFor(hostArch: string): GuestArch {
  return hostArch === 'arm64' ? 'aarch64' : 'x86_64';
}

const EXTRA_DIRS: Partial<Record<NodeJS.Platform, string[]>> = {
  darwin: ['/opt/homebrew/bin', '/usr/local/bin', '/opt/local/bin'],
  linux: ['/usr/bin', '/usr/local/bin'],
  win32: ['C:\\Program Files\\qemu'],
};

export function installHint(platform: NodeJS.Platform): string {
  switch (platform) {
    case 'darwin':
      return 'install it with `brew install qemu`';
    case 'win32':
      return 'install it with `winget install SoftwareFreedomConservancy.QEMU`';
    default:
      return 'install it, e.g. on Debian/Ubuntu `sudo apt-get install qemu-system-x86 qemu-utils`';
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

/** Both programs this host needs, or a UserError saying how to install QEMU. */
export function findQemu(h: HostFacts): QemuPrograms {
  const arch = guestArchFor(h.arch);
  const systemName = `qemu-system-${arch}`;
  const system = findProgram(systemName, h);
  const img = findProgram('qemu-img', h);
  if (!system || !img) {
    const missing = [system ? undefined : systemName, img ? undefined : 'qemu-img'].filter(Boolean).join(' and ');
    throw new UserError(`QEMU is not installed (${missing} not found): ${installHint(h.platform)}.`, {
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
