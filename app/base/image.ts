// Finding and checking the VM image (kernel, initramfs, read-only root) that
// `npm run build:vm` produced, or that the desktop app ships as a resource.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { VmImage } from './vm-types';
import { nativeArch, type Arch } from './arch';
import { UserError } from './errors';

interface Manifest {
  /** The image's architecture; an image made before there was a choice is x86_64. */
  arch?: Arch;
  inputsHash: string;
  cmdline: string;
  kernelVersion?: string;
  artifacts: Record<string, { sha256: string; size: number }>;
}

/** What boots the machine: every image has them, and they are its size. */
export const ARTIFACTS = ['vmlinuz', 'initrd.img', 'rootfs.squashfs'] as const;

/**
 * Beside them, the other architecture's interpreter (vm-images/build/binfmt.ts): checked and used
 * when the manifest lists it; an image built before it existed boots without it.
 */
export const BINFMT_ARTIFACT = 'binfmt.squashfs';

/**
 * The same kernel, initramfs and root as one bootable ISO, beside the other files: what a VirtualBox
 * machine boots (VirtualBox has no -kernel). Only such machines ask for it.
 */
export const ISO_ARTIFACT = 'berth.iso';

/**
 * Where a checkout's `npm run build:vm` puts the image of `arch`: the one place here that says so.
 * x86_64's is vm-images/out, where it always was; another architecture's is beside it.
 */
export function checkoutImageFolder(arch: Arch): string {
  // out/app/base -> <repo>/vm-images
  return path.resolve(__dirname, '..', '..', '..', 'vm-images', arch === 'x86_64' ? 'out' : `out-${arch}`);
}

/**
 * Where an image of `arch` may be, most specific first: BERTH_IMAGE_DIR (a folder holding one
 * image, of the architecture its manifest names: the desktop app's own, or one a user copied),
 * then the checkout's.
 */
export function imageCandidates(arch: Arch, env: NodeJS.ProcessEnv = process.env): string[] {
  const list: string[] = [];
  if (env.BERTH_IMAGE_DIR) list.push(path.resolve(env.BERTH_IMAGE_DIR));
  list.push(checkoutImageFolder(arch));
  return list;
}

/** The architecture of the image in `dir`; undefined when there is none, '?' when its manifest is unreadable. */
function imageArch(dir: string): Arch | '?' | undefined {
  const file = path.join(dir, 'manifest.json');
  if (!fs.existsSync(file)) return undefined;
  try {
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Manifest>).arch ?? 'x86_64';
  } catch {
    return '?';
  }
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

/**
 * Finds the image of `arch` and checks every artifact against its manifest; with `iso`, the image
 * must also have its ISO (a VirtualBox machine's).
 */
export function locateImage(opts: {
  arch: Arch;
  iso?: boolean;
  verify?: boolean;
  env?: NodeJS.ProcessEnv;
  hostArch?: string;
  /** Where to look instead of imageCandidates() (tests: a checkout may hold any image). */
  folders?: string[];
}): LocatedImage {
  const { arch } = opts;
  const build = buildCommand(arch, opts.hostArch);
  const folders = opts.folders ?? imageCandidates(arch, opts.env);
  // A folder of another architecture's image is passed over; an unreadable manifest is reported.
  const dir = folders.find((d) => {
    const found = imageArch(d);
    return found === arch || found === '?';
  });
  if (!dir) {
    throw new UserError(
      `no ${arch} VM image found (looked in ${folders.join(', ')}): build it with "${build}" (or set BERTH_IMAGE_DIR to a folder holding one)`,
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
  const binfmt = m.artifacts?.[BINFMT_ARTIFACT] ? [BINFMT_ARTIFACT] : [];
  for (const name of [...ARTIFACTS, ...binfmt]) {
    const file = path.join(dir, name);
    const want = m.artifacts?.[name];
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (!want || !st || st.size !== want.size || (opts.verify !== false && sha256File(file) !== want.sha256)) {
      throw new UserError(`the VM image file ${file} is missing or damaged: rebuild it with "${build}"`, {
        code: 'EBADIMAGE',
      });
    }
    if (name !== BINFMT_ARTIFACT) sizeBytes += st.size;
  }
  const iso = path.join(dir, ISO_ARTIFACT);
  if (opts.iso) {
    const st = fs.statSync(iso, { throwIfNoEntry: false });
    const want = m.artifacts?.[ISO_ARTIFACT];
    // The ISO is checked like the others once the manifest lists it; an image built before the ISO
    // was part of the build has none, which is what this Berth's images are today.
    if (!st || (want && (st.size !== want.size || (opts.verify !== false && sha256File(iso) !== want.sha256)))) {
      throw new UserError(
        `this Berth has no VirtualBox image yet (no ${ISO_ARTIFACT} in ${dir}): build it with "${build}" once the image build writes the ISO (see vm-images/README.md), or make a QEMU machine`,
        { code: 'ENOISO' },
      );
    }
  }
  return {
    dir,
    kernel: path.join(dir, 'vmlinuz'),
    initrd: path.join(dir, 'initrd.img'),
    rootfs: path.join(dir, 'rootfs.squashfs'),
    cmdline: m.cmdline,
    ...(binfmt.length ? { binfmt: path.join(dir, BINFMT_ARTIFACT) } : {}),
    iso: opts.iso ? iso : undefined,
    sizeBytes,
    inputsHash: m.inputsHash,
  };
}
