// busybox's applet list (`busybox --list-full`), which the root's and the initramfs's applet links
// are made from. The build host cannot run another architecture's busybox, so for aarch64 the list
// comes from the amd64 busybox-static of the same Debian source version: Debian builds both from
// one configuration, so they have the same applets.
import * as path from 'node:path';
import { ensureDownloaded, unpack, verify } from './apt';
import type { Target } from './arch';
import { BUSYBOX } from './config';
import { run } from './exec';
import { BuildError } from './log';
import { HOST_DEBIAN_ARCH, Lock, readLock, refreshHint } from './pins';

export const BUSYBOX_PACKAGE = 'busybox-static';

/** A Debian version without its binNMU suffix (+bN): the same source and configuration. */
export function sourceVersion(debianVersion: string): string {
  return debianVersion.replace(/\+b\d+$/, '');
}

/** The host-runnable busybox for listing the applets of `lock`'s busybox. */
async function listingBusybox(lock: Lock, t: Target, targetBusybox: string): Promise<string> {
  if (t.debian === HOST_DEBIAN_ARCH) return targetBusybox;
  const want = lock.packages.find((p) => p.name === BUSYBOX_PACKAGE);
  const host = (await readLock(HOST_DEBIAN_ARCH)).packages.find((p) => p.name === BUSYBOX_PACKAGE);
  if (!want || !host || sourceVersion(want.version) !== sourceVersion(host.version))
    throw new BuildError(
      `the ${t.debian} and ${HOST_DEBIAN_ARCH} ${BUSYBOX_PACKAGE} pins must be of one source version ` +
        `(${want?.version ?? 'none'} vs ${host?.version ?? 'none'}): their applet lists are taken to be the same; ${refreshHint(t.debian)}`,
    );
  await ensureDownloaded([host]);
  await verify([host]);
  return path.join(await unpack(host), '.' + BUSYBOX);
}

/** `busybox --list-full` of the pinned busybox (e.g. usr/bin/ls, sbin/init), one per line. */
export async function busyboxApplets(lock: Lock, t: Target, targetBusybox: string): Promise<string[]> {
  const busybox = await listingBusybox(lock, t, targetBusybox);
  return (await run(busybox, ['--list-full'])).split('\n').filter(Boolean);
}
