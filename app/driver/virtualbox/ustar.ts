// A POSIX ustar archive of small regular files, written in memory: what the config disk carries,
// readable by busybox tar and any other. No directories, links or long names are needed.

const BLOCK = 512;

export interface TarFile {
  /** Up to 100 bytes of ASCII, no folder. */
  name: string;
  content: Buffer;
  /** Permission bits, e.g. 0o600. */
  mode: number;
}

/** A numeric field: octal digits, zero-padded, then a NUL, in `width` bytes. */
function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(file: TarFile, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  const name = Buffer.from(file.name, 'ascii');
  if (name.length > 100 || /[/\0]/.test(file.name)) throw new Error(`tar: unsupported file name ${file.name}`);
  name.copy(h, 0);
  h.write(octal(file.mode, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii'); // uid: root
  h.write(octal(0, 8), 116, 'ascii'); // gid: root
  h.write(octal(file.content.length, 12), 124, 'ascii');
  h.write(octal(mtime, 12), 136, 'ascii');
  h.write(' '.repeat(8), 148, 'ascii'); // the checksum counts its own field as spaces
  h.write('0', 156, 'ascii'); // a regular file
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write('root', 265, 'ascii');
  h.write('root', 297, 'ascii');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return h;
}

/** The archive: each file's header and its content padded to 512 bytes, then two empty blocks. */
export function ustar(files: TarFile[], mtime = 0): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    parts.push(header(f, mtime), f.content);
    const pad = (BLOCK - (f.content.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}
