// The Go toolchain the engine is compiled with: Debian 13's Go and Debian 13's Go libraries (the Go
// part of `apt-get build-dep docker.io containerd` on trixie), pinned with their .deb digests in
// packages.lock.json `toolchain` and unpacked with `dpkg-deb -x` into one private folder,
// cache/built/toolchain-<key>/. Nothing is installed on the host, and nothing of the host's own Go
// (Debian 12 has Go 1.19, too old for Docker 26) is used. Go needs no installation: it finds its
// standard library through GOROOT, and Debian's Go libraries are plain source trees under
// /usr/share/gocode that GOPATH mode reads. With CGO_ENABLED=0 no C compiler is involved.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { aptOut, ensureDownloaded, unpackInto, verify } from './apt';
import { BUILT_DIR } from './config';
import { exists } from './fsutil';
import { buildKey } from './hash';
import { BuildError, info } from './log';
import { Lock, Pin, REFRESH_HINT } from './pins';

export interface GoToolchain {
  /** GOROOT: <folder>/usr/lib/go-1.NN */
  goroot: string;
  /** The go command. */
  go: string;
  /** Debian's Go libraries: <folder>/usr/share/gocode (a GOPATH entry). */
  gocode: string;
  /** `go version`-like label for logs and cache keys, from the pinned package. */
  label: string;
}

/** Which packages of the build-dependency closure are the Go toolchain and its libraries. */
export function isGoPackage(name: string): boolean {
  return /^golang-/.test(name);
}

/**
 * For --update-pins: the Go packages `apt-get build-dep` of these source packages would install on
 * an empty trixie system (apt simulates it against an empty dpkg status: see aptsource.ts).
 */
export async function resolveToolchain(sources: { name: string; version: string }[]): Promise<Pin[]> {
  const out = await aptOut('apt-get', ['-s', '-q', 'build-dep', ...sources.map((s) => `${s.name}=${s.version}`)]);
  const pins: Pin[] = [];
  for (const m of out.matchAll(/^Inst (\S+) \((\S+) /gm)) {
    if (isGoPackage(m[1])) pins.push({ name: m[1], version: m[2], sha256: '', role: 'toolchain' });
  }
  if (!pins.some((p) => /^golang-1\.\d+-go$/.test(p.name)))
    throw new BuildError(`the build dependencies of ${sources.map((s) => s.name).join(', ')} have no Go compiler`);
  return pins;
}

/** Debian packages ship some links with absolute targets (/usr/share/...): point them into `root`. */
async function rebaseLinks(root: string, dir = root): Promise<number> {
  let n = 0;
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) n += await rebaseLinks(root, p);
    else if (e.isSymbolicLink()) {
      const t = await fs.readlink(p);
      if (!t.startsWith('/')) continue;
      await fs.rm(p);
      await fs.symlink(path.relative(path.dirname(p), path.join(root, t)), p);
      n++;
    }
  }
  return n;
}

/** The pinned Go toolchain, unpacked once into cache/built/toolchain-<key>/. */
export async function goToolchain(lock: Lock): Promise<GoToolchain> {
  const pins = lock.toolchain ?? [];
  const compiler = pins.find((p) => /^golang-1\.\d+-go$/.test(p.name));
  if (!compiler) throw new BuildError(`no Go toolchain is pinned; ${REFRESH_HINT}`);
  const minor = /^golang-(1\.\d+)-go$/.exec(compiler.name)![1];
  const key = await buildKey(JSON.stringify(pins.map((p) => [p.name, p.version, p.sha256])), ['toolchain.ts']);
  const dir = path.join(BUILT_DIR, `toolchain-go${minor}-${key}`);
  const tc: GoToolchain = {
    goroot: path.join(dir, `usr/lib/go-${minor}`),
    go: path.join(dir, `usr/lib/go-${minor}/bin/go`),
    gocode: path.join(dir, 'usr/share/gocode'),
    label: `go ${compiler.version} (${compiler.name}) with ${pins.length - 1} Debian Go packages`,
  };
  if (await exists(dir)) return tc;
  await ensureDownloaded(pins);
  await verify(pins);
  await fs.mkdir(BUILT_DIR, { recursive: true });
  const work = await fs.mkdtemp(path.join(BUILT_DIR, '.toolchain-'));
  try {
    const t0 = Date.now();
    for (const p of pins) await unpackInto(p, work);
    const links = await rebaseLinks(work);
    await fs.rename(work, dir);
    info(
      `Go toolchain unpacked: ${pins.length} packages in ${((Date.now() - t0) / 1000).toFixed(0)}s (${links} links rebased)`,
    );
    return tc;
  } catch (e) {
    await fs.rm(work, { recursive: true, force: true });
    throw e;
  }
}
