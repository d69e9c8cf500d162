// Saving a running machine's memory on down, so that the next up resumes it in about a second.
// Two halves: the guest gets ready while the link is there, then the driver saves and ends the VM.
// Either may fail: the machine is then shut down instead, with a note saying why.
import { oneLine } from '../base/errors';
import type { VmSpec } from '../base/vm-types';
import type { Driver } from '../driver/driver';
import type { GuestLink } from './guest-link';
import { guestScript } from './waits';

const cannotSave = (e: unknown) => `The machine's memory could not be saved (${oneLine(e)}): shutting it down instead`;

/** The guest syncs its disk and lets go of what QEMU cannot save (see /etc/berth/suspend). */
export async function guestReadyToSave(link: GuestLink, note: (m: string) => void): Promise<boolean> {
  try {
    note("Saving the machine's memory");
    // From /: a session starts in root's home, which a shared home folder (/root) may be.
    await guestScript(link, 'cd / && exec /etc/berth/suspend', 30000, 'the guest did not get ready to be saved');
    return true;
  } catch (e) {
    note(cannotSave(e));
    return false;
  }
}

/** Saves the memory of a VM whose guest got ready, which ends it; false (the VM still runs) when not. */
export async function saveMemory(driver: Driver, spec: VmSpec, note: (m: string) => void): Promise<boolean> {
  if (!driver.suspend) return false;
  try {
    await driver.suspend(spec);
    note("The machine's memory is saved: the next up resumes it");
    return true;
  } catch (e) {
    note(cannotSave(e));
    return false;
  }
}
