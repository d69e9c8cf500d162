// rootfs.squashfs: the read-only compressed root, mounted by the initramfs under a tmpfs overlay.
import { run } from './exec';

export type SquashComp = 'xz' | 'zstd' | 'gzip' | 'lz4';

/**
 * The compression used unless BERTH_SQUASHFS_COMP says otherwise (measurements in README):
 * zstd decompresses ~7x faster than xz under TCG (35 vs 5 MB/s), which is seconds of boot for the
 * ~85 MB of engine binaries read at start, for a root ~6 MB bigger.
 */
const DEFAULT_SQUASHFS_COMP: SquashComp = 'zstd';

export function squashComp(): SquashComp {
  const c = process.env.BERTH_SQUASHFS_COMP ?? DEFAULT_SQUASHFS_COMP;
  if (!['xz', 'zstd', 'gzip', 'lz4'].includes(c))
    throw new Error(`BERTH_SQUASHFS_COMP=${c}: use xz, zstd, gzip or lz4`);
  return c as SquashComp;
}

/** bcj: xz's branch filter for the root's machine code, if mksquashfs has one for it. */
function squashArgs(comp: SquashComp, bcj: string | undefined): string[] {
  switch (comp) {
    // The BCJ filter makes x86 machine code compress ~10% better; 1 MiB blocks help further.
    case 'xz':
      return ['-comp', 'xz', ...(bcj ? ['-Xbcj', bcj] : []), '-b', '1M'];
    case 'zstd':
      return ['-comp', 'zstd', '-Xcompression-level', '22', '-b', '1M'];
    case 'gzip':
      return ['-comp', 'gzip', '-Xcompression-level', '9', '-b', '1M'];
    case 'lz4':
      return ['-comp', 'lz4', '-Xhc', '-b', '1M'];
  }
}

export async function buildSquashfs(root: string, out: string, comp: SquashComp, bcj?: string): Promise<void> {
  await run('mksquashfs', [
    root,
    out,
    '-noappend',
    '-quiet',
    '-no-progress',
    // Owned by root whoever builds it; fixed timestamps so the same inputs give the same image.
    '-all-root',
    '-no-xattrs',
    '-mkfs-time',
    '0',
    '-all-time',
    '0',
    ...squashArgs(comp, bcj),
  ]);
}
