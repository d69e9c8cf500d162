// Small filesystem helpers for assembling trees.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** Map a Debian path onto the merged-/usr layout the root uses (/bin -> /usr/bin and so on). */
export function mergedUsr(p: string): string {
  return p.replace(/^\/(bin|sbin|lib|lib64)(\/|$)/, '/usr/$1$2');
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

/** Copy a regular file keeping its permission bits, creating parent directories. */
export async function copyFileMode(src: string, dst: string): Promise<void> {
  await fs.mkdir(path.dirname(dst), { recursive: true });
  const st = await fs.stat(src);
  // Remove first: copying onto an existing symlink (e.g. a busybox applet link) would write through it.
  await fs.rm(dst, { force: true });
  await fs.copyFile(src, dst);
  await fs.chmod(dst, st.mode & 0o7777);
}

export async function symlinkForce(target: string, at: string): Promise<void> {
  await fs.mkdir(path.dirname(at), { recursive: true });
  await fs.rm(at, { force: true });
  await fs.symlink(target, at);
}

/** Copy a directory tree, keeping symlinks as symlinks and file modes. */
export async function copyTree(src: string, dst: string): Promise<void> {
  await fs.mkdir(dst, { recursive: true });
  for (const e of await fs.readdir(src, { withFileTypes: true })) {
    const s = path.join(src, e.name);
    const d = path.join(dst, e.name);
    if (e.isDirectory()) await copyTree(s, d);
    else if (e.isSymbolicLink()) await symlinkForce(await fs.readlink(s), d);
    else await copyFileMode(s, d);
  }
}

/** Every regular file under dir (absolute paths). */
export async function walkFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walkFiles(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

export async function dirSize(dir: string): Promise<number> {
  let total = 0;
  for (const f of await walkFiles(dir)) total += (await fs.stat(f)).size;
  return total;
}
