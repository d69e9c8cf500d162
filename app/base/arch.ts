// A machine's CPU architecture, in the words Lima and Colima use (uname -m's). The machine keeps
// it for its whole life: its data disk holds the engine's images and containers of that
// architecture.

export const ARCHITECTURES = ['x86_64', 'aarch64'] as const;
export type Arch = (typeof ARCHITECTURES)[number];

/**
 * The architecture this host runs at full speed, from Node's process.arch (arm64 -> aarch64, x64
 * -> x86_64). Any other host has no image of its own: it emulates x86_64, as Berth always did.
 */
export function nativeArch(nodeArch: string = process.arch): Arch {
  return nodeArch === 'arm64' ? 'aarch64' : 'x86_64';
}
