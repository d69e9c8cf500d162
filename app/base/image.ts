// Finding and checking the VM image (kernel, initramfs, read-only root) that
// `npm run build:vm` produced, or that the desktop app ships as a resource.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { VmImage } from './vm-types';
import { UserError } from './errors';

interface Manifest {
  inputsHash: string;
  cmdline: string;
  kernelVersion?: string;
  artifacts: Record<string, { sha256: string; size: number }>;
}

export const ARTIFACTS = ['vmlinuz', 'initrd.img', 'rootfs.squashfs'] as const;

/** Where an image may be, most specific first. */
export function imageCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const list: string[] = [];
  if (env.BERTH_IMAGE_DIR) list.push(path.resolve(env.BERTH_IMAGE_DIR));
  // A checkout: out/app/base -> <repo>/vm-images/out
  list.push(path.resolve(__dirname, '..', '..', '..', 'vm-images', 'out'));
  return list;
}

function sha256File(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

export interface LocatedImage extends VmImage {
  dir: string;
  sizeBytes: number;
  inputsHash: string;
}

/** Finds the image and checks every artifact against its manifest. */
export function locateImage(opts: { verify?: boolean; env?: NodeJS.ProcessEnv } = {}): LocatedImage {
  const dir = imageCandidates(opts.env).find((d) => fs.existsSync(path.join(d, 'manifest.json')));
  if (!dir) {
    throw new UserError(
      'no VM image found: build it with "npm run build:vm" (or set BERTH_IMAGE_DIR to a folder holding one)',
      {
        code: 'ENOIMAGE',
      },
    );
  }
  let m: Manifest;
  try {
    m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    throw new UserError(`the VM image manifest in ${dir} is unreadable: rebuild it with "npm run build:vm"`, {
      code: 'EBADIMAGE',
    });
  }
  let sizeBytes = 0;
  for (const name of ARTIFACTS) {
    const file = path.join(dir, name);
    const want = m.artifacts?.[name];
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (!want || !st || st.size !== want.size || (opts.verify !== false && sha256File(file) !== want.sha256)) {
      throw new UserError(`the VM image file ${file} is missing or damaged: rebuild it with "npm run build:vm"`, {
        code: 'EBADIMAGE',
      });
    }
    sizeBytes += st.size;
  }
  return {
    dir,
    kernel: path.join(dir, 'vmlinuz'),
    initrd: path.join(dir, 'initrd.img'),
    rootfs: path.join(dir, 'rootfs.squashfs'),
    cmdline: m.cmdline,
    sizeBytes,
    inputsHash: m.inputsHash,
  };
}
