// From the pinned list to unpacked package trees: download (cached), verify, unpack. The kernel's
// source package is not unpacked here: kernel.ts builds from its .deb, and only when not cached.
import { ensureDownloaded, unpack, verify } from './apt';
import type { Target } from './arch';
import { BuildError, StepTimer } from './log';
import { Lock, Pin, readLock } from './pins';

export interface Prepared {
  lock: Lock;
  /** package name -> unpacked directory (every pinned package but the kernel source) */
  roots: Map<string, string>;
}

/** The pinned packages of the target's architecture; `only` limits the work to some packages. */
export async function preparePackages(t: Target, opts: { timer?: StepTimer; only?: string[] } = {}): Promise<Prepared> {
  const timer = opts.timer ?? new StepTimer();
  const lock = await readLock(t.debian);
  let pins: Pin[] = lock.packages.filter((p) => p.role !== 'kernel');
  if (opts.only) {
    pins = pins.filter((p) => opts.only!.includes(p.name));
    const missing = opts.only.filter((n) => !pins.some((p) => p.name === n));
    if (missing.length) throw new BuildError(`not in the pinned list: ${missing.join(', ')}`);
  }
  await timer.step('download', () => ensureDownloaded(pins));
  await timer.step('verify', () => verify(pins));
  const roots = new Map<string, string>();
  await timer.step('unpack', async () => {
    // A few at a time: runc, openssh and e2fsprogs dominate, the rest are small.
    const queue = [...pins];
    await Promise.all(
      Array.from({ length: 3 }, async () => {
        for (let p = queue.shift(); p; p = queue.shift()) roots.set(p.name, await unpack(p));
      }),
    );
  });
  return { lock, roots };
}
