// binfmt.squashfs: qemu-user for the other architecture (config.ts FOREIGN_ARCH) and the line that
// registers it with the guest kernel's binfmt_misc, so that `docker run --platform linux/arm64` works
// on the x86_64 machine and `--platform linux/amd64` on the aarch64 one.
//
// Why a file of its own next to the image rather than in the root: the interpreter is one static
// program of 14-17 MB (2.3-3 MB compressed), and the x86_64 image has ~1 MB left under its 45 MB
// budget. The host attaches it as a read-only disk; the guest registers the handler at boot with
// Debian's flags (OPF: F opens the interpreter once, at registration, so it works inside every
// container's mount namespace). Its pages are read from the disk only when a program of the other
// architecture first runs: a machine that never runs one never reads more than its superblock.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Target } from './arch';
import { FOREIGN_ARCH } from './config';
import { elfMachine } from './elf';
import { BuildError } from './log';
import { buildSquashfs } from './squashfs';

/** The artifact's name in the image folder (manifest.json lists it with its digest). */
export const BINFMT_ARTIFACT = 'binfmt.squashfs';

/** Where the guest mounts it: the folder Debian's binfmt entries name as the interpreter's. */
export const BINFMT_MOUNT = '/usr/libexec/qemu-binfmt';

/**
 * Debian's entry for `foreign`, checked: `:name:M::magic:mask:interpreter:flags`, with the
 * interpreter in BINFMT_MOUNT. Returns the interpreter's file name (e.g. aarch64-binfmt-P).
 */
export function checkEntry(entry: string, foreign: string): string {
  const fields = entry.trim().split(':');
  // "", name, type, offset, magic, mask, interpreter, flags
  if (fields.length !== 8 || fields[1] !== `qemu-${foreign}` || fields[2] !== 'M')
    throw new BuildError(`qemu-user's binfmt entry for ${foreign} is not a magic entry: ${entry.trim()}`);
  const interpreter = fields[6];
  if (path.posix.dirname(interpreter) !== BINFMT_MOUNT)
    throw new BuildError(`qemu-user's ${foreign} interpreter ${interpreter} is not in ${BINFMT_MOUNT}`);
  if (!fields[7].includes('F'))
    throw new BuildError(`qemu-user's ${foreign} binfmt entry lacks the F flag (${fields[7]}): containers need it`);
  return path.posix.basename(interpreter);
}

/**
 * Writes `out` from the unpacked qemu-user of the image's architecture: the
 * interpreter under Debian's name for it (qemu reads its -binfmt-P suffix to know argv[0] is kept)
 * and `register`, the line the guest writes to /proc/sys/fs/binfmt_misc/register.
 */
export async function buildBinfmt(roots: Map<string, string>, t: Target, stage: string, out: string): Promise<void> {
  const foreign = FOREIGN_ARCH[t.arch];
  const qemuUser = roots.get('qemu-user');
  if (!qemuUser) throw new BuildError('qemu-user is not among the pinned packages');
  const program = path.join(qemuUser, 'usr', 'bin', `qemu-${foreign}`);
  // The interpreter runs on the image's own CPU.
  if ((await elfMachine(program)) !== t.elfMachine) throw new BuildError(`${program} is not a ${t.arch} program`);
  // The entry qemu-user-binfmt links into /usr/lib/binfmt.d/ (that package is only the links).
  const entry = await fs.readFile(
    path.join(qemuUser, 'usr', 'share', 'qemu', 'binfmt.d', `qemu-${foreign}.conf`),
    'utf8',
  );
  const name = checkEntry(entry, foreign);
  await fs.mkdir(stage, { recursive: true });
  await fs.copyFile(program, path.join(stage, name));
  await fs.chmod(path.join(stage, name), 0o755);
  await fs.writeFile(path.join(stage, 'register'), entry.trim() + '\n');
  // xz: read only at a foreign program's first run, where its slower unpacking does not count.
  await buildSquashfs(stage, out, 'xz', t.xzBcj);
}
