// Fetching pinned .debs with `apt-get download` into a reusable cache, verifying their sha256, and
// unpacking them with `dpkg-deb -x` (no root filesystem tool, no maintainer scripts).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CACHE_DIR } from './config';
import { apt, refreshLists } from './aptsource';
import { run } from './exec';
import { exists } from './fsutil';
import { sha256File } from './hash';
import { BuildError, info } from './log';
import { HOST_DEBIAN_ARCH, refreshHint } from './pins';

export interface PkgRef {
  name: string;
  version: string;
  /** Debian architecture when it is not the build host's (amd64): fetched and cached apart. */
  arch?: string;
}

const DEB_DIR = path.join(CACHE_DIR, 'debs');
const UNPACK_DIR = path.join(CACHE_DIR, 'unpacked');

/** The cache name: amd64's are named as they always were, another architecture's carry its name. */
export function slug(p: PkgRef): string {
  const arch = p.arch && p.arch !== HOST_DEBIAN_ARCH ? `_${p.arch}` : '';
  return `${p.name}_${p.version.replace(/:/g, '%3a')}${arch}`;
}

const archOf = (p: PkgRef) => p.arch ?? HOST_DEBIAN_ARCH;

export function debPath(p: PkgRef): string {
  return path.join(DEB_DIR, `${slug(p)}.deb`);
}

/** The line of apt's stderr that says what went wrong ("E: ..."), without its prefix. */
export function aptError(stderr: string): string {
  return (stderr.split('\n').find((l) => l.startsWith('E:')) ?? stderr.trim()).replace(/^E:\s*/, '');
}

/** apt-get download one package version into its canonical cache path. */
async function downloadOne(p: PkgRef): Promise<void> {
  const tmp = await fs.mkdtemp(path.join(DEB_DIR, '.dl-'));
  try {
    // apt's sandbox user must be able to write here, or apt warns and downloads as root anyway.
    await fs.chmod(tmp, 0o777);
    const r = await apt('apt-get', ['download', '-q', `${p.name}=${p.version}`], { cwd: tmp, arch: archOf(p) });
    const debs = (await fs.readdir(tmp)).filter((f) => f.endsWith('.deb'));
    if (r.code !== 0 || debs.length !== 1) {
      throw new BuildError(
        `package ${p.name} ${p.version} (${archOf(p)}) cannot be downloaded (${aptError(r.stderr) || 'no .deb produced'}); ${refreshHint(archOf(p))}`,
      );
    }
    await fs.rename(path.join(tmp, debs[0]), debPath(p));
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** apt's own file name for a package version, up to the architecture: name_version(: as %3a)_ */
function aptPrefix(p: PkgRef): string {
  return `${p.name}_${p.version.replace(/:/g, '%3a')}_`;
}

/**
 * Make sure each package's .deb is in the cache. One apt-get call fetches all that are missing (apt
 * downloads in parallel); if that fails, one call per package finds and names the one at fault.
 */
export async function ensureDownloaded(pkgs: PkgRef[]): Promise<void> {
  await fs.mkdir(DEB_DIR, { recursive: true });
  const missing: PkgRef[] = [];
  for (const p of pkgs) if (!(await exists(debPath(p)))) missing.push(p);
  if (!missing.length) {
    info(`all ${pkgs.length} packages cached`);
    return;
  }
  info(`downloading ${missing.length} of ${pkgs.length} packages (others cached)`);
  // One apt-get call per architecture (each has its own configuration).
  for (const arch of new Set(missing.map(archOf))) {
    const batch = missing.filter((p) => archOf(p) === arch);
    const tmp = await fs.mkdtemp(path.join(DEB_DIR, '.dl-'));
    try {
      // apt's sandbox user must be able to write here, or apt warns and downloads as root anyway.
      await fs.chmod(tmp, 0o777);
      const r = await apt('apt-get', ['download', '-q', ...batch.map((p) => `${p.name}=${p.version}`)], {
        cwd: tmp,
        arch,
      });
      if (r.code === 0) {
        const files = await fs.readdir(tmp);
        for (const p of batch) {
          const f = files.find((x) => x.startsWith(aptPrefix(p)) && x.endsWith('.deb'));
          if (f) await fs.rename(path.join(tmp, f), debPath(p));
        }
      }
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  }
  const left: PkgRef[] = [];
  for (const p of missing) if (!(await exists(debPath(p)))) left.push(p);
  // The private package lists may be older than the pins: fetch them again once before giving up.
  for (const arch of new Set(left.map(archOf))) await refreshLists(arch);
  for (const p of left) await downloadOne(p);
}

/** Fail naming the first package whose cached .deb does not have the pinned digest. */
export async function verify(pkgs: (PkgRef & { sha256: string })[]): Promise<void> {
  await Promise.all(
    pkgs.map(async (p) => {
      const got = await sha256File(debPath(p));
      if (got !== p.sha256) {
        throw new BuildError(
          `package ${p.name} ${p.version}: sha256 mismatch (pinned ${p.sha256.slice(0, 12)}..., got ${got.slice(0, 12)}...; ` +
            `delete ${debPath(p)} to re-download, or ${refreshHint(archOf(p))})`,
        );
      }
    }),
  );
}

/**
 * Unpack a package once into cache/unpacked/<name>_<version>/ and return that directory.
 * A marker holding the .deb digest tells a complete unpack from an interrupted one.
 */
export async function unpack(p: PkgRef & { sha256: string }): Promise<string> {
  const dir = path.join(UNPACK_DIR, slug(p));
  const marker = path.join(UNPACK_DIR, `${slug(p)}.ok`);
  if ((await exists(marker)) && (await fs.readFile(marker, 'utf8')) === p.sha256) return dir;
  await fs.mkdir(UNPACK_DIR, { recursive: true });
  await fs.rm(dir, { recursive: true, force: true });
  await fs.rm(marker, { force: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  await fs.rm(tmp, { recursive: true, force: true });
  await fs.mkdir(tmp);
  await run('dpkg-deb', ['-x', debPath(p), tmp]);
  await fs.rename(tmp, dir);
  await fs.writeFile(marker, p.sha256);
  return dir;
}

/** apt-get or apt-cache (private configuration) that must succeed: its stdout. */
export async function aptOut(cmd: 'apt-get' | 'apt-cache', args: string[], arch?: string): Promise<string> {
  const r = await apt(cmd, args, { arch });
  if (r.code !== 0) throw new BuildError(`${cmd} ${args.join(' ')} failed: ${aptError(r.stderr)}`);
  return r.stdout;
}

/** dpkg-deb -x a cached package into `dir` (several packages may share one folder). */
export async function unpackInto(p: PkgRef, dir: string): Promise<void> {
  await run('dpkg-deb', ['-x', debPath(p), dir]);
}

/** Candidate (newest installable) versions of packages in the configured apt sources. */
export async function candidateVersions(names: string[], arch?: string): Promise<PkgRef[]> {
  const out = await aptOut('apt-cache', ['policy', ...names], arch);
  const found = new Map<string, string>();
  let cur: string | undefined;
  for (const line of out.split('\n')) {
    const head = /^(\S+):$/.exec(line);
    if (head) cur = head[1];
    const m = /^\s+Candidate:\s*(\S+)/.exec(line);
    if (m && cur && m[1] !== '(none)') found.set(cur, m[1]);
  }
  return names.map((name) => {
    const version = found.get(name);
    if (!version)
      throw new BuildError(
        `apt has no candidate version of ${name} (run --update-pins, which refreshes the package lists)`,
      );
    return arch ? { name, version, arch } : { name, version };
  });
}

/**
 * The source package (and its version) a binary package at a version was built from: the
 * "Source:" field, which names a version only when it differs (a binNMU such as +b6).
 */
export async function sourceOf(p: PkgRef): Promise<PkgRef> {
  const out = await aptOut('apt-cache', ['show', '--no-all-versions', `${p.name}=${p.version}`]);
  const m = /^Source:\s*(\S+)(?:\s+\(([^)]+)\))?$/m.exec(out);
  return m ? { name: m[1], version: m[2] ?? p.version } : { ...p };
}
