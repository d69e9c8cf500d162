// Assembling the root filesystem tree (later packed into rootfs.squashfs).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GUEST_DIR, ROOT_LINKS, ROOT_PICKS } from './config';
import { elfMachine, isElf } from './elf';
import { copyFileMode, copyTree, exists, mergedUsr, symlinkForce, walkFiles } from './fsutil';
import { failOnMissing, LibraryIndex, resolveClosure } from './libs';
import { BuildError, info } from './log';
import { REFRESH_HINT } from './pins';

/** The skeleton: merged /usr, mount points, /var/run -> /run. */
async function skeleton(root: string, triplet: string): Promise<void> {
  for (const d of [
    'usr/bin',
    'usr/sbin',
    `usr/lib/${triplet}`,
    'usr/lib64',
    'etc',
    'dev',
    'proc',
    'sys',
    'run',
    'var/lib',
    'var/log',
    'mnt/data',
    'root',
    'home',
  ]) {
    await fs.mkdir(path.join(root, d), { recursive: true });
  }
  for (const d of ['bin', 'sbin', 'lib', 'lib64']) await fs.symlink(`usr/${d}`, path.join(root, d));
  await fs.symlink('../run', path.join(root, 'var/run'));
  await fs.mkdir(path.join(root, 'tmp'), { mode: 0o1777 });
  await fs.chmod(path.join(root, 'tmp'), 0o1777);
  await fs.mkdir(path.join(root, 'var/tmp'));
  await fs.chmod(path.join(root, 'var/tmp'), 0o1777);
  await fs.chmod(path.join(root, 'root'), 0o700);
}

async function realFileIn(pkgRoot: string, rel: string): Promise<string> {
  const p = path.join(pkgRoot, rel);
  const real = await fs.realpath(p).catch(() => undefined);
  // realpath follows absolute links onto the host; resolve those inside the package instead. The
  // package's own folder is compared resolved too: the cache may sit behind a link.
  const rootReal = await fs.realpath(pkgRoot);
  if (real && real.startsWith(rootReal + path.sep)) return real;
  const t = await fs.readlink(p).catch(() => undefined);
  if (t?.startsWith('/')) return realFileIn(pkgRoot, t);
  throw new BuildError(`${rel} not found in its package (${pkgRoot})`);
}

export interface RootInputs {
  root: string;
  pkgRoots: Map<string, string>; // package name -> unpacked dir
  libraryProviders: string[]; // pinned package names, in preference order
  /** Package-like roots whose libraries win over every package's (our stubs, stub-libs.ts). */
  libraryOverrides?: string[];
  /** busybox's applets as `busybox --list-full` prints them (usr/bin/ls, ...): linked to /usr/bin/busybox. */
  applets: string[];
  /** Debian's multiarch triplet of the root (x86_64-linux-gnu, aarch64-linux-gnu): its library folder. */
  triplet: string;
  /** ELF e_machine every program and library in the root must have. */
  elfMachine: number;
  /** Programs the build compiled (host path -> path in the root), e.g. the static iptables. */
  built?: { file: string; at: string }[];
}

export async function buildRoot(inp: RootInputs): Promise<{ libs: number; libPackages: Set<string> }> {
  const { root, pkgRoots } = inp;
  await skeleton(root, inp.triplet);
  const pkg = (name: string) => {
    const r = pkgRoots.get(name);
    if (!r) throw new BuildError(`package ${name} is not in the pinned list; ${REFRESH_HINT}`);
    return r;
  };

  for (const pick of ROOT_PICKS) {
    const src = path.join(pkg(pick.pkg), pick.from);
    const dst = path.join(root, mergedUsr(pick.to ?? pick.from));
    if (pick.tree) await copyTree(src, dst);
    else await copyFileMode(await realFileIn(pkg(pick.pkg), pick.from), dst);
  }
  for (const b of inp.built ?? []) await copyFileMode(b.file, path.join(root, mergedUsr(b.at)));
  for (const [at, target] of ROOT_LINKS) await symlinkForce(target, path.join(root, at));

  // busybox applet links, except where a real program of that name is installed.
  let linked = 0;
  for (const a of inp.applets) {
    const at = mergedUsr('/' + a);
    const name = path.basename(at);
    if ((await exists(path.join(root, 'usr/bin', name))) || (await exists(path.join(root, 'usr/sbin', name)))) continue;
    await symlinkForce('/usr/bin/busybox', path.join(root, at));
    linked++;
  }
  info(`${linked} busybox applet links`);

  // CA bundle as update-ca-certificates would make it (Go reads /etc/ssl/certs/ca-certificates.crt).
  const caDir = path.join(pkg('ca-certificates'), 'usr/share/ca-certificates/mozilla');
  const certs = (await fs.readdir(caDir)).filter((f) => f.endsWith('.crt')).sort();
  const bundle = await Promise.all(certs.map((c) => fs.readFile(path.join(caDir, c), 'utf8')));
  await fs.mkdir(path.join(root, 'etc/ssl/certs'), { recursive: true });
  await fs.writeFile(
    path.join(root, 'etc/ssl/certs/ca-certificates.crt'),
    bundle.map((b) => b.trimEnd() + '\n').join(''),
  );
  info(`${certs.length} CA certificates`);

  // Our own files (init scripts, configs) go over the package files.
  await copyTree(path.join(GUEST_DIR, 'rootfs'), root);
  await fs.chmod(path.join(root, 'etc/shadow'), 0o600);

  // Shared libraries of every ELF file now in the root.
  const elfs: string[] = [];
  for (const f of await walkFiles(root)) if (await isElf(f)) elfs.push(f);
  // A program for the wrong CPU (a host-compiled one in a cross build) would only fail at boot.
  for (const f of elfs)
    if ((await elfMachine(f)) !== inp.elfMachine)
      throw new BuildError(
        `/${path.relative(root, f)} is not code for this image's CPU (ELF machine ${await elfMachine(f)}, want ${inp.elfMachine})`,
      );
  const index = new LibraryIndex(inp.triplet, [
    ...(inp.libraryOverrides ?? []).map((root) => ({ pkg: 'berth-stub', root })),
    ...inp.libraryProviders.map((p) => ({ pkg: p, root: pkg(p) })),
  ]);
  const closure = await resolveClosure(elfs, index, (f) => '/' + path.relative(root, f));
  failOnMissing(closure, `add the package that provides it to the pins (${REFRESH_HINT})`);
  const placed = new Map<string, string>(); // real file -> where it was copied
  for (const lib of closure.libs) {
    const dst = path.join('/usr/lib', inp.triplet, lib.soname);
    await copyFileMode(lib.file, path.join(root, dst));
    placed.set(lib.file, dst);
  }
  for (const [interp, lib] of closure.interps) {
    const at = path.join(root, mergedUsr(interp));
    const same = placed.get(lib.file);
    if (same) await symlinkForce(path.relative(path.dirname(mergedUsr(interp)), same), at);
    else await copyFileMode(lib.file, at);
  }
  info(`${closure.libs.length} shared libraries from ${new Set(closure.libs.map((l) => l.pkg)).size} packages`);

  return { libs: closure.libs.length, libPackages: new Set(closure.libs.map((l) => l.pkg)) };
}
