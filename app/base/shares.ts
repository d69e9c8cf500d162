// Shared folders: which host folders the machine sees, and where. A folder is mounted in the
// machine at the path it has on the host, so `docker run -v "$PWD":/src` works unchanged.
import * as os from 'node:os';
import * as path from 'node:path';
import type { SharedFolder } from './vm-types';

/**
 * The shares setting as folders: "~" is the home folder, paths are normalised, and the guest
 * path is the host path (a Windows drive path becomes /c/Users/..., as Docker Toolbox had it).
 */
export function sharedFolders(
  shares: string[],
  home = os.homedir(),
  platform: NodeJS.Platform = process.platform,
): SharedFolder[] {
  const p = platform === 'win32' ? path.win32 : path.posix;
  return shares.map((share, i) => {
    const expanded = share === '~' ? home : share.startsWith('~/') ? p.join(home, share.slice(2)) : share;
    const hostPath = p.normalize(expanded).replace(/(.)[\\/]+$/, '$1');
    const drive = /^([A-Za-z]):[\\/]?(.*)$/.exec(hostPath);
    const guestPath = drive
      ? `/${drive[1].toLowerCase()}/${drive[2].replace(/\\/g, '/')}`.replace(/\/$/, '')
      : hostPath;
    return { hostPath, guestPath, tag: `berth${i}` };
  });
}

/** The machine's own folders: a share mounted over one would hide the system the engine runs on. */
export const GUEST_SYSTEM_FOLDERS = [
  '/bin',
  '/dev',
  '/etc',
  '/lib',
  '/lib64',
  '/mnt',
  '/proc',
  '/run',
  '/sbin',
  '/sys',
  '/usr',
  '/var',
];

/** The machine folder a guest path would cover ("/" for the root itself), or undefined if none. */
export function coveredSystemFolder(guestPath: string): string | undefined {
  if (guestPath === '/') return '/';
  return GUEST_SYSTEM_FOLDERS.find((d) => guestPath === d || guestPath.startsWith(`${d}/`));
}
