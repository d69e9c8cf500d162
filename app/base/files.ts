// Small file helpers with the permissions Berth promises: everything a machine
// owns is readable by the user alone.
import * as fs from 'node:fs';
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
  } catch (e: any) {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  }
}

/** The last `lines` lines of a text file, or '' when it does not exist. */
export function tail(file: string, lines: number): string {
  const text = readIfExists(file) ?? '';
  return text
    .split('\n')
    .slice(-lines - 1)
    .join('\n')
    .trimEnd();
}
