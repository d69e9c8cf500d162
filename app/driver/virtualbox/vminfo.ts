// Reads what VirtualBox says about a VM (`VBoxManage showvminfo --machinereadable`) and about a
// disk (`showmediuminfo`). The VM's state is always read from here, never remembered.
import type { VmState } from '../../base/vm-types';

export type VmInfo = Map<string, string>;

/**
 * Parses `showvminfo --machinereadable`: one `key=value` a line, either side maybe in double
 * quotes ("SATA-0-0"="..."), a quoted value maybe running over several lines (a description) or
 * followed by more (VideoMode="1288,790,32"@0,0 1: the part in quotes is kept). Newer versions
 * escape \ and " inside quoted values (CfgFile="C:\\Users\\..."); older ones and some keys do
 * not, so only those two escapes are undone.
 */
export function parseVmInfo(stdout: string): VmInfo {
  const info: VmInfo = new Map();
  const lines = stdout.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = /^("[^"]*"|[^="]+)=(.*)$/.exec(lines[i]);
    if (!m) continue;
    const key = m[1].replace(/^"(.*)"$/, '$1');
    let value = m[2];
    if (value.startsWith('"')) {
      let end = closingQuote(value);
      while (end < 0 && i + 1 < lines.length) {
        value += '\n' + lines[++i];
        end = closingQuote(value);
      }
      value = value.slice(1, end < 0 ? undefined : end).replace(/\\(["\\])/g, '$1');
    }
    info.set(key, value);
  }
  return info;
}

/**
 * Where a quoted value ends: its closing quote, the first unescaped one that ends the line or is
 * followed by what cannot be inside a path (VideoMode's "@"); -1 while the value goes on.
 */
function closingQuote(value: string): number {
  for (let i = 1; i < value.length; i++) {
    if (value[i] === '\\') continue;
    if (value[i] !== '"' || value[i - 1] === '\\') continue;
    if (i === value.length - 1 || value[i + 1] === '@') return i;
  }
  return -1;
}

/**
 * VirtualBox's states (VBoxManage's short names) with a VM process alive: its VM is "running" to
 * Berth, paused or not. The rest (poweroff, saved, aborted, abortedsaved, teleported) have none.
 */
const LIVE_STATES = new Set([
  'running',
  'paused',
  'starting',
  'stopping',
  'saving',
  'restoring',
  'teleporting',
  'livesnapshotting',
  'onlinesnapshotting',
  'deletingsnapshotlive',
  'deletingsnapshotlivepaused',
  'gurumeditation',
  'stuck',
]);

/** VirtualBox's own word for the VM's state, e.g. "running", "poweroff", "saved". */
export function vboxState(info: VmInfo): string {
  return info.get('VMState') ?? '';
}

export function vmState(info: VmInfo): Exclude<VmState, 'absent'> {
  return LIVE_STATES.has(vboxState(info)) ? 'running' : 'stopped';
}

/** When the VM last changed state (VirtualBox prints UTC without a zone). */
export function stateChangedAt(info: VmInfo): string | undefined {
  const t = info.get('VMStateChangeTime');
  const d = t ? new Date(`${t.slice(0, 23)}Z`) : undefined;
  return d && !Number.isNaN(d.getTime()) ? d.toISOString() : undefined;
}

/** The names of the VM's NAT rules on its first card (Forwarding(0)="ssh,tcp,127.0.0.1,2222,,22"). */
export function natRuleNames(info: VmInfo): string[] {
  const names: string[] = [];
  for (const [key, value] of info) if (/^Forwarding\(\d+\)$/.test(key)) names.push(value.split(',')[0]);
  return names;
}

/** The names of the VM's permanent shared folders (SharedFolderNameMachineMapping1="..."). */
export function shareNames(info: VmInfo): string[] {
  const names: string[] = [];
  for (const [key, value] of info) if (/^SharedFolderNameMachineMapping\d+$/.test(key)) names.push(value);
  return names;
}

/** The medium on a port of the SATA controller, if any ("none" and "emptydrive" are none). */
export function attached(info: VmInfo, port: number): string | undefined {
  const v = info.get(`SATA-${port}-0`);
  return v && v !== 'none' && v !== 'emptydrive' ? v : undefined;
}

/** True when VBoxManage said that no VM of that name is registered. */
export function isNotFound(stderr: string): boolean {
  return /VBOX_E_OBJECT_NOT_FOUND|Could not find a registered machine/.test(stderr);
}

/** A disk's capacity in MiB, from `showmediuminfo` ("Capacity:       10240 MBytes"). */
export function parseCapacityMiB(stdout: string): number | undefined {
  const m = /^Capacity:\s+(\d+) MBytes/m.exec(stdout);
  return m ? Number(m[1]) : undefined;
}

/** VBoxManage's version ("7.0.12r159484"), from `--version`'s last line (warnings may come first). */
export function parseVBoxVersion(stdout: string): { major: number; minor: number; text: string } | undefined {
  const lines = stdout.split(/\r?\n/).filter((l) => l.trim());
  const m = /^(\d+)\.(\d+)\.\d+\S*$/.exec(lines[lines.length - 1]?.trim() ?? '');
  return m ? { major: Number(m[1]), minor: Number(m[2]), text: m[0] } : undefined;
}
