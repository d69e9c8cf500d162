// A stopped machine's saved memory: what `berth down` leaves so that the next `up` resumes the
// VM where it was (about a second) instead of booting it (several seconds under emulation).
//
// Saved memory is only good with the exact data disk, image, QEMU and device set it was taken
// with: resuming it over a disk that changed since would hand the guest a filesystem that no
// longer matches its caches, and corrupt it. So what it fits is written down next to it (the
// "fit": a hash of QEMU, its argv with the per-start ports left out, the image files and the
// guest config; and the disk's size and modification time once QEMU let go of it), and anything
// that does not match exactly is thrown away for a fresh boot. The guest synced its disk before
// it was saved, so a fresh boot loses nothing of what was written.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { machineFile } from '../../base/machine-files';

export interface SavedVmFiles {
  /** QEMU's migration stream: guest memory and device state. */
  state: string;
  /** The stream while QEMU is still writing it; never resumed. */
  partial: string;
  /** SavedVmMeta as JSON. Written after the stream is whole; removed before a resume starts. */
  meta: string;
}

export function savedVmFiles(dir: string, p: path.PlatformPath = path): SavedVmFiles {
  return {
    state: machineFile(dir, 'savedState', p),
    partial: machineFile(dir, 'savedPartial', p),
    meta: machineFile(dir, 'savedMeta', p),
  };
}

export interface DiskStamp {
  size: number;
  mtimeMs: number;
}

export interface SavedVmMeta {
  version: 1;
  /** fitOf() of the QEMU launch whose memory this is. */
  fit: string;
  /** The data disk as QEMU left it. */
  disk: DiskStamp;
  savedAt: string;
  bytes: number;
}

/** What a QEMU launch is made of, for fitOf(). */
export interface FitInput {
  program: string;
  qemuVersion?: string;
  accel: string;
  args: string[];
  /** Kernel, initramfs and root: big, and only ever replaced, so their size and time stand for them. */
  images: string[];
  /** The files handed to the guest (fw_cfg): small, rewritten at every start, so their bytes count. */
  configs: string[];
}

/**
 * One hash for everything a saved VM must find unchanged. The SSH and engine ports are picked
 * afresh at each start and are host-side only (QEMU's user networking), so they are left out.
 */
export function fitOf(input: FitInput): string {
  const args = input.args
    .filter((a, i, all) => !(a === '-incoming' || all[i - 1] === '-incoming'))
    .map((a) => a.replace(/hostfwd=tcp:127\.0\.0\.1:\d+-:/g, 'hostfwd=tcp:127.0.0.1:0-:'));
  const h = createHash('sha256');
  h.update(JSON.stringify({ program: input.program, qemuVersion: input.qemuVersion ?? '', accel: input.accel, args }));
  for (const f of input.images) {
    const st = statOrUndefined(f);
    h.update(`\0${f}\0${st ? `${st.size}:${st.mtimeMs}` : 'missing'}`);
  }
  for (const f of input.configs) h.update(`\0${f}\0`).update(readOrEmpty(f));
  return h.digest('hex');
}

export async function diskStamp(file: string): Promise<DiskStamp> {
  const st = await stat(file);
  return { size: st.size, mtimeMs: st.mtimeMs };
}

/** Why the saved VM cannot be resumed now, or undefined when it can. */
export function unfit(meta: SavedVmMeta | undefined, fit: string, disk: DiskStamp | undefined): string | undefined {
  if (!meta || meta.version !== 1) return 'its description is missing or unreadable';
  if (meta.fit !== fit) return 'the VM image, QEMU or the machine settings changed since it was stopped';
  if (!disk || disk.size !== meta.disk.size || disk.mtimeMs !== meta.disk.mtimeMs)
    return 'the data disk changed since it was stopped';
  return undefined;
}

export function readSavedMeta(files: SavedVmFiles): SavedVmMeta | undefined {
  if (!existsSync(files.state)) return undefined;
  try {
    return JSON.parse(readFileSync(files.meta, 'utf8')) as SavedVmMeta;
  } catch {
    return undefined;
  }
}

/** Makes a whole stream the saved VM: the description first, so a stream is never there without it. */
export async function commitSaved(files: SavedVmFiles, meta: SavedVmMeta): Promise<void> {
  const tmp = `${files.meta}.tmp`;
  await writeFile(tmp, JSON.stringify(meta, null, 2) + '\n', { mode: 0o600 });
  await rename(tmp, files.meta);
  await rename(files.partial, files.state);
}

export async function discardSaved(files: SavedVmFiles): Promise<void> {
  // The description goes first: without it what is left is never resumed.
  await rm(files.meta, { force: true });
  await rm(`${files.meta}.tmp`, { force: true });
  await rm(files.partial, { force: true });
  await rm(files.state, { force: true });
}

/** A path as one argument of /bin/sh (QEMU runs exec: migration URIs with sh -c). */
export function shellQuote(p: string): string {
  return `'${p.replace(/'/g, `'\\''`)}'`;
}

function readOrEmpty(f: string): Buffer {
  try {
    return readFileSync(f);
  } catch {
    return Buffer.alloc(0);
  }
}

function statOrUndefined(f: string): { size: number; mtimeMs: number } | undefined {
  try {
    return statSync(f);
  } catch {
    return undefined;
  }
}
