// The guest's Docker engine (dockerd, docker-proxy, containerd, its runc shim), compiled from Debian's
// own docker.io and containerd source packages, with Debian's patches and Debian's Go libraries
// (Debian 13's Go and the Go packages of `apt-get build-dep docker.io containerd`, pinned and
// unpacked into a private folder by toolchain.ts), as Debian builds them but for a VM that only
// ever runs Linux containers on overlayfs:
// - static and not position-independent (CGO_ENABLED=0): no dynamic loader work at every start,
//   and none of the libraries Debian's dockerd links (libsystemd, libgcrypt, libdevmapper, ...);
// - without the storage drivers the VM cannot use (aufs, btrfs, devicemapper, zfs), containerd's
//   Kubernetes CRI plugin, and the log drivers of patches/dockerd-log-drivers.patch;
// - dockerd serves its API without first running runc and docker-init for metrics
//   (patches/dockerd-info-metrics-later.patch);
// - and after a fresh boot it no longer restores the default bridge network only to delete it
//   (patches/libnetwork-default-bridge-not-restored.patch).
// Debian's four programs were ~136 MB (~38 MB compressed in the root); these are ~79 MB (~24 MB).
// No cgo, so the aarch64 engine is the same build with GOARCH=arm64: Go cross-compiles by itself.
// Built once, then kept in cache/built/ under a name made of all its inputs.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Target } from './arch';
import { BUILD_SRC_DIR, BUILT_DIR } from './config';
import { applyPatch, sourcePin, unpackSource } from './debsrc';
import { assertStatic } from './elf';
import { run, runCapture } from './exec';
import { exists } from './fsutil';
import { buildKey } from './hash';
import { BuildError, info } from './log';
import { Lock, SourcePin } from './pins';
import { goToolchain, GoToolchain } from './toolchain';

export const DOCKER_SOURCE = 'docker.io';
export const CONTAINERD_SOURCE = 'containerd';

/** Where each program goes in the guest's root. */
export const ENGINE_PROGRAMS = {
  dockerd: '/usr/sbin/dockerd',
  'docker-proxy': '/usr/sbin/docker-proxy',
  containerd: '/usr/bin/containerd',
  'containerd-shim-runc-v2': '/usr/bin/containerd-shim-runc-v2',
} as const;

/** Build tags: what each program leaves out (the tags are upstream's own). */
const DOCKERD_TAGS = [
  'seccomp', // the default seccomp profile for containers (runc applies it)
  'exclude_graphdriver_btrfs',
  'exclude_graphdriver_devicemapper',
  'exclude_graphdriver_zfs',
];
const CONTAINERD_TAGS = ['no_cri', 'no_aufs', 'no_btrfs', 'no_devmapper', 'no_zfs'];

/** Our own patches on top of Debian's docker.io and containerd, in vm-images/build/patches/. */
const DOCKER_PATCHES = [
  'dockerd-log-drivers.patch',
  'dockerd-info-metrics-later.patch',
  'libnetwork-default-bridge-not-restored.patch',
];
const CONTAINERD_PATCHES = ['containerd-shim-own-plugins.patch'];
/** containerd and its shim as one program (engine-main/containerd-and-shim.go). */
const CONTAINERD_MAIN = 'engine-main/containerd-and-shim.go';
const KEY_SOURCES = [
  'engine.ts',
  'debsrc.ts',
  'toolchain.ts',
  CONTAINERD_MAIN,
  ...[...DOCKER_PATCHES, ...CONTAINERD_PATCHES].map((p) => `patches/${p}`),
];
const BUILD_DEPS_HINT = `the pinned Go packages lack it; run --update-pins (it pins the Go part of \`apt-get build-dep ${DOCKER_SOURCE} ${CONTAINERD_SOURCE}\`)`;

/** Debian version -> upstream version as Debian's rules use it: no epoch, no revision. */
export function upstreamVersion(debianVersion: string): string {
  return debianVersion.replace(/^\d+:/, '').replace(/-[^-]*$/, '');
}

function cacheKey(pins: SourcePin[], lock: Lock, goarch: string): Promise<string> {
  const toolchain = (lock.toolchain ?? []).map((p) => [p.name, p.version, p.sha256]);
  return buildKey(JSON.stringify({ pins, toolchain, DOCKERD_TAGS, CONTAINERD_TAGS, goarch }), KEY_SOURCES);
}

/** What one `go build` is: the toolchain, the GOPATH of the sources, and the target's GOARCH. */
interface GoEnv {
  tc: GoToolchain;
  goarch: string;
}

/** `go build` in GOPATH mode against Debian's gocode (as Debian's rules do: GO111MODULE=off). */
async function goBuild(
  { tc, goarch }: GoEnv,
  gopath: string,
  cwd: string,
  pkg: string,
  out: string,
  tags: string[],
  ldflags: string[],
): Promise<void> {
  const env = {
    ...process.env,
    GOROOT: tc.goroot,
    PATH: `${path.dirname(tc.go)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    GOPATH: `${gopath}:${tc.gocode}`,
    GOTOOLCHAIN: 'local',
    GO111MODULE: 'off',
    GOPROXY: 'off',
    GOFLAGS: '',
    CGO_ENABLED: '0',
    GOOS: 'linux',
    GOARCH: goarch,
    GOCACHE: path.join(gopath, '.gocache'),
  };
  const args = [
    'build',
    '-trimpath',
    '-o',
    out,
    '-tags',
    tags.join(' '),
    '-ldflags',
    ['-s', '-w', ...ldflags].join(' '),
    pkg,
  ];
  const r = await runCapture('nice', ['-n', '19', tc.go, ...args], { cwd, env });
  if (r.code !== 0) {
    const lines = (r.stderr || r.stdout).trim().split('\n');
    const missing = lines.find((l) => /cannot find package/.test(l));
    if (missing)
      throw new BuildError(
        `building ${path.basename(out)}: a Go library is missing (${missing.trim()}): ${BUILD_DEPS_HINT}`,
      );
    throw new BuildError(`go build ${pkg} failed: ${lines.slice(-4).join(' | ')}`);
  }
}

/** Place a source tree at gopath/src/<importPath>. */
async function intoGopath(gopath: string, importPath: string, tree: string): Promise<string> {
  const at = path.join(gopath, 'src', importPath);
  await fs.mkdir(path.dirname(at), { recursive: true });
  await fs.rename(tree, at);
  return at;
}

/** dockerd's commit id, which `docker version` shows: Debian keeps the list in debian/helpers. */
async function engineCommit(srcRoot: string, upstream: string): Promise<string> {
  const plain = upstream.replace(/\+.*$/, '');
  const table = await fs.readFile(path.join(srcRoot, 'debian/helpers/engine-gitcommits'), 'utf8');
  const line = table.split('\n').find((l) => l.startsWith(`${plain}: `));
  if (!line) throw new BuildError(`${DOCKER_SOURCE} ${upstream}: no engine commit in debian/helpers/engine-gitcommits`);
  return line.slice(plain.length + 2).trim();
}

/** The date of the source's newest changelog entry: Debian's SOURCE_DATE_EPOCH, shown as the build time. */
async function changelogDate(srcRoot: string): Promise<string> {
  const log = await fs.readFile(path.join(srcRoot, 'debian/changelog'), 'utf8');
  const m = /^ -- .*> {2}(.+)$/m.exec(log);
  const d = m ? new Date(m[1]) : undefined;
  return d && !Number.isNaN(d.getTime()) ? d.toISOString().replace(/\.\d+Z$/, 'Z') : 'unknown';
}

async function buildDocker(tc: GoEnv, pin: SourcePin, work: string, out: string): Promise<void> {
  const src = path.join(work, 'docker-src');
  await fs.mkdir(src);
  await unpackSource(pin, src);
  for (const p of DOCKER_PATCHES) await applyPatch(src, path.join(BUILD_SRC_DIR, 'patches', p));
  const upstream = upstreamVersion(pin.version);
  const commit = await engineCommit(src, upstream);
  const built = await changelogDate(src);
  const gopath = path.join(work, 'docker-gopath');
  // As Debian's rules lay it out: the engine and BuildKit (the engine vendors what Debian lacks).
  // debian/copyright excludes the engine's vendored BuildKit, but the orig tarball still carries
  // it (its repack pattern misses engine/vendor/); in GOPATH mode a vendored copy wins, and that one
  // does not build with Debian's go-grpc-middleware (v2). The buildkit component, which Debian
  // patches for it (grpc-middleware-v1.patch), is used instead, as Debian intends.
  await fs.rm(path.join(src, 'engine/vendor/github.com/moby/buildkit'), { recursive: true, force: true });
  const engine = await intoGopath(gopath, 'github.com/docker/docker', path.join(src, 'engine'));
  await intoGopath(gopath, 'github.com/moby/buildkit', path.join(src, 'buildkit'));
  const v = 'github.com/docker/docker/dockerversion';
  info(`compiling dockerd ${upstream} (a few minutes the first time)`);
  await goBuild(tc, gopath, engine, './cmd/dockerd', path.join(out, 'dockerd'), DOCKERD_TAGS, [
    `-X ${v}.Version=${upstream}`,
    `-X ${v}.GitCommit=${commit}`,
    `-X ${v}.BuildTime=${built}`,
    `-X ${v}.ProductName=docker`,
  ]);
  info('compiling docker-proxy');
  await goBuild(tc, gopath, engine, './cmd/docker-proxy', path.join(out, 'docker-proxy'), [], []);
}

async function buildContainerd(tc: GoEnv, pin: SourcePin, work: string, out: string): Promise<void> {
  const src = path.join(work, 'containerd-src');
  await fs.mkdir(src);
  await unpackSource(pin, src);
  for (const p of CONTAINERD_PATCHES) await applyPatch(src, path.join(BUILD_SRC_DIR, 'patches', p));
  const gopath = path.join(work, 'containerd-gopath');
  const root = await intoGopath(gopath, 'github.com/containerd/containerd', src);
  await fs.mkdir(path.join(root, 'cmd/containerd-and-shim'));
  await fs.copyFile(path.join(BUILD_SRC_DIR, CONTAINERD_MAIN), path.join(root, 'cmd/containerd-and-shim/main.go'));
  const v = 'github.com/containerd/containerd/version';
  const ldflags = [`-X ${v}.Version=${upstreamVersion(pin.version)}`, `-X ${v}.Revision=${pin.version}`];
  info(`compiling containerd ${upstreamVersion(pin.version)} with its runc shim (one program)`);
  const prog = path.join(out, 'containerd');
  await goBuild(tc, gopath, root, './cmd/containerd-and-shim', prog, CONTAINERD_TAGS, ldflags);
  // The shim is the same program under its own name (it picks its part by that name).
  await fs.copyFile(prog, path.join(out, 'containerd-shim-runc-v2'));
  await fs.chmod(path.join(out, 'containerd-shim-runc-v2'), 0o755);
}

/** The directory holding the built engine programs (named as in ENGINE_PROGRAMS). */
export async function guestEngine(lock: Lock, t: Target): Promise<string> {
  const pins = [sourcePin(lock, DOCKER_SOURCE), sourcePin(lock, CONTAINERD_SOURCE)];
  const key = await cacheKey(pins, lock, t.goarch);
  const dir = path.join(
    BUILT_DIR,
    `engine-${t.arch}-${upstreamVersion(pins[0].version)}-${upstreamVersion(pins[1].version)}-${key}`,
  );
  if (await exists(dir)) {
    info(
      `engine (dockerd ${upstreamVersion(pins[0].version)}, containerd ${upstreamVersion(pins[1].version)}, ${t.arch}) cached`,
    );
    return dir;
  }
  await fs.mkdir(BUILT_DIR, { recursive: true });
  const work = await fs.mkdtemp(path.join(BUILT_DIR, '.engine-'));
  try {
    const out = path.join(work, 'out');
    await fs.mkdir(out);
    const tc = await goToolchain(lock);
    info(`${tc.label}, GOARCH=${t.goarch}`);
    const t0 = Date.now();
    const env = { tc, goarch: t.goarch };
    await buildDocker(env, pins[0], work, out);
    await buildContainerd(env, pins[1], work, out);
    info(`compiled in ${((Date.now() - t0) / 1000).toFixed(0)}s`);
    for (const name of Object.keys(ENGINE_PROGRAMS))
      await assertStatic(path.join(out, name), `the engine build of ${name}`);
    await fs.rename(out, dir);
    const sizes = await Promise.all(
      Object.keys(ENGINE_PROGRAMS).map(
        async (n) => `${n} ${((await fs.stat(path.join(dir, n))).size / 1048576).toFixed(1)} MiB`,
      ),
    );
    info(`engine built: ${sizes.join(', ')}`);
    return dir;
  } finally {
    // Go marks its module cache read-only; make the tree removable first.
    await run('chmod', ['-R', 'u+w', work]).catch(() => undefined);
    await fs.rm(work, { recursive: true, force: true });
  }
}
