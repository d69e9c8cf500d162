// Debian source packages the build compiles (iptables, the engine): fetched with `apt-get source`
// at a pinned version, every file checked against its pinned digest, unpacked with Debian's
// patches applied the way dpkg-source would (without needing the .dsc or dpkg-dev).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { aptError } from './apt';
import { CACHE_DIR } from './config';
import { run, runCapture } from './exec';
import { exists } from './fsutil';
import { sha256File } from './hash';
import { BuildError, info } from './log';
import { Lock, REFRESH_HINT, SourcePin } from './pins';

const SRC_DIR = path.join(CACHE_DIR, 'src');
const DEB_SRC_HINT =
  "add a deb-src entry for bookworm to apt's sources and run apt-get update (see vm-images/README.md)";

const srcDir = (pin: SourcePin) => path.join(SRC_DIR, `${pin.name}_${pin.version}`);
const srcFile = (pin: SourcePin, name: string) => path.join(srcDir(pin), name);

/** `apt-get source --download-only name=version` into a fresh directory; returns it. */
async function aptSource(name: string, version: string): Promise<string> {
  await fs.mkdir(SRC_DIR, { recursive: true });
  const tmp = await fs.mkdtemp(path.join(SRC_DIR, '.dl-'));
  // apt's sandbox user must be able to write here, or apt warns and downloads as root anyway.
  await fs.chmod(tmp, 0o777);
  const r = await runCapture('apt-get', ['source', '--download-only', '-q', `${name}=${version}`], { cwd: tmp });
  if (r.code !== 0) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw new BuildError(
      `the source of ${name} ${version} cannot be downloaded (${aptError(r.stderr)}): ${DEB_SRC_HINT}`,
    );
  }
  return tmp;
}

/** For --update-pins: the source files of `name` at `version` and their digests (the .dsc is not needed). */
export async function pinSource(name: string, version: string): Promise<SourcePin> {
  const tmp = await aptSource(name, version);
  try {
    const files = (await fs.readdir(tmp)).filter((f) => /\.tar\.(xz|gz|bz2)$/.test(f)).sort();
    return {
      name,
      version,
      files: await Promise.all(files.map(async (f) => ({ name: f, sha256: await sha256File(path.join(tmp, f)) }))),
    };
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** The pinned source of `name`, or a one-line error saying how to pin it. */
export function sourcePin(lock: Lock, name: string): SourcePin {
  const src = lock.sources?.find((s) => s.name === name);
  if (!src) throw new BuildError(`the source package ${name} is not pinned; ${REFRESH_HINT}`);
  return src;
}

/** The pinned source files in the cache, downloaded if missing, each checked against its digest. */
async function fetchSource(pin: SourcePin): Promise<void> {
  const have = await Promise.all(pin.files.map((f) => exists(srcFile(pin, f.name))));
  if (have.includes(false)) {
    const tmp = await aptSource(pin.name, pin.version);
    try {
      await fs.mkdir(srcDir(pin), { recursive: true });
      for (const f of pin.files) await fs.rename(path.join(tmp, f.name), srcFile(pin, f.name)).catch(() => undefined);
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  }
  for (const f of pin.files) {
    const file = srcFile(pin, f.name);
    if (!(await exists(file)))
      throw new BuildError(`source ${pin.name} ${pin.version} has no ${f.name}; ${REFRESH_HINT}`);
    const got = await sha256File(file);
    if (got !== f.sha256) {
      throw new BuildError(
        `source ${f.name}: sha256 mismatch (pinned ${f.sha256.slice(0, 12)}..., got ${got.slice(0, 12)}...; delete ${file} to re-download, or ${REFRESH_HINT})`,
      );
    }
  }
}

/** Apply one patch (-p1) in `dir`, failing with the patch's name. */
export async function applyPatch(dir: string, patch: string): Promise<void> {
  const r = await runCapture('patch', ['-p1', '-s', '--forward', '-i', patch], { cwd: dir });
  if (r.code !== 0)
    throw new BuildError(
      `patch ${path.basename(patch)} does not apply to ${dir}: ${(r.stdout + r.stderr).trim().split('\n')[0]}`,
    );
}

/** Unpack a tarball whose entries sit under one top directory (named anyhow) into `dest`. */
async function extractTop(tarball: string, dest: string): Promise<void> {
  const tmp = `${dest}.unpack-${process.pid}`;
  await fs.mkdir(tmp, { recursive: true });
  try {
    await run('tar', ['-xf', tarball, '-C', tmp]);
    const top = await fs.readdir(tmp);
    if (top.length !== 1)
      throw new BuildError(`${path.basename(tarball)} has ${top.length} top-level entries, expected one directory`);
    await fs.mkdir(dest, { recursive: true });
    const inner = path.join(tmp, top[0]);
    for (const e of await fs.readdir(inner)) await fs.rename(path.join(inner, e), path.join(dest, e));
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Fetch, verify and unpack a pinned source into `into` (an empty directory) as dpkg-source -x does:
 * the .orig tarball at the top, each .orig-COMPONENT tarball in COMPONENT/, the debian/ tarball, then
 * the patches of debian/patches/series in order. Returns how many Debian patches were applied.
 */
export async function unpackSource(pin: SourcePin, into: string): Promise<number> {
  await fetchSource(pin);
  const debian = pin.files.find((f) => f.name.includes('.debian.'));
  const origs = pin.files.filter((f) => /\.orig(-[A-Za-z0-9-]+)?\.tar\./.test(f.name));
  if (!debian || !origs.some((f) => f.name.includes('.orig.')))
    throw new BuildError(`source ${pin.name} ${pin.version} is not an orig + debian pair; ${REFRESH_HINT}`);
  for (const o of origs) {
    const component = /\.orig-([A-Za-z0-9-]+)\.tar\./.exec(o.name)?.[1];
    await extractTop(srcFile(pin, o.name), component ? path.join(into, component) : into);
  }
  await run('tar', ['-xf', srcFile(pin, debian.name), '-C', into]);
  const series = await fs.readFile(path.join(into, 'debian/patches/series'), 'utf8').catch(() => '');
  const patches = series
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
  for (const p of patches) await applyPatch(into, path.join(into, 'debian/patches', p));
  info(`${pin.name} ${pin.version}: ${patches.length} Debian patches applied`);
  return patches.length;
}
