// The architecture a part of the bench runs on: its image (found as Berth finds it: BERTH_IMAGE_DIR,
// then vm-images/out or vm-images/out-aarch64), its QEMU program and where its floors are kept.
import * as path from 'node:path';
import { ARCHITECTURES, type Arch } from '../../app/base/arch';
import { locateImage, type LocatedImage } from '../../app/base/image';

export interface BenchTarget {
  arch: Arch;
  image: LocatedImage;
  /** qemu-system-x86_64 or qemu-system-aarch64, from PATH. */
  qemu: string;
  /**
   * The kernel and engine floors made from this image, kept between runs (keyed by the image's
   * root): in the checkout's out/bench, never in the image's folder, which may be read-only or
   * shared (BERTH_IMAGE_DIR, a copied image).
   */
  floorDir: string;
}

/** The image of `arch`, checked; throws the UserError of locateImage (one line, with the build command) when missing. */
export function benchTarget(arch: Arch): BenchTarget {
  return {
    arch,
    image: locateImage({ arch }),
    qemu: `qemu-system-${arch}`,
    // out/scripts/bench -> out/bench/floor-<arch>
    floorDir: path.resolve(__dirname, '..', '..', 'bench', `floor-${arch}`),
  };
}

/**
 * The architectures `--arch` names (comma-separated, Berth's names or Debian's: x86_64, amd64,
 * aarch64, arm64), in the order given; every architecture when there is no `--arch`.
 */
export function parseArchList(argv: string[]): Arch[] {
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--arch') value = argv[i + 1] ?? '';
    else if (argv[i].startsWith('--arch=')) value = argv[i].slice('--arch='.length);
  }
  if (value === undefined) return [...ARCHITECTURES];
  const aliases: Record<string, Arch> = { x86_64: 'x86_64', amd64: 'x86_64', aarch64: 'aarch64', arm64: 'aarch64' };
  const arches: Arch[] = [];
  for (const name of value.split(',').map((s) => s.trim())) {
    const arch = aliases[name];
    if (!arch) throw new Error(`--arch ${value}: a comma-separated list of x86_64 and aarch64`);
    if (!arches.includes(arch)) arches.push(arch);
  }
  return arches;
}
