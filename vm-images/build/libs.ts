// Shared-library closure from ELF DT_NEEDED entries: which library files (from which pinned
// packages) the binaries in the root need. `apt-cache depends` is not used for this because it
// both misses libraries and lists alternatives that are not wanted.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { mergedUsr } from './fsutil';
import { readElfDeps } from './elf';
import { BuildError } from './log';

/** Where the dynamic linker looks (Debian's multiarch system paths), relative to a package root. */
export function libDirs(triplet: string): string[] {
  return [`lib/${triplet}`, `usr/lib/${triplet}`, 'lib64', 'usr/lib64', 'lib', 'usr/lib'];
}

export interface Provider {
  pkg: string;
  root: string; // unpacked package directory
}

export interface ResolvedLib {
  soname: string;
  pkg: string;
  file: string; // the real file (symlinks followed inside the package)
}

/** Follow symlinks inside one unpacked package (absolute targets are relative to its root). */
async function realInPackage(root: string, rel: string): Promise<string | undefined> {
  let cur = path.join(root, rel);
  for (let i = 0; i < 10; i++) {
    let st;
    try {
      st = await fs.lstat(cur);
    } catch {
      return undefined;
    }
    if (!st.isSymbolicLink()) return st.isFile() ? cur : undefined;
    const t = await fs.readlink(cur);
    cur = t.startsWith('/') ? path.join(root, t) : path.resolve(path.dirname(cur), t);
  }
  return undefined;
}

export class LibraryIndex {
  private readonly cache = new Map<string, ResolvedLib | null>();

  private readonly dirs: string[];

  /** providers in order of preference (the first one holding a soname wins); triplet: the multiarch one. */
  constructor(
    triplet: string,
    private readonly providers: Provider[],
  ) {
    this.dirs = libDirs(triplet);
  }

  async find(soname: string): Promise<ResolvedLib | undefined> {
    if (!this.cache.has(soname)) {
      let hit: ResolvedLib | null = null;
      outer: for (const p of this.providers) {
        for (const d of this.dirs) {
          const file = await realInPackage(p.root, path.join(d, soname));
          if (file) {
            hit = { soname, pkg: p.pkg, file };
            break outer;
          }
        }
      }
      this.cache.set(soname, hit);
    }
    return this.cache.get(soname) ?? undefined;
  }

  /** The file a PT_INTERP path (e.g. /lib64/ld-linux-x86-64.so.2) names, in some package. */
  async findPath(abs: string): Promise<ResolvedLib | undefined> {
    // Merged-/usr packages (trixie's libc6) ship /lib64/... as /usr/lib64/...
    const rels = [abs.replace(/^\/+/, ''), mergedUsr(abs).replace(/^\/+/, '')];
    for (const p of this.providers) {
      for (const rel of rels) {
        const file = await realInPackage(p.root, rel);
        if (file) return { soname: path.basename(abs), pkg: p.pkg, file };
      }
    }
    return undefined;
  }
}

export interface Closure {
  libs: ResolvedLib[];
  interps: Map<string, ResolvedLib>; // PT_INTERP path -> file
  /** soname -> the binaries that need it but no package provides it */
  missing: Map<string, string[]>;
}

/** Transitive DT_NEEDED closure of the given ELF files. */
export async function resolveClosure(
  elfFiles: string[],
  index: LibraryIndex,
  label: (f: string) => string = (f) => f,
): Promise<Closure> {
  const libs = new Map<string, ResolvedLib>();
  const interps = new Map<string, ResolvedLib>();
  const missing = new Map<string, string[]>();
  const queue = [...elfFiles];
  const seen = new Set<string>();
  while (queue.length) {
    const f = queue.shift()!;
    if (seen.has(f)) continue;
    seen.add(f);
    const info = await readElfDeps(f);
    if (info.interp && !interps.has(info.interp)) {
      const hit = await index.findPath(info.interp);
      if (!hit) missing.set(info.interp, [...(missing.get(info.interp) ?? []), label(f)]);
      else {
        interps.set(info.interp, hit);
        queue.push(hit.file);
      }
    }
    for (const so of info.needed) {
      if (libs.has(so)) continue;
      const hit = await index.find(so);
      if (!hit) {
        missing.set(so, [...(missing.get(so) ?? []), label(f)]);
        continue;
      }
      libs.set(so, hit);
      queue.push(hit.file);
    }
  }
  return { libs: [...libs.values()].sort((a, b) => a.soname.localeCompare(b.soname)), interps, missing };
}

export function failOnMissing(c: Closure, hint: string): void {
  if (!c.missing.size) return;
  const list = [...c.missing.entries()].map(([so, by]) => `${so} (needed by ${by.slice(0, 3).join(', ')})`).join('; ');
  throw new BuildError(`missing shared libraries: ${list}; ${hint}`);
}
