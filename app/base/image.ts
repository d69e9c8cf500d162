// Finding and checking the VM image (kernel, initramfs, read-only root) that
// `npm run build:vm` produced, or that the desktop app ships as a resource.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { VmImage } from './vm-types';
import { nativeArch, type Arch } from './arch';
import { UserError } from './errors';

interface Manifest {
  inputsHash: string;
  cmdline: string;
  kernelVersion?: string;
  artifacts: Record<string, { sha256: string; size: number }>;
}

export const ARTIFACTS = ['vmlinuz', 'initrd.img', 'rootfs.squashfs'] as const;

/** Folders of images, most specific first: each holds one image per architecture (imageFolder). */
export function imageCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const list: string[] = [];
  if (env.BERTH_IMAGE_DIR) list.push(path.resolve(env.BERTH_IMAGE_DIR));
  // A checkout: out/app/base -> <repo>/vm-images/out
  list.push(path.resolve(__dirname, '..', '..', '..', 'vm-images', 'out'));
  return list;
}

/**
 * Where one architecture's image lives in a folder of images: the one place that says so. The
 * x86_64 image is the folder itself (where `npm run build:vm` has always put it); the aarch64
 * one is in a folder of its own beside it.
 */
export function imageFolder(root: string, arch: Arch): string {
  return arch === 'x86_64' ? root : path.join(root, arch);
}

/** The command that builds the image of `arch` (no flag needed for the host's own). */
export function buildCommand(arch: Arch, hostArch: string = process.arch): string {
  return arch === nativeArch(hostArch) ? 'npm run build:vm' : `npm run build:vm -- --arch ${arch}`;
}

function sha256File(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

export interface LocatedImage extends VmImage {
  dir: string;
  sizeBytes: number;
  inputsHash: string;
}

/** Finds the image of `arch` and checks every artifact against its manifest. */
export function locateImage(opts: {
  arch: Arch;
  verify?: boolean;
  env?: NodeJS.ProcessEnv;
  hostArch?: string;
}): LocatedImage {
  const { arch } = opts;
  const build = buildCommand(arch, opts.hostArch);
  const folders = imageCandidates(opts.env).map((root) => imageFolder(root, arch));
  const dir = folders.find((d) => fs.existsSync(path.join(d, 'manifest.json')));
  if (!dir) {
    throw new UserError(
      `no ${arch} VM image found (looked in ${folders.join(', ')}): build it with "${build}" (or set BERTH_IMAGE_DIR to a folder of images)`,
      { code: 'ENOIMAGE' },
    );
  }
  let m: Manifest;
  try {
    m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    throw new UserError(`the VM image manifest in ${dir} is unreadable: rebuild it with "${build}"`, {
      code: 'EBADIMAGE',
    });
  }
  let sizeBytes = 0;
  for (const name of ARTIFACTS) {
    const file = path.join(dir, name);
    const want = m.artifacts?.[name];
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (!want || !st || st.size !== want.size || (opts.verify !== false && sha256File(file) !== want.sha256)) {
      throw new UserError(`the VM image file ${file} is missing or damaged: rebuild it with "${build}"`, {
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
