// The serial console log: where "the VM is making progress" is observed and
// where the last lines for error details come from.
import { readFile, rename, stat } from 'node:fs/promises';

/** Keeps the previous boot's console as console.log.1, so a failed boot can be read after a retry. */
export async function rotate(file: string, old: string): Promise<void> {
  try {
    await rename(file, old);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

export async function hasOutput(file: string): Promise<boolean> {
  try {
    return (await stat(file)).size > 0;
  } catch {
    return false;
  }
}

/** The last `lines` lines of a text file ('' if it does not exist). */
export async function tail(file: string, lines = 20): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return '';
  }
  const all = text.replace(/\r/g, '').split('\n');
  if (all[all.length - 1] === '') all.pop();
  return all.slice(-lines).join('\n');
}
