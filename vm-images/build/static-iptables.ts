// The guest's iptables: Debian's own iptables source package, at the pinned binary
// package's version, with Debian's patches, linked statically with its extensions
// built in. Why not the .deb: dockerd runs iptables ~100 times at every boot (and
// about ten times per published port). Debian's binary loads libc, libxtables,
// libip4tc, libip6tc and one dlopen'd .so per match; under emulation that loading
// was ~25 ms of each ~31 ms call. Static, a call takes ~5 ms: ~2.5 s less boot.
// For aarch64 it is cross-compiled with Debian 12's aarch64-linux-gnu toolchain (configure --host).
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Target } from './arch';
import { BUILT_DIR } from './config';
import { assertStatic } from './elf';
import { sourcePin, unpackSource } from './debsrc';
import { run, runCapture } from './exec';
import { exists } from './fsutil';
import { buildKey } from './hash';
import { BuildError, info } from './log';
import { Lock, REFRESH_HINT, SourcePin } from './pins';

export const IPTABLES = 'iptables';

/** Only the legacy backend dockerd 20.10 drives; no nftables, no optional libraries. */
const CONFIGURE = [
  '--disable-nftables',
  '--enable-static',
  '--disable-shared',
  '--disable-connlabel',
  '--disable-bpf-compiler',
  '--disable-nfsynproxy',
  '--disable-libipq',
];

/** The pinned iptables source, which must be the version of the pinned iptables package. */
export function iptablesSourcePin(lock: Lock): SourcePin {
  const bin = lock.packages.find((p) => p.name === IPTABLES);
  const src = sourcePin(lock, IPTABLES);
  if (!bin) throw new BuildError(`${IPTABLES} (package and source) must both be pinned; ${REFRESH_HINT}`);
  if (src.version !== bin.version)
    throw new BuildError(
      `${IPTABLES} source ${src.version} is not the pinned package version ${bin.version}; ${REFRESH_HINT}`,
    );
  return src;
}

/** A C toolchain is the one host need beyond apt: say which package gives it. */
async function needTools(t: Target): Promise<void> {
  const tools: [string, string][] = [
    ['make', 'build-essential'],
    ['patch', 'build-essential'],
    [`${t.toolPrefix}gcc`, t.toolPackage],
    [`${t.toolPrefix}strip`, t.toolPackage],
  ];
  for (const [tool, pkg] of tools) {
    const ok = await runCapture(tool, ['--version']).then(
      (r) => r.code === 0,
      () => false,
    );
    if (!ok) throw new BuildError(`building the guest's iptables needs ${tool}: apt-get install ${pkg}`);
  }
}

/** configure's arguments for the target: --host (and its compiler) when it is not the build host. */
export function configureArgs(t: Target): string[] {
  return [...CONFIGURE, ...(t.toolPrefix ? [`--host=${t.triplet}`, `CC=${t.toolPrefix}gcc`] : [])];
}

/**
 * Path of the static xtables-legacy-multi for this pin, built once and then kept in
 * cache/built/ under a name made of its inputs (so a rebuild of the image takes no time).
 */
export async function staticIptables(lock: Lock, t: Target): Promise<string> {
  const pin = iptablesSourcePin(lock);
  const configure = configureArgs(t);
  // The build code counts too: a change to how the source is unpacked or built is a rebuild.
  const key = await buildKey(JSON.stringify({ pin, configure }), ['static-iptables.ts', 'debsrc.ts']);
  const out = path.join(BUILT_DIR, `xtables-legacy-multi-${t.arch}-${pin.version}-${key}`);
  if (await exists(out)) {
    info(`static iptables ${pin.version} (${t.arch}) cached`);
    return out;
  }
  await needTools(t);
  await fs.mkdir(BUILT_DIR, { recursive: true });
  const work = await fs.mkdtemp(path.join(BUILT_DIR, '.build-'));
  try {
    await unpackSource(pin, work);
    await run('./configure', ['--quiet', ...configure], { cwd: work });
    const jobs = String(Math.max(1, os.cpus().length));
    await run('make', ['-s', '-j', jobs], { cwd: work });
    // The libraries are static already; libtool's -all-static makes the program static too.
    const bin = path.join(work, 'iptables/xtables-legacy-multi');
    await fs.rm(bin, { force: true });
    await run('make', ['-s', '-C', 'iptables', 'LDFLAGS=-all-static', 'xtables-legacy-multi'], { cwd: work });
    await run(`${t.toolPrefix}strip`, [bin]);
    await assertStatic(bin, 'the iptables build');
    await fs.copyFile(bin, `${out}.tmp`);
    await fs.chmod(`${out}.tmp`, 0o755);
    await fs.rename(`${out}.tmp`, out);
    info(`static iptables ${pin.version} (${t.arch}) built (${((await fs.stat(out)).size / 1048576).toFixed(1)} MiB)`);
    return out;
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}
