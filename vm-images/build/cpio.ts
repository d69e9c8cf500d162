// A "newc" cpio archive writer (the format the kernel unpacks as an initramfs). Written here so the
// build needs no host cpio and needs no root to create device nodes; timestamps are fixed at 0 so
// the same inputs give the same bytes.

export type CpioEntry =
  | { kind: 'dir'; path: string; mode?: number }
  | { kind: 'file'; path: string; data: Buffer; mode: number }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'chardev'; path: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

function pad4(n: number): Buffer {
  return Buffer.alloc((4 - (n % 4)) % 4);
}

function record(
  ino: number,
  mode: number,
  name: string,
  data: Buffer,
  rdev: [number, number] = [0, 0],
  nlink = 1,
): Buffer[] {
  const nameBuf = Buffer.from(name + '\0', 'utf8');
  const fields = [ino, mode, 0, 0, nlink, 0, data.length, 0, 0, rdev[0], rdev[1], nameBuf.length, 0];
  const hdr = Buffer.from('070701' + fields.map((f) => f.toString(16).padStart(8, '0')).join(''), 'ascii');
  return [hdr, nameBuf, pad4(hdr.length + nameBuf.length), data, pad4(data.length)];
}

/** Serialize entries (parents must come before children) into an uncompressed newc archive. */
export function writeCpio(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const e of entries) {
    const name = e.path.replace(/^\/+/, '');
    switch (e.kind) {
      case 'dir':
        parts.push(...record(ino++, S_IFDIR | (e.mode ?? 0o755), name, Buffer.alloc(0), [0, 0], 2));
        break;
      case 'file':
        parts.push(...record(ino++, S_IFREG | e.mode, name, e.data));
        break;
      case 'symlink':
        parts.push(...record(ino++, S_IFLNK | 0o777, name, Buffer.from(e.target, 'utf8')));
        break;
      case 'chardev':
        parts.push(...record(ino++, S_IFCHR | (e.mode ?? 0o600), name, Buffer.alloc(0), [e.major, e.minor]));
        break;
    }
  }
  parts.push(...record(0, 0, 'TRAILER!!!', Buffer.alloc(0), [0, 0], 1));
  return Buffer.concat(parts);
}
