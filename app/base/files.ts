// Small file helpers with the permissions Berth promises: everything a machine
// owns is readable by the user alone.
import * as fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';

export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') fs.chmodSync(dir, 0o700);
}

/** Writes a file atomically (temp file + rename) with mode 0600. */
export function writePrivateFile(file: string, data: string | Buffer): void {
  ensurePrivateDir(path.dirname(file));
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

export function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** The last `lines` lines of a text file, or '' when it does not exist. */
export function tail(file: string, lines: number): string {
  return lastLines(readIfExists(file) ?? '', lines);
}

/** tail() without blocking: for logs read while other work goes on (the VM driver). */
export async function tailAsync(file: string, lines: number): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return lastLines(text, lines);
}

/** The last `lines` lines of a text; the blank lines at its end do not count (a log ends with a newline). */
export function lastLines(text: string, lines: number): string {
  if (lines <= 0) return '';
  return text.replace(/\r/g, '').trimEnd().split('\n').slice(-lines).join('\n');
}
