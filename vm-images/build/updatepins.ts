// --update-pins: pin the current candidate versions of the root packages and of exactly the library
// packages their binaries need (found by building a root with every plausible provider available),
// for one architecture (--arch; amd64 by default). The source packages and the Go toolchain are
// shared by every architecture and re-pinned only by the amd64 (build host's) run: another
// architecture's run keeps them and checks its iptables is the version of the pinned source.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { aptOut, candidateVersions, debPath, ensureDownloaded, sourceOf, unpack } from './apt';
import type { Target } from './arch';
import { busyboxApplets } from './busybox-applets';
import { BUSYBOX, kernelMeta, KERNEL_SOURCE, LIBRARY_PROVIDER_EXCLUDES, ROOT_PACKAGES, VM_DIR } from './config';
import { pinSource } from './debsrc';
import { CONTAINERD_SOURCE, DOCKER_SOURCE } from './engine';
import { sha256File } from './hash';
import { BuildError, info, StepTimer } from './log';
import { HOST_DEBIAN_ARCH, Pin, readLockFile, REFRESH_HINT, withPins, writeLockFile } from './pins';
import { buildRoot } from './rootfs';
import { IPTABLES } from './static-iptables';
import { resolveToolchain } from './toolchain';
import { refreshLists } from './aptsource';

async function kernelPackage(t: Target): Promise<string> {
  const out = await aptOut('apt-cache', ['depends', kernelMeta(t)], t.debian);
  const m = /Depends:\s*(linux-image-\S+)/.exec(out);
  if (!m) throw new BuildError(`cannot find the kernel package ${kernelMeta(t)} depends on`);
  return m[1];
}

/** Library packages that could provide what the roots link against: their Depends closure. */
async function libraryCandidates(debianArch: string): Promise<string[]> {
  const out = await aptOut(
    'apt-cache',
    [
      'depends',
      '--recurse',
      '--no-recommends',
      '--no-suggests',
      '--no-conflicts',
      '--no-breaks',
      '--no-replaces',
      '--no-enhances',
      ...ROOT_PACKAGES,
    ],
    debianArch,
  );
  const names = new Set(
    out
      .split('\n')
      .filter((l) => /^[a-z0-9]/.test(l))
      .map((l) => l.trim()),
  );
  return [...names]
    .filter((n) => /^(lib|zlib)/.test(n) && !LIBRARY_PROVIDER_EXCLUDES.includes(n) && !ROOT_PACKAGES.includes(n))
    .sort();
}

export async function updatePins(t: Target): Promise<void> {
  const timer = new StepTimer();
  const host = t.debian === HOST_DEBIAN_ARCH;
  const arch = host ? undefined : t.debian;
  await timer.step('package lists', () => refreshLists(t.debian));
  const { roots, libs } = await timer.step('resolve', async () => {
    const rootNames = [await kernelPackage(t), ...ROOT_PACKAGES];
    const libNames = await libraryCandidates(t.debian);
    const roots = await candidateVersions(rootNames, arch);
    // The kernel is built from Debian's source package at the version of Debian's current kernel
    // image (one source, same patches); the download fails, naming it, if that version is missing.
    // The source package is architecture-free: one .deb for every architecture.
    roots[0] = { name: KERNEL_SOURCE, version: roots[0].version };
    const libs = await candidateVersions(libNames, arch);
    info(`${roots.length} root packages, ${libs.length} candidate library packages`);
    return { roots, libs };
  });
  await timer.step('download', () => ensureDownloaded([...roots, ...libs]));
  const hashed = await timer.step('hash', () =>
    Promise.all([...roots, ...libs].map(async (p) => ({ ...p, sha256: await sha256File(debPath(p)) }))),
  );
  const dirs = new Map<string, string>();
  await timer.step('unpack', async () => {
    // The kernel source is not needed to work out libraries.
    for (const p of hashed.slice(1)) dirs.set(p.name, await unpack(p));
  });
  const used = await timer.step('libraries', async () => {
    const work = await fs.mkdtemp(path.join(VM_DIR, '.pins-'));
    try {
      const busybox = path.join(dirs.get('busybox-static')!, '.' + BUSYBOX);
      const view = {
        distribution: '',
        architecture: t.debian,
        packages: hashed.map((p) => ({ ...p, role: 'root' as const })),
      };
      const r = await buildRoot({
        root: path.join(work, 'root'),
        pkgRoots: dirs,
        libraryProviders: [...ROOT_PACKAGES, ...libs.map((l) => l.name)],
        applets: await busyboxApplets(view, t, busybox),
        triplet: t.triplet,
        elfMachine: t.elfMachine,
      });
      return r.libPackages;
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  });
  const pins: Pin[] = hashed
    .filter((p, i) => i < roots.length || used.has(p.name))
    .map((p, i) => ({
      name: p.name,
      version: p.version,
      sha256: p.sha256,
      role: i === 0 ? 'kernel' : i < roots.length ? 'root' : 'library',
    }));
  const iptables = pins.find((p) => p.name === IPTABLES);
  if (!iptables) throw new BuildError(`${IPTABLES} is not among the root packages`);
  const file = await readLockFile().catch(() => undefined);
  if (!host) {
    // Another architecture shares the amd64 run's sources: its iptables must be their version.
    const src = file?.sources.find((s) => s.name === IPTABLES);
    if (!src || src.version !== iptables.version)
      throw new BuildError(
        `${t.debian} ${IPTABLES} ${iptables.version} is not the pinned source's version (${src?.version ?? 'none'}): ` +
          `re-pin amd64 first (${REFRESH_HINT}), then this architecture`,
      );
    await writeLockFile(withPins(file, t.debian, pins));
    info(
      `pinned ${pins.length} ${t.debian} packages (${pins.filter((p) => p.role === 'library').length} libraries) in ${timer.total()}`,
    );
    return;
  }
  const sources = await timer.step('sources', async () => {
    // The engine is built from the sources of Debian's current docker.io and containerd packages.
    const engine = await Promise.all((await candidateVersions([DOCKER_SOURCE, CONTAINERD_SOURCE])).map(sourceOf));
    return [
      await pinSource(IPTABLES, iptables.version, { debianOptional: true }),
      ...(await Promise.all(engine.map((s) => pinSource(s.name, s.version)))),
    ];
  });
  const toolchain = await timer.step('toolchain', async () => {
    // The Go compiler and Go libraries of the engine's build dependencies (toolchain.ts).
    const engineSources = sources.filter((s) => s.name !== IPTABLES);
    const tc = await resolveToolchain(engineSources);
    await ensureDownloaded(tc);
    return Promise.all(tc.map(async (p) => ({ ...p, sha256: await sha256File(debPath(p)) })));
  });
  await writeLockFile(withPins(file, t.debian, pins, { sources, toolchain }));
  info(
    `pinned ${pins.length} packages (${pins.filter((p) => p.role === 'library').length} libraries) and ${toolchain.length} toolchain packages in ${timer.total()}`,
  );
}
