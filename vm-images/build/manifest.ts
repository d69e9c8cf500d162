// manifest.json: what the host reads to boot the image, and what decides "image up to date".
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Arch } from './arch';
import { BUILD_SRC_DIR, GUEST_DIR } from './config';
import { hashInputs, sha256File } from './hash';
import { Lock, lockViewText } from './pins';

/**
 * What the image is made of. The first three boot it and count for its size; binfmt.squashfs (the
 * other architecture's interpreter, binfmt.ts) is a file of its own, attached beside them.
 */
export const ARTIFACTS = ['vmlinuz', 'initrd.img', 'rootfs.squashfs', 'binfmt.squashfs'] as const;
export type ArtifactName = (typeof ARTIFACTS)[number];
export const BOOT_ARTIFACTS: ArtifactName[] = ['vmlinuz', 'initrd.img', 'rootfs.squashfs'];

export interface Manifest {
  /** The guest's CPU architecture (x86_64, aarch64): which qemu-system-* and board boot it. */
  arch: Arch;
  inputsHash: string;
  kernelVersion: string;
  /** Kernel command line the host must pass with -append. */
  cmdline: string;
  squashfsCompression: string;
  artifacts: Record<ArtifactName, { sha256: string; size: number }>;
  packages: { name: string; version: string; sha256: string }[];
  /** Debian source packages compiled into the image (kernel source is a package above). */
  sources?: { name: string; version: string }[];
}

/**
 * sha256 over this architecture's view of the pinned list (its packages, the shared sources and
 * toolchain: another architecture's pins are not an input), every guest file and the build code
 * (TypeScript sources, patches, and the C and Go sources it compiles into the root), plus options.
 */
export async function computeInputsHash(arch: Arch, lock: Lock, options: string[]): Promise<string> {
  return hashInputs(
    [
      { label: 'guest', dir: GUEST_DIR },
      { label: 'build', dir: BUILD_SRC_DIR, filter: (rel) => /\.(ts|patch|c|map|go)$/.test(rel) },
    ],
    [`arch\0${arch}`, `lock\0${lockViewText(lock)}`, ...options],
  );
}

export async function artifactInfo(dir: string): Promise<Manifest['artifacts']> {
  const out: Partial<Manifest['artifacts']> = {};
  for (const a of ARTIFACTS) {
    const f = path.join(dir, a);
    out[a] = { sha256: await sha256File(f), size: (await fs.stat(f)).size };
  }
  return out as Manifest['artifacts'];
}

async function readManifest(dir: string): Promise<Manifest | undefined> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

/** True if dir holds a manifest with this inputs hash and every artifact still matches it. */
export async function isUpToDate(dir: string, inputsHash: string): Promise<boolean> {
  const m = await readManifest(dir);
  if (!m || m.inputsHash !== inputsHash) return false;
  for (const a of ARTIFACTS) {
    const want = m.artifacts?.[a];
    const f = path.join(dir, a);
    const st = await fs.stat(f).catch(() => undefined);
    if (!want || !st || st.size !== want.size || (await sha256File(f)) !== want.sha256) return false;
  }
  return true;
}
