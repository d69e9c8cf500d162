// Debian source packages the build compiles (iptables, the engine): located with `apt-get source
// --print-uris` (private trixie lists, see aptsource.ts) at a pinned version, downloaded, every file
// checked against its pinned digest, unpacked with Debian's
// patches applied the way dpkg-source would (without needing the .dsc or dpkg-dev).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { aptError } from './apt';
import { apt } from './aptsource';
import { CACHE_DIR } from './config';
import { run, runCapture } from './exec';
import { exists } from './fsutil';
import { sha256File } from './hash';
import { BuildError, info } from './log';
import { Lock, REFRESH_HINT, SourcePin } from './pins';

const SRC_DIR = path.join(CACHE_DIR, 'src');
const DEB_SRC_HINT = REFRESH_HINT;

const srcDir = (pin: SourcePin) => path.join(SRC_DIR, `${pin.name}_${pin.version}`);
const srcFile = (pin: SourcePin, name: string) => path.join(srcDir(pin), name);

interface SourceFile {
  uri: string;
  name: string;
  sha256: string;
}

/** The files of a source package version, as apt's Sources index lists them (URI, name, sha256). */
async function sourceFiles(name: string, version: string): Promise<SourceFile[]> {
  await fs.mkdir(SRC_DIR, { recursive: true });
  // apt skips files already present in the working directory: ask from an empty one.
  const tmp = await fs.mkdtemp(path.join(SRC_DIR, '.uris-'));
  try {
    const r = await apt('apt-get', ['source', '--print-uris', '-qq', `${name}=${version}`], { cwd: tmp });
    const files = [...r.stdout.matchAll(/^'([^']+)' (\S+) \d+ SHA256:([0-9a-f]{64})$/gm)].map((m) => ({
      uri: m[1],
      name: m[2],
      sha256: m[3],
    }));
    if (r.code !== 0 || !files.length)
      throw new BuildError(
        `the source of ${name} ${version} is not in the package lists (${aptError(r.stderr)}); ${DEB_SRC_HINT}`,
      );
    return files;
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** Download one file to `to` (through a temporary name); false if the mirror does not have it. */
async function download(uri: string, to: string): Promise<boolean> {
  const res = await fetch(uri).catch((e: unknown) => {
    throw new BuildError(`cannot download ${uri}: ${e instanceof Error ? e.message : String(e)}`);
  });
  if (res.status === 404) return false;
  if (!res.ok) throw new BuildError(`cannot download ${uri}: HTTP ${res.status}`);
  const tmp = `${to}.part-${process.pid}`;
  await fs.writeFile(tmp, Buffer.from(await res.arrayBuffer()));
  await fs.rename(tmp, to);
  return true;
}

/**
 * For --update-pins: the tarballs of `name` at `version` and their digests from apt's Sources index
 * (the .dsc is not needed). A Debian tarball the mirror does not serve is left out only when
 * `debianOptional` says the build can do without Debian's patches (see static-iptables.ts).
 */
export async function pinSource(
  name: string,
  version: string,
  opts: { debianOptional?: boolean } = {},
): Promise<SourcePin> {
  const files = (await sourceFiles(name, version)).filter((f) => /\.tar\.(xz|gz|bz2)$/.test(f.name));
  const pin: SourcePin = { name, version, files: [] };
  for (const f of files.sort((a, b) => a.name.localeCompare(b.name))) {
    if (opts.debianOptional && f.name.includes('.debian.')) {
      const head = await fetch(f.uri, { method: 'HEAD' }).catch(() => undefined);
      if (head?.status === 404) {
        info(`${f.name} is not on the mirror: ${name} is pinned without Debian's patches`);
        continue;
      }
    }
    pin.files.push({ name: f.name, sha256: f.sha256 });
  }
  return pin;
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
    const uris = await sourceFiles(pin.name, pin.version);
    await fs.mkdir(srcDir(pin), { recursive: true });
    for (const f of pin.files) {
      if (await exists(srcFile(pin, f.name))) continue;
      const u = uris.find((x) => x.name === f.name);
      if (!u || !(await download(u.uri, srcFile(pin, f.name))))
        throw new BuildError(`source ${pin.name} ${pin.version}: ${f.name} cannot be downloaded; ${REFRESH_HINT}`);
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
  if (!origs.some((f) => f.name.includes('.orig.')))
    throw new BuildError(`source ${pin.name} ${pin.version} has no .orig tarball; ${REFRESH_HINT}`);
  for (const o of origs) {
    const component = /\.orig-([A-Za-z0-9-]+)\.tar\./.exec(o.name)?.[1];
    await extractTop(srcFile(pin, o.name), component ? path.join(into, component) : into);
  }
  if (!debian) {
    info(`${pin.name} ${pin.version}: upstream source only (pinned without Debian's patches)`);
    return 0;
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
