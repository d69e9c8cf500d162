// From the pinned list to unpacked package trees: download (cached), verify, unpack.
import { ensureDownloaded, unpack, verify } from './apt';
import { BuildError, StepTimer } from './log';
import { KernelTree, openKernel } from './modules';
import { kernelPin, Lock, Pin, readLock } from './pins';

export interface Prepared {
  lock: Lock;
  /** package name -> unpacked directory */
  roots: Map<string, string>;
  kernel: KernelTree;
}

/** `only` limits the work to some packages ('kernel' names the pinned kernel package). */
export async function preparePackages(opts: { timer?: StepTimer; only?: string[] } = {}): Promise<Prepared> {
  const timer = opts.timer ?? new StepTimer();
  const lock = await readLock();
  const kpin = kernelPin(lock);
  let pins: Pin[] = lock.packages;
  if (opts.only) {
    pins = pins.filter((p) => opts.only!.includes(p.name) || (p.role === 'kernel' && opts.only!.includes('kernel')));
    const missing = opts.only.filter((n) => n !== 'kernel' && !pins.some((p) => p.name === n));
    if (missing.length) throw new BuildError(`not in the pinned list: ${missing.join(', ')}`);
  }
  await timer.step('download', () => ensureDownloaded(pins));
  await timer.step('verify', () => verify(pins));
  const roots = new Map<string, string>();
  await timer.step('unpack', async () => {
    // Unpack a few at a time: the kernel package dominates, the rest are small.
    const queue = [...pins].sort((a, b) => (a.role === 'kernel' ? -1 : b.role === 'kernel' ? 1 : 0));
    await Promise.all(
      Array.from({ length: 3 }, async () => {
        for (let p = queue.shift(); p; p = queue.shift()) roots.set(p.name, await unpack(p));
      }),
    );
  });
  const kdir = roots.get(kpin.name);
  if (!kdir) throw new BuildError('kernel package was not prepared');
  return { lock, roots, kernel: await openKernel(kdir) };
}
