// Libraries of our own that stand in for a Debian library in the root (stubs/): found before any
// package's copy when the root's shared libraries are resolved. Each says in its source why the
// real one is not worth its size in the VM. Compiled with the target's gcc (the host's, or the
// aarch64 cross compiler), once, into cache/built/stub-libs-<arch>-<key>/ laid out as a package root.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Target } from './arch';
import { BUILD_SRC_DIR, BUILT_DIR } from './config';
import { runCapture } from './exec';
import { exists } from './fsutil';
import { buildKey } from './hash';
import { BuildError, info } from './log';

/** soname -> its source in stubs/ and the symbol version script next to it. */
const STUBS = [{ soname: 'libwtmpdb.so.0', source: 'stubs/wtmpdb.c', versions: 'stubs/wtmpdb.map' }];

/** The package-like root holding the stub libraries (a library provider for the root's closure). */
export async function stubLibraries(t: Target): Promise<string> {
  const cc = `${t.toolPrefix}gcc`;
  const key = await buildKey(`stub-libs ${cc}`, ['stub-libs.ts', ...STUBS.flatMap((s) => [s.source, s.versions])]);
  const dir = path.join(BUILT_DIR, `stub-libs-${t.arch}-${key}`);
  if (await exists(dir)) return dir;
  const libDir = `usr/lib/${t.triplet}`;
  const work = `${dir}.tmp-${process.pid}`;
  await fs.mkdir(path.join(work, libDir), { recursive: true });
  for (const s of STUBS) {
    const out = path.join(work, libDir, s.soname);
    // No libc (the stubs only answer), no build id (the same source gives the same file).
    const r = await runCapture(cc, [
      '-shared',
      '-fPIC',
      '-O2',
      '-nostdlib',
      '-Wall',
      '-Wextra',
      '-Werror',
      `-Wl,--version-script=${path.join(BUILD_SRC_DIR, s.versions)}`,
      `-Wl,-soname,${s.soname}`,
      '-Wl,--build-id=none',
      '-s',
      '-o',
      out,
      path.join(BUILD_SRC_DIR, s.source),
    ]);
    if (r.code !== 0) throw new BuildError(`compiling ${s.source} failed: ${r.stderr.trim().split('\n')[0]}`);
  }
  await fs.rename(work, dir);
  info(`stub libraries: ${STUBS.map((s) => s.soname).join(', ')}`);
  return dir;
}
