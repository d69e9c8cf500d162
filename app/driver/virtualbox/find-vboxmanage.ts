// Finds VBoxManage, VirtualBox's command-line program, where each platform's installer puts it. A
// desktop app often starts without the user's shell PATH, so the install folders come first; a
// missing VirtualBox is one line saying how to install it.
import * as path from 'node:path';
import { UserError } from '../../base/errors';

export interface VBoxHost {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  isFile: (p: string) => boolean;
}

/** Where VBoxManage may be, most likely first. */
export function vboxManageCandidates(h: VBoxHost): string[] {
  const win = h.platform === 'win32';
  const p = win ? path.win32 : path.posix;
  const list: string[] = [];
  if (h.platform === 'darwin')
    list.push('/Applications/VirtualBox.app/Contents/MacOS/VBoxManage', '/usr/local/bin/VBoxManage');
  if (win) {
    // The installer sets VBOX_MSI_INSTALL_PATH (older ones VBOX_INSTALL_PATH), each a folder or a
    // ;-separated list of them; the default folder is the fallback when neither is set.
    for (const v of [h.env.VBOX_MSI_INSTALL_PATH, h.env.VBOX_INSTALL_PATH])
      for (const dir of (v ?? '').split(';').filter(Boolean)) list.push(p.join(dir, 'VBoxManage.exe'));
    list.push(p.join(h.env.ProgramFiles ?? 'C:\\Program Files', 'Oracle', 'VirtualBox', 'VBoxManage.exe'));
  }
  const pathEnv = h.env.PATH ?? h.env.Path ?? '';
  for (const dir of pathEnv.split(p.delimiter).filter(Boolean)) {
    list.push(p.join(dir, win ? 'VBoxManage.exe' : 'VBoxManage'));
    // Linux packages install both names; some have only the lowercase one.
    if (h.platform === 'linux') list.push(p.join(dir, 'vboxmanage'));
  }
  return [...new Set(list)];
}

/** How to install VirtualBox on this platform, in a few words. */
export function vboxInstallHint(platform: NodeJS.Platform): string {
  switch (platform) {
    case 'darwin':
      return 'install it from https://www.virtualbox.org/wiki/Downloads (or `brew install --cask virtualbox`)';
    case 'win32':
      return 'install it with `winget install Oracle.VirtualBox` (or from https://www.virtualbox.org/wiki/Downloads)';
    default:
      return "install it from https://www.virtualbox.org/wiki/Linux_Downloads (Debian's main archive has none)";
  }
}

/** The VBoxManage program, or a UserError saying how to install VirtualBox. */
export function findVBoxManage(h: VBoxHost): string {
  const candidates = vboxManageCandidates(h);
  const found = candidates.find((c) => h.isFile(c));
  if (found) return found;
  throw new UserError(`VirtualBox is not installed (VBoxManage not found): ${vboxInstallHint(h.platform)}.`, {
    code: 'EVBOXMISSING',
    details: `Looked for: ${candidates.join(', ')}`,
  });
}
