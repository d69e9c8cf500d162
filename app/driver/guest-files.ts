// What every driver hands the guest, under the same names: QEMU as fw_cfg entries (opt/berth/NAME),
// VirtualBox as files of its config disk (virtualbox/config-disk.ts). The guest's scripts read
// them by these names whichever way they came.
import { stat } from 'node:fs/promises';
import { coveredSystemFolder } from '../base/shares';
import type { SharedFolder, VmSpec } from '../base/vm-types';
import type { ProgressFn } from './driver';

/** The guest port a benchmark-only TCP dockerd listens on. */
export const ENGINE_TCP_GUEST_PORT = 2375;

/**
 * The guest port of the engine proxy, the Docker socket's direct path (guest/engine-proxy): it
 * requires the machine's secret first on each connection, then splices to the engine's socket.
 */
export const ENGINE_PROXY_GUEST_PORT = 2399;

/**
 * What the guest reads to mount the shares: "tag<TAB>guest path" a line. A backslash, tab or
 * newline in a path is written as /proc/mounts writes it (\134, \011, \012), so every path fits on
 * its line; the guest undoes it (etc/berth/common.sh unescape). Spaces, quotes and non-ASCII
 * letters go as they are (UTF-8).
 */
export function sharesTable(shares: SharedFolder[]): string {
  const escape = (p: string) => p.replace(/[\\\t\n]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
  return shares.map((s) => `${s.tag}\t${escape(s.guestPath)}\n`).join('');
}

/** The engine's direct path needs both its host port and its secret; without either there is none. */
export function hasDirectPath(spec: VmSpec): boolean {
  return spec.enginePort !== undefined && spec.guestConfig.engineSecret !== undefined;
}

/**
 * The guest's entries by name, with their exact bytes, as the QEMU driver passes them through
 * fw_cfg (qemu/argv.ts fwCfgArgs): strings without a newline, files as written.
 */
export function guestEntries(spec: VmSpec): [name: string, content: string][] {
  const g = spec.guestConfig;
  const entries: [string, string][] = [
    ['authorized_keys', g.authorizedKeys],
    ['hostname', g.hostname],
    ['daemon.json', g.daemonJson],
  ];
  if (spec.shares.length) entries.push(['shares', sharesTable(spec.shares)]);
  if (g.hostKey) entries.push(['ssh_host_key', g.hostKey]);
  if (g.engineTcp) entries.push(['engine-tcp', String(ENGINE_TCP_GUEST_PORT)]);
  if (hasDirectPath(spec))
    entries.push(['engine-proxy', String(ENGINE_PROXY_GUEST_PORT)], ['engine-proxy-secret', `${g.engineSecret}\n`]);
  return entries;
}

/**
 * The shared folders that can be shared now. A folder that is not there (an unplugged drive,
 * a renamed project) is left out with a note rather than keeping the machine from starting.
 */
export async function presentShares(spec: VmSpec, progress: ProgressFn): Promise<SharedFolder[]> {
  const present: SharedFolder[] = [];
  for (const share of spec.shares) {
    const covered = coveredSystemFolder(share.guestPath);
    if (covered) progress(`Shared folder ${share.hostPath} is not shared: it would hide the machine's own ${covered}`);
    else if (await isDirectory(share.hostPath)) present.push(share);
    else progress(`Shared folder ${share.hostPath} is not there: not shared this time`);
  }
  return present;
}

function isDirectory(p: string): Promise<boolean> {
  return stat(p).then(
    (st) => st.isDirectory(),
    () => false,
  );
}
