// Shared folders: which host folders the machine sees, and where. A folder is mounted in the
// machine at the path it has on the host, so `docker run -v "$PWD":/src` works unchanged.
import * as os from 'node:os';
import * as path from 'node:path';
import type { SharedFolder } from './vm-types';

/**
 * One spelling for each folder, so "~" and "~/", "/a/b/" and "/a/./b" are one share: repeated and
 * trailing separators and "." segments go, "~" stays "~" (the home folder is only known where
 * the machine starts). A share with a ".." segment is left as it is for the settings check to
 * refuse: a share should say which folder it is without resolving. An empty one is also unchanged.
 */
export function normaliseShare(
  share: string,
  platform: NodeJS.Platform = process.platform,
  home = os.homedir(),
): string {
  if (share === '' || /(^|[\\/])\.\.([\\/]|$)/.test(share)) return share;
  const p = platform === 'win32' ? path.win32 : path.posix;
  const trim = (f: string) => f.replace(/(.)[\\/]+$/, '$1');
  const fromHome = (rest: string) => (rest === '.' || rest === '' ? '~' : `~/${rest.replace(/\\/g, '/')}`);
  if (share === '~' || /^~[\\/]/.test(share))
    return fromHome(trim(p.normalize(share.slice(1).replace(/^[\\/]+/, '') || '.')));
  let full: string;
  if (/^[A-Za-z]:[\\/]/.test(share)) {
    // A drive path is a Windows path wherever the setting was written.
    const n = path.win32.normalize(share);
    full = n[0].toUpperCase() + (n.length > 3 ? trim(n).slice(1) : n.slice(1));
  } else if (share.startsWith('/')) full = trim(path.posix.normalize(share));
  else return share;
  // The home folder written out (as a shell expands "~") is "~": one folder, one spelling.
  const h = trim(p.normalize(home));
  const same = (a: string, b: string) => (platform === 'win32' ? a.toLowerCase() === b.toLowerCase() : a === b);
  if (h.length > 1 && same(full, h)) return '~';
  const sep = platform === 'win32' ? /^[\\/]/ : /^\//;
  if (h.length > 1 && same(full.slice(0, h.length), h) && sep.test(full.slice(h.length)))
    return fromHome(full.slice(h.length + 1));
  return full;
}

/** The shares normalised, each folder once (the first place it is listed wins). */
export function normaliseShares(
  shares: string[],
  platform: NodeJS.Platform = process.platform,
  home = os.homedir(),
): string[] {
  return [...new Set(shares.map((s) => normaliseShare(s, platform, home)))];
}

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
  const folders = shares.map((share) => {
    const expanded = share === '~' ? home : share.startsWith('~/') ? p.join(home, share.slice(2)) : share;
    const hostPath = p.normalize(expanded).replace(/(.)[\\/]+$/, '$1');
    const drive = /^([A-Za-z]):[\\/]?(.*)$/.exec(hostPath);
    const guestPath = drive
      ? `/${drive[1].toLowerCase()}/${drive[2].replace(/\\/g, '/')}`.replace(/\/$/, '')
      : hostPath;
    return { hostPath, guestPath };
  });
  // "~" and the home folder written out are one folder: mount it once (the first listing wins).
  return folders
    .filter((f, i) => folders.findIndex((g) => g.guestPath === f.guestPath) === i)
    .map((f, i) => ({ ...f, tag: `berth${i}` }));
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
