// Kernel modules: the dependency closure of the modules we name (from each module's .modinfo
// "depends="), copied into a target tree, with modules.dep made by busybox's depmod so that
// modprobe works in the guest (there is no udev; the boot scripts load modules explicitly and the
// kernel's own request_module() falls back to /sbin/modprobe).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readModinfo } from './elf';
import { run } from './exec';
import { BuildError } from './log';

export interface KernelTree {
  version: string;
  /** <unpacked linux-image>/lib/modules/<version> */
  modulesDir: string;
  vmlinuz: string;
  /** module name (underscores) -> path relative to modulesDir */
  byName: Map<string, string>;
}

export function modName(file: string): string {
  return path.basename(file).replace(/\.ko(\.xz|\.zst|\.gz)?$/, '').replace(/-/g, '_');
}

export async function openKernel(pkgRoot: string): Promise<KernelTree> {
  const versions = await fs.readdir(path.join(pkgRoot, 'lib/modules'));
  if (versions.length !== 1) throw new BuildError(`expected one kernel in the linux-image package, found: ${versions.join(', ')}`);
  const version = versions[0];
  const modulesDir = path.join(pkgRoot, 'lib/modules', version);
  const byName = new Map<string, string>();
  async function walk(rel: string): Promise<void> {
    for (const e of await fs.readdir(path.join(modulesDir, rel), { withFileTypes: true })) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(r);
      else if (/\.ko(\.xz|\.zst|\.gz)?$/.test(e.name)) byName.set(modName(e.name), r);
    }
  }
  await walk('kernel');
  return { version, modulesDir, vmlinuz: path.join(pkgRoot, 'boot', `vmlinuz-${version}`), byName };
}

/** The named modules plus everything they depend on (relative paths). Fails naming an unknown module. */
export async function moduleClosure(k: KernelTree, names: string[]): Promise<string[]> {
  const out = new Set<string>();
  const queue = names.map((n) => n.replace(/-/g, '_'));
  while (queue.length) {
    const n = queue.shift()!;
    const rel = k.byName.get(n);
    if (!rel) throw new BuildError(`kernel ${k.version} has no module ${n} (built in? then drop it from the module lists)`);
    if (out.has(rel)) continue;
    out.add(rel);
    for (const [key, val] of await readModinfo(path.join(k.modulesDir, rel))) {
      if (key === 'depends' && val) queue.push(...val.split(','));
    }
  }
  return [...out].sort();
}

/**
 * Copy modules into <root>/lib/modules/<version>/ and run depmod there.
 * busybox is the pinned busybox-static binary, run on the build host.
 */
export async function installModules(k: KernelTree, rels: string[], root: string, busybox: string): Promise<void> {
  const dest = path.join(root, 'usr/lib/modules', k.version);
  for (const rel of rels) {
    await fs.mkdir(path.dirname(path.join(dest, rel)), { recursive: true });
    await fs.copyFile(path.join(k.modulesDir, rel), path.join(dest, rel));
  }
  // modules.builtin lets modprobe tell "built in" from "missing" (e.g. for dockerd's modprobe calls).
  for (const f of ['modules.builtin', 'modules.order']) {
    await fs.copyFile(path.join(k.modulesDir, f), path.join(dest, f)).catch(() => undefined);
  }
  // depmod -b BASE looks in BASE/lib/modules/VERSION; give it that path even before /lib exists.
  const base = await fs.mkdtemp(path.join(root, '..', '.depmod-'));
  try {
    await fs.mkdir(path.join(base, 'lib'));
    await fs.symlink(path.join(root, 'usr/lib/modules'), path.join(base, 'lib/modules'));
    await run(busybox, ['depmod', '-b', base, k.version]);
  } finally {
    await fs.rm(base, { recursive: true, force: true });
  }
}
