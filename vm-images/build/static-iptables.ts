// The guest's iptables: Debian's own iptables source package, at the pinned binary
// package's version, with Debian's patches, linked statically with its extensions
// built in. Why not the .deb: dockerd runs iptables ~100 times at every boot (and
// about ten times per published port). Debian's binary loads libc, libxtables,
// libip4tc, libip6tc and one dlopen'd .so per match; under emulation that loading
// was ~25 ms of each ~31 ms call. Static, a call takes ~5 ms: ~2.5 s less boot.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { aptError } from './apt';
import { CACHE_DIR } from './config';
import { readElfDeps } from './elf';
import { run, runCapture } from './exec';
import { exists } from './fsutil';
import { sha256File } from './hash';
import { BuildError, info } from './log';
import { Lock, REFRESH_HINT, SourcePin } from './pins';

export const IPTABLES = 'iptables';

/** Only the legacy backend dockerd 20.10 drives; no nftables, no optional libraries. */
const CONFIGURE = [
  '--disable-nftables', '--enable-static', '--disable-shared',
  '--disable-connlabel', '--disable-bpf-compiler', '--disable-nfsynproxy', '--disable-libipq',
];

const SRC_DIR = path.join(CACHE_DIR, 'src');
const BUILT_DIR = path.join(CACHE_DIR, 'built');
const DEB_SRC_HINT = 'add a deb-src entry for bookworm to apt\'s sources and run apt-get update (see vm-images/README.md)';

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
    throw new BuildError(`the source of ${name} ${version} cannot be downloaded (${aptError(r.stderr)}): ${DEB_SRC_HINT}`);
  }
  return tmp;
}

/** For --update-pins: the source files of `name` at `version` and their digests (the .dsc is not needed). */
export async function pinSource(name: string, version: string): Promise<SourcePin> {
  const tmp = await aptSource(name, version);
  try {
    const files = (await fs.readdir(tmp)).filter((f) => /\.tar\.(xz|gz|bz2)$/.test(f)).sort();
    return { name, version, files: await Promise.all(files.map(async (f) => ({ name: f, sha256: await sha256File(path.join(tmp, f)) }))) };
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
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
    if (!(await exists(file))) throw new BuildError(`source ${pin.name} ${pin.version} has no ${f.name}; ${REFRESH_HINT}`);
    const got = await sha256File(file);
    if (got !== f.sha256) {
      throw new BuildError(`source ${f.name}: sha256 mismatch (pinned ${f.sha256.slice(0, 12)}..., got ${got.slice(0, 12)}...; delete ${file} to re-download, or ${REFRESH_HINT})`);
    }
  }
}

/** The pinned iptables source, which must be the version of the pinned iptables package. */
export function iptablesSourcePin(lock: Lock): SourcePin {
  const bin = lock.packages.find((p) => p.name === IPTABLES);
  const src = lock.sources?.find((s) => s.name === IPTABLES);
  if (!bin || !src) throw new BuildError(`${IPTABLES} (package and source) must both be pinned; ${REFRESH_HINT}`);
  if (src.version !== bin.version) throw new BuildError(`${IPTABLES} source ${src.version} is not the pinned package version ${bin.version}; ${REFRESH_HINT}`);
  return src;
}

/** A C toolchain is the one host need beyond apt: say which package gives it. */
async function needTools(): Promise<void> {
  for (const tool of ['gcc', 'make', 'patch', 'strip']) {
    const ok = await runCapture(tool, ['--version']).then((r) => r.code === 0, () => false);
    if (!ok) throw new BuildError(`building the guest's iptables needs ${tool}: apt-get install build-essential`);
  }
}

/**
 * Path of the static xtables-legacy-multi for this pin, built once and then kept in
 * cache/built/ under a name made of its inputs (so a rebuild of the image takes no time).
 */
export async function staticIptables(lock: Lock): Promise<string> {
  const pin = iptablesSourcePin(lock);
  const key = createHash('sha256').update(JSON.stringify({ pin, CONFIGURE })).digest('hex').slice(0, 16);
  const out = path.join(BUILT_DIR, `xtables-legacy-multi-${pin.version}-${key}`);
  if (await exists(out)) {
    info(`static iptables ${pin.version} cached`);
    return out;
  }
  await needTools();
  await fetchSource(pin);
  await fs.mkdir(BUILT_DIR, { recursive: true });
  const work = await fs.mkdtemp(path.join(BUILT_DIR, '.build-'));
  try {
    const orig = pin.files.find((f) => f.name.includes('.orig.'));
    const debian = pin.files.find((f) => f.name.includes('.debian.'));
    if (!orig || !debian) throw new BuildError(`source ${pin.name} ${pin.version} is not an orig + debian pair; ${REFRESH_HINT}`);
    await run('tar', ['-xf', srcFile(pin, orig.name), '--strip-components=1', '-C', work]);
    await run('tar', ['-xf', srcFile(pin, debian.name), '-C', work]);
    const series = await fs.readFile(path.join(work, 'debian/patches/series'), 'utf8').catch(() => '');
    const patches = series.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
    for (const p of patches) await run('patch', ['-p1', '-s', '-i', path.join('debian/patches', p)], { cwd: work });
    info(`iptables ${pin.version}: ${patches.length} Debian patches applied, configuring`);
    await run('./configure', ['--quiet', ...CONFIGURE], { cwd: work });
    const jobs = String(Math.max(1, os.cpus().length));
    await run('make', ['-s', '-j', jobs], { cwd: work });
    // The libraries are static already; libtool's -all-static makes the program static too.
    const bin = path.join(work, 'iptables/xtables-legacy-multi');
    await fs.rm(bin, { force: true });
    await run('make', ['-s', '-C', 'iptables', 'LDFLAGS=-all-static', 'xtables-legacy-multi'], { cwd: work });
    await run('strip', [bin]);
    const elf = await readElfDeps(bin);
    if (elf.interp || elf.needed.length) throw new BuildError(`the iptables build is not static (needs ${[elf.interp, ...elf.needed].filter(Boolean).join(', ')})`);
    await fs.copyFile(bin, `${out}.tmp`);
    await fs.chmod(`${out}.tmp`, 0o755);
    await fs.rename(`${out}.tmp`, out);
    info(`static iptables ${pin.version} built (${((await fs.stat(out)).size / 1048576).toFixed(1)} MiB)`);
    return out;
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}
