// The host's disk full under the machine's data disk. When the data disk cannot grow, QEMU
// pauses the VM instead of failing the guest's write (a failed write would look to the guest's
// filesystem like a broken disk), and tries the write again when the VM goes on. Left alone
// the machine would hang for good: every docker command waiting, then a vague error. So the
// agent watches for that pause, tells the user what happened and what to do (the engine socket
// answers every request with it, `berth status` shows it), and lets the VM go on by itself once
// the host has space again; nothing written is lost.
import { statfs } from 'node:fs/promises';
import type { Driver } from '../driver/driver';
import type { VmSpec } from '../base/vm-types';
import { oneLine } from '../base/errors';

export interface HostDiskWatchDeps {
  driver: Driver;
  spec: VmSpec;
  /** The folder the data disk is in. */
  dir: string;
  /** The VM paused for want of space (message for the user), or went on again (undefined). */
  onChange: (message: string | undefined) => void;
  log: (msg: string) => void;
  everyMs?: number;
  /** Free space the VM is let go on with (it pauses again if that is not enough). */
  minFreeBytes?: number;
  freeBytes?: (dir: string) => Promise<number>;
}

const EVERY_MS = 2000;
const MIN_FREE_BYTES = 256 * 1024 * 1024;

async function hostFreeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

const mb = (bytes: number) => Math.floor(bytes / 1e6);

export function hostDiskFullMessage(dir: string, free: number, need: number): string {
  return (
    `The host's disk is full where the machine's folder is (${dir}, ${mb(free)} MB free): the VM is paused until ` +
    `there are at least ${mb(need)} MB free. Free some space there; the machine goes on by itself, nothing written is lost`
  );
}

/** Starts watching; returns how to stop. Without the driver's support it does nothing. */
export function watchHostDisk(d: HostDiskWatchDeps): () => void {
  const { driver, spec } = d;
  if (!driver.pausedForHostDiskFull || !driver.continueAfterHostDiskFull) return () => undefined;
  const need = d.minFreeBytes ?? MIN_FREE_BYTES;
  const freeBytes = d.freeBytes ?? hostFreeBytes;
  let paused = false;
  let busy = false;
  let lastError = '';
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const now = await driver.pausedForHostDiskFull!(spec);
      if (now) {
        const free = await freeBytes(d.dir);
        if (!paused) {
          paused = true;
          d.log(`the VM paused: a write to its data disk found the host's disk full (${mb(free)} MB free in ${d.dir})`);
          d.onChange(hostDiskFullMessage(d.dir, free, need));
        }
        if (free >= need) {
          d.log(`${mb(free)} MB free on the host now: the VM goes on`);
          await driver.continueAfterHostDiskFull!(spec);
        }
      } else if (paused) {
        paused = false;
        d.log('the VM runs again after the host disk was full');
        d.onChange(undefined);
      }
    } catch (e) {
      // The VM stopping, or QMP busy with another request: the next tick looks again.
      const msg = oneLine(e);
      if (msg !== lastError) d.log(`host disk watch: ${msg}`);
      lastError = msg;
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), d.everyMs ?? EVERY_MS);
  return () => clearInterval(timer);
}
