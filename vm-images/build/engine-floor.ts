// The engine floor: what any VM running this engine needs at least, to compare Berth's fresh boot
// against. The image's own kernel and the image's own engine programs (dockerd, containerd and its
// shim, runc, docker-init, docker-proxy, iptables, busybox, the libraries they load and containerd's
// config), taken out of the built rootfs.squashfs, in one uncompressed initramfs (nothing to
// decompress: the programs are in RAM when the kernel starts init). A busybox /init mounts what
// dockerd needs, puts the engine's data on tmpfs and starts containerd, then dockerd listening on
// TCP port ENGINE_FLOOR_PORT, which QEMU forwards to the host: no disk, no SSH, no configuration.
// The kernel has every driver built in (kernel-config.ts), so there are no modules to load.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Arch, target, Target } from './arch';
import { BUILD_SRC_DIR } from './config';
import { writeCpio } from './cpio';
import { isElf, readElfDeps } from './elf';
import { run } from './exec';
import { exists } from './fsutil';
import { entriesFromDir } from './initramfs';
import { BuildError } from './log';

/** The guest port dockerd listens on in the engine floor (forward a host port to it). */
export const ENGINE_FLOOR_PORT = 2375;
/** Console markers of the floor's init, each followed by ` uptime=<s>`. */
export const ENGINE_FLOOR_MARKERS = { init: 'engine-floor: init', dockerd: 'engine-floor: dockerd' };

/** The engine's programs, looked up by name in the image's /usr/bin and /usr/sbin. */
const PROGRAMS = ['dockerd', 'containerd', 'containerd-shim-runc-v2', 'runc', 'docker-init', 'docker-proxy'];
const REQUIRED = ['dockerd', 'containerd', 'runc', 'busybox'];
/** iptables (dockerd runs it ~50 times at start): whichever multi-call binary the image has. */
const IPTABLES = ['xtables-legacy-multi', 'xtables-nft-multi'];
/** Small files from the image's /etc the engine reads (containerd's config: the same plugins off). */
const ETC = ['containerd', 'passwd', 'group', 'hosts', 'nsswitch.conf'];
const libDirs = (t: Target) => [`usr/lib/${t.triplet}`, 'usr/lib64', 'usr/lib'];

// The same order as Berth's stage 2 (containerd first, then the network, then dockerd with
// --containerd), minus everything that is Berth's: data disk, host config, sshd, acpid, markers.
const INIT = `#!/bin/sh
export PATH=/usr/sbin:/usr/bin
up() { read -r u _ </proc/uptime; echo "$1 uptime=$u"; }
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
up "${ENGINE_FLOOR_MARKERS.init}"
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /var/lib/docker /var/lib/containerd /tmp
mount -t tmpfs tmpfs /var/lib/docker
mount -t tmpfs tmpfs /var/lib/containerd
containerd --config /etc/containerd/config.toml >/run/containerd.log 2>&1 &
ip link set lo up
ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0
ip route add default via 10.0.2.2
echo "nameserver 10.0.2.3" >/etc/resolv.conf
up "${ENGINE_FLOOR_MARKERS.dockerd}"
listen-fd ${ENGINE_FLOOR_PORT} dockerd --containerd=/run/containerd/containerd.sock -H fd:// >/run/docker.log 2>&1 &
exec sleep 2147483647
`;

/** The file a path in the extracted root names, following links inside that root. */
async function resolveIn(root: string, rel: string, depth = 0): Promise<string | undefined> {
  const p = path.join(root, rel);
  const st = await fs.lstat(p).catch(() => undefined);
  if (!st) return undefined;
  if (!st.isSymbolicLink()) return rel;
  if (depth > 10) return undefined;
  const t = await fs.readlink(p);
  return resolveIn(root, t.startsWith('/') ? t.slice(1) : path.join(path.dirname(rel), t), depth + 1);
}

async function findProgram(root: string, name: string): Promise<string | undefined> {
  for (const dir of ['usr/sbin', 'usr/bin', 'sbin', 'bin']) {
    const rel = await resolveIn(root, path.join(dir, name));
    if (rel) return rel;
  }
  return undefined;
}

/** A library by soname (or an interpreter by absolute path) in the extracted root. */
async function findLib(root: string, name: string, t: Target): Promise<string | undefined> {
  if (name.startsWith('/')) return resolveIn(root, name.slice(1));
  for (const d of libDirs(t)) {
    const rel = await resolveIn(root, path.join(d, name));
    if (rel) return rel;
  }
  return undefined;
}

/** Copies `rel` from the image's root into the stage at the same path. */
async function take(root: string, stage: string, rel: string): Promise<void> {
  await fs.mkdir(path.dirname(path.join(stage, rel)), { recursive: true });
  await fs.cp(path.join(root, rel), path.join(stage, rel), { recursive: true, verbatimSymlinks: true });
}

/** The programs, their shared libraries and the links to them, into the stage. */
async function takeEngine(root: string, stage: string, t: Target): Promise<void> {
  const found = new Map<string, string>();
  for (const name of [...PROGRAMS, 'busybox']) {
    const rel = await findProgram(root, name);
    if (rel) found.set(name, rel);
    else if (REQUIRED.includes(name)) throw new BuildError(`engine floor: the image has no ${name}`);
  }
  const ipt = (await Promise.all(IPTABLES.map((n) => findProgram(root, n)))).find(Boolean);
  if (!ipt) throw new BuildError('engine floor: the image has no iptables');
  const files = new Set([...found.values(), ipt]);
  // Shared-library closure, by DT_NEEDED and PT_INTERP.
  const todo = [...files];
  while (todo.length) {
    const rel = todo.pop()!;
    if (!(await isElf(path.join(root, rel)))) continue;
    const deps = await readElfDeps(path.join(root, rel));
    for (const n of [...deps.needed, ...(deps.interp ? [deps.interp] : [])]) {
      const lib = await findLib(root, n, t);
      if (!lib) throw new BuildError(`engine floor: ${rel} needs ${n}, which the image does not have`);
      if (files.has(lib)) continue;
      files.add(lib);
      todo.push(lib);
    }
  }
  for (const f of files) await take(root, stage, f);
  // Every link in the program folders that leads to a file taken (busybox applets, iptables,
  // runc's /usr/bin link), and the links the libraries and interpreter are reached through.
  for (const dir of ['usr/bin', 'usr/sbin', ...libDirs(t)]) {
    for (const e of await fs.readdir(path.join(root, dir), { withFileTypes: true }).catch(() => [])) {
      const rel = path.join(dir, e.name);
      if (!e.isSymbolicLink() || (await exists(path.join(stage, rel)))) continue;
      const target = await resolveIn(root, rel);
      if (target && files.has(target)) await take(root, stage, rel);
    }
  }
}

/** The launcher, static, compiled for the image's CPU (the host's cc, or the aarch64 cross gcc). */
async function listenFd(out: string, t: Target): Promise<void> {
  const src = path.join(BUILD_SRC_DIR, 'listen-fd.c');
  await run(t.toolPrefix ? `${t.toolPrefix}gcc` : 'cc', ['-static', '-Os', '-o', out, src]);
}

/** The image's architecture, from its manifest (an image made before there was a choice is x86_64). */
async function imageArch(imageDir: string): Promise<Arch> {
  const text = await fs.readFile(path.join(imageDir, 'manifest.json'), 'utf8').catch(() => '{}');
  return (JSON.parse(text) as { arch?: Arch }).arch ?? 'x86_64';
}

/** Key of what the floor is made of: the image's root, this code, the launcher's source. */
async function floorKey(squashfs: string): Promise<string> {
  const h = createHash('sha256');
  h.update(await fs.readFile(squashfs));
  h.update(await fs.readFile(__filename));
  h.update(await fs.readFile(path.join(BUILD_SRC_DIR, 'listen-fd.c')));
  return h.digest('hex');
}

/**
 * Writes engine-floor-initrd.img into outDir from the image in imageDir (rootfs.squashfs), unless
 * one made from the same root and code is there. Needs unsquashfs and a C compiler (static libc).
 */
export async function buildEngineFloorInitramfs(imageDir: string, outDir: string): Promise<string> {
  const squashfs = path.join(imageDir, 'rootfs.squashfs');
  const initrd = path.join(outDir, 'engine-floor-initrd.img');
  const keyFile = initrd + '.key';
  const key = await floorKey(squashfs);
  if ((await fs.readFile(keyFile, 'utf8').catch(() => '')) === key && (await exists(initrd))) return initrd;

  const t = target(await imageArch(imageDir));
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'engine-floor-'));
  try {
    const root = path.join(work, 'root');
    const stage = path.join(work, 'stage');
    await run('unsquashfs', ['-q', '-n', '-d', root, squashfs]);
    for (const d of ['dev', 'proc', 'sys', 'run', 'tmp', 'etc', 'var/lib', 'usr/bin'])
      await fs.mkdir(path.join(stage, d), { recursive: true });
    // The merged-/usr links and /var/run, as in the image.
    for (const l of ['bin', 'sbin', 'lib', 'lib64', 'var/run'])
      if ((await fs.lstat(path.join(root, l)).catch(() => undefined))?.isSymbolicLink()) await take(root, stage, l);
    await takeEngine(root, stage, t);
    for (const e of ETC) if (await exists(path.join(root, 'etc', e))) await take(root, stage, path.join('etc', e));
    await listenFd(path.join(stage, 'usr/bin/listen-fd'), t);
    await fs.writeFile(path.join(stage, 'init'), INIT, { mode: 0o755 });
    const entries = await entriesFromDir(stage);
    entries.push({ kind: 'chardev', path: 'dev/console', major: 5, minor: 1 });
    await fs.mkdir(outDir, { recursive: true });
    // Uncompressed: the kernel only copies it into its tmpfs root.
    await fs.writeFile(initrd + '.tmp', writeCpio(entries));
    await fs.rename(initrd + '.tmp', initrd);
    await fs.writeFile(keyFile, key);
    return initrd;
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}
