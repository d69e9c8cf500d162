// VirtualBox's errors, turned into one line each that says what happened and what to do. The
// codes are VirtualBox's own (VERR_*, VBOX_E_*), found in VBoxManage's stderr; its full text stays
// in the error's details.
import { UserError } from '../../base/errors';

interface Known {
  test: RegExp;
  code: string;
  message: (vm: string) => string;
}

const KNOWN: Known[] = [
  {
    // Checked before "no hardware virtualization": with Hyper-V on, VirtualBox may also say VT-x is
    // not available, and what to do is to free the CPU from the other hypervisor.
    test: /VERR_VMX_IN_VMX_ROOT_MODE|VERR_SVM_IN_USE|VERR_NEM_|VERR_SUPDRV_NO_RAW_MODE_HYPER_V_ROOT|Hyper-V/,
    code: 'EVBOXHYPERVISOR',
    message: () =>
      'VirtualBox cannot start the machine: another hypervisor holds the CPU (KVM or a running QEMU on Linux, Hyper-V or WSL 2 on Windows): stop it (Linux: `sudo modprobe -r kvm_intel kvm_amd`; Windows: `bcdedit /set hypervisorlaunchtype off`, then restart), or make a QEMU machine instead',
  },
  {
    test: /VERR_VMX_NO_VMX|VERR_SVM_NO_SVM|VERR_VMX_MSR_\w*DISABLED|VERR_SVM_DISABLED|VT-x is not available|AMD-V is not available/,
    code: 'EVBOXNOVT',
    message: () =>
      "VirtualBox cannot start the machine: this computer's hardware virtualization (VT-x or AMD-V) is missing or turned off: turn it on in the firmware (BIOS/UEFI) settings, or make a QEMU machine, which can run without it",
  },
  {
    test: /VERR_VM_DRIVER_\w+|\/dev\/vboxdrv|vboxdrv kernel module is not loaded|Kernel driver not installed/,
    code: 'EVBOXDRIVER',
    message: () =>
      "VirtualBox's kernel driver (vboxdrv) is not loaded: run `sudo /sbin/vboxconfig` (with Secure Boot, sign the modules first) or reinstall VirtualBox, then try again",
  },
  {
    test: /VBOX_E_FILE_ERROR[\s\S]*already exists|already exists[\s\S]*VBOX_E_FILE_ERROR/,
    code: 'EVBOXEXISTS',
    message: (vm) =>
      `VirtualBox already has a VM named "${vm}" (its settings file is there): remove it with \`VBoxManage unregistervm ${vm} --delete\` if it is a leftover of this machine, then try again`,
  },
];

/** VBoxManage's own message: its first "error:" line without the program's name. */
export function vboxMessage(stderr: string): string {
  const line = stderr.split(/\r?\n/).find((l) => /error:/.test(l)) ?? stderr.split(/\r?\n/).find((l) => l.trim());
  return (line ?? '').replace(/^\S*VBoxManage(\.exe)?:\s*error:\s*/i, '').trim();
}

/** A UserError for VBoxManage's failure of `what` (e.g. "start the VM") on the VM `vm`. */
export function vboxError(what: string, vm: string, stderr: string, code: number): UserError {
  const known = KNOWN.find((k) => k.test.test(stderr));
  if (known) return new UserError(`${known.message(vm)}.`, { code: known.code, details: stderr });
  const said = vboxMessage(stderr) || `exit code ${code}`;
  return new UserError(`VirtualBox could not ${what}: ${said}`, { code: 'EVBOX', details: stderr });
}
