// The kernel file the host boots (vmlinuz) from the built kernel image. x86_64's bzImage carries its
// own decompressor and is copied as is. arm64 has no self-decompressing kernel, and the Image is
// ~11 MB: it is gzipped here, because QEMU's loader for arm64 kernels (-kernel, any accelerator)
// recognises a gzip'd Image and unpacks it itself, natively on the host, before the guest starts:
// ~6 MB less image for no emulated work (an x86 bzImage decompresses under emulation).
import { promises as fs } from 'node:fs';
import { gzipSync, constants as zc } from 'node:zlib';
import type { Target } from './arch';

export async function writeVmlinuz(image: string, dest: string, t: Target): Promise<void> {
  if (!t.gzipKernel) {
    await fs.copyFile(image, dest);
    return;
  }
  // zlib's gzip header carries no name and no time: the same Image gives the same file.
  await fs.writeFile(dest, gzipSync(await fs.readFile(image), { level: zc.Z_BEST_COMPRESSION }));
}
