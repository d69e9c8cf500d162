// sha256 helpers: artifact digests and the inputs hash that decides whether a rebuild is needed.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { BUILD_SRC_DIR } from './config';

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

/** Every regular file under dir (sorted, relative paths), following no symlinks. */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(rel: string): Promise<void> {
    const entries = await fs.readdir(path.join(dir, rel), { withFileTypes: true });
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else out.push(r);
    }
  }
  await walk('');
  return out.sort();
}

/**
 * Hash of everything that determines the image: for each (label, dir) every file's relative path,
 * mode (the executable bit matters for guest scripts) and content, plus extra strings.
 */
export async function hashInputs(
  dirs: { label: string; dir: string; filter?: (rel: string) => boolean }[],
  extra: string[],
): Promise<string> {
  const h = createHash('sha256');
  for (const { label, dir, filter } of dirs) {
    for (const rel of await listFiles(dir)) {
      if (filter && !filter(rel)) continue;
      const full = path.join(dir, rel);
      const st = await fs.lstat(full);
      h.update(`${label}/${rel}\0${st.mode & 0o777}\0`);
      h.update(st.isSymbolicLink() ? await fs.readlink(full) : await fs.readFile(full));
      h.update('\0');
    }
  }
  for (const e of extra) h.update(`extra\0${e}\0`);
  return h.digest('hex');
}

/**
 * The cache key of something the build compiles (kernel, iptables, engine): its settings and the
 * build files (under vm-images/build) that make it, so that a change to any of them is a rebuild.
 */
export async function buildKey(settings: string, buildFiles: string[]): Promise<string> {
  const h = createHash('sha256').update(settings);
  for (const f of buildFiles) h.update(await fs.readFile(path.join(BUILD_SRC_DIR, f))).update('\0');
  return h.digest('hex').slice(0, 16);
}
