// The guest kernel: built from Debian's own kernel source package (the pinned linux-source-6.12 .deb,
// which carries the patched tree as a .tar.xz) with the options in kernel-config.ts, everything
// built in, for the target architecture (aarch64 with Debian 12's cross compiler). Why not Debian's linux-image: its vmlinuz is 8 MB because it carries drivers for any
// machine, and the ~55 modules the guest needed added ~7 MB to the root and initramfs plus a
// modprobe pass at every boot. Built once, then kept in cache/built/ under a name made of its inputs.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { debPath, ensureDownloaded, verify } from './apt';
import type { Target } from './arch';
import { BUILT_DIR, KERNEL_SOURCE } from './config';
import { run, runCapture } from './exec';
import { exists } from './fsutil';
import { buildKey } from './hash';
import { configMismatches, renderFragment } from './kconfig';
import { kernelOptions } from './kernel-config';
import { BuildError, info } from './log';
import { kernelPin, Lock, REFRESH_HINT } from './pins';

export interface GuestKernel {
  /** The kernel image (x86_64: the compressed bzImage; aarch64: the Image), booted as vmlinuz. */
  image: string;
  /** `make kernelrelease`, e.g. 6.1.192: the manifest's kernelVersion and the guest's `uname -r`. */
  release: string;
}

/** The kernel build's own files: a change to any of them is a new kernel. */
const KEY_SOURCES = ['kernel.ts', 'kernel-config.ts', 'kconfig.ts'];

/** make's ARCH and, for another architecture, the cross compiler's prefix. */
export function makeArgs(t: Target): string[] {
  return [`ARCH=${t.kernelArch}`, ...(t.toolPrefix ? [`CROSS_COMPILE=${t.toolPrefix}`] : [])];
}

/** What a from-scratch kernel build needs on the host, and the Debian package that gives it. */
const TOOLS: [string, string[], string][] = [
  ['gcc', ['--version'], 'build-essential'], // the host programs of the kernel build
  ['make', ['--version'], 'build-essential'],
  ['flex', ['--version'], 'flex'],
  ['bison', ['--version'], 'bison'],
  ['bc', ['--version'], 'bc'],
];
const HEADERS: [string, string][] = [
  ['/usr/include/gelf.h', 'libelf-dev'], // objtool
  ['/usr/include/openssl/opensslv.h', 'libssl-dev'], // scripts/ and certs/ host tools
];

async function needTools(t: Target): Promise<void> {
  const missing = new Set<string>();
  const tools = [...TOOLS];
  if (t.toolPrefix) tools.push([`${t.toolPrefix}gcc`, ['--version'], t.toolPackage]);
  for (const [tool, args, pkg] of tools) {
    const ok = await runCapture(tool, args).then(
      (r) => r.code === 0,
      () => false,
    );
    if (!ok) missing.add(pkg);
  }
  for (const [file, pkg] of HEADERS) if (!(await exists(file))) missing.add(pkg);
  if (missing.size) throw new BuildError(`building the guest kernel needs: apt-get install ${[...missing].join(' ')}`);
}

/** Cache key: the source .deb's digest, the option list, make's arguments and the code that builds and checks it. */
function cacheKey(sha256: string, t: Target): Promise<string> {
  const settings = [sha256, kernelOptions(t.arch).join('\n'), makeArgs(t).join(' '), t.kernelTarget];
  return buildKey(settings.join('\0'), KEY_SOURCES);
}

/** Unpack the source tree from the .deb: usr/src/linux-source-X.Y.tar.xz, one top directory. */
async function extractSource(deb: string, into: string): Promise<void> {
  const tarball = `./usr/src/${KERNEL_SOURCE}.tar.xz`;
  const script = 'set -o pipefail; dpkg-deb --fsys-tarfile "$1" | tar -xO "$2" | tar -xJ --strip-components=1 -C "$3"';
  await run('bash', ['-c', script, 'extract', deb, tarball, into]);
}

/** allnoconfig with our options forced, olddefconfig, then the check that each option held. */
async function configure(src: string, t: Target): Promise<void> {
  const fragment = path.join(src, 'berth.config');
  const options = kernelOptions(t.arch);
  await fs.writeFile(fragment, renderFragment(options));
  await run('make', ['-s', ...makeArgs(t), `KCONFIG_ALLCONFIG=${fragment}`, 'allnoconfig'], { cwd: src });
  await run('make', ['-s', ...makeArgs(t), 'olddefconfig'], { cwd: src });
  const bad = configMismatches(options, await fs.readFile(path.join(src, '.config'), 'utf8'));
  if (bad.length) {
    throw new BuildError(
      `kernel config: ${bad[0]}${
        bad.length > 1
          ? ` (and ${bad.length - 1} more: ${bad
              .slice(1)
              .map((b) => b.split(':')[0])
              .join(', ')})`
          : ''
      }; fix vm-images/build/kernel-config.ts`,
    );
  }
}

/**
 * The guest kernel for the pinned source: from cache/built/ if these inputs were built before,
 * else built now (several minutes on 2 cores; see vm-images/README.md).
 */
export async function guestKernel(lock: Lock, t: Target): Promise<GuestKernel> {
  const pin = kernelPin(lock);
  if (pin.name !== KERNEL_SOURCE)
    throw new BuildError(`the pinned kernel is ${pin.name}, expected ${KERNEL_SOURCE}; ${REFRESH_HINT}`);
  const dir = path.join(BUILT_DIR, `kernel-${t.arch}-${pin.version}-${await cacheKey(pin.sha256, t)}`);
  const cached = { image: path.join(dir, t.kernelTarget), release: path.join(dir, 'release') };
  if ((await exists(cached.image)) && (await exists(cached.release))) {
    const release = (await fs.readFile(cached.release, 'utf8')).trim();
    info(`kernel ${release} (${t.arch}) cached`);
    return { image: cached.image, release };
  }
  await needTools(t);
  await ensureDownloaded([pin]);
  await verify([pin]);
  await fs.mkdir(BUILT_DIR, { recursive: true });
  const work = await fs.mkdtemp(path.join(BUILT_DIR, '.kernel-'));
  try {
    const src = path.join(work, 'src');
    await fs.mkdir(src);
    const t0 = Date.now();
    await extractSource(debPath(pin), src);
    await configure(src, t);
    const jobs = String(Math.max(1, os.cpus().length));
    const checked = kernelOptions(t.arch).length;
    info(`kernel ${pin.version} (${t.arch}): configured (${checked} options checked), building with make -j${jobs}`);
    // A fixed build user, host and date: the same inputs give the same `uname -v`.
    const env = {
      ...process.env,
      KBUILD_BUILD_USER: 'berth',
      KBUILD_BUILD_HOST: 'berth',
      KBUILD_BUILD_TIMESTAMP: `Debian ${pin.version}`,
    };
    await run('make', ['-s', `-j${jobs}`, ...makeArgs(t), t.kernelTarget], { cwd: src, env });
    const release = (await run('make', ['-s', ...makeArgs(t), 'kernelrelease'], { cwd: src })).trim();
    const out = path.join(work, 'out');
    await fs.mkdir(out);
    await fs.copyFile(path.join(src, t.kernelImage), path.join(out, t.kernelTarget));
    await fs.writeFile(path.join(out, 'release'), release + '\n');
    await fs.rename(out, dir);
    const size = (await fs.stat(cached.image)).size;
    info(`kernel ${release} built in ${((Date.now() - t0) / 1000).toFixed(0)}s (${(size / 1048576).toFixed(1)} MiB)`);
    return { image: cached.image, release };
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}
