// A minimal ELF64 little-endian reader: just enough to find a binary's program interpreter and
// DT_NEEDED libraries. Avoids depending on binutils.
import { promises as fs } from 'node:fs';
import { BuildError } from './log';

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NULL = 0n;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;
const DT_SONAME = 14n;

export interface ElfInfo {
  /** PT_INTERP, e.g. /lib64/ld-linux-x86-64.so.2 (absent for static binaries and libraries). */
  interp?: string;
  needed: string[];
  soname?: string;
}

async function readAt(fh: fs.FileHandle, offset: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, offset);
  if (bytesRead !== length) throw new Error(`short read at ${offset}`);
  return buf;
}

function cstr(buf: Buffer, at: number): string {
  const end = buf.indexOf(0, at);
  return buf.toString('utf8', at, end < 0 ? buf.length : end);
}

/** True if the file starts with the ELF magic. */
export async function isElf(file: string): Promise<boolean> {
  const fh = await fs.open(file, 'r');
  try {
    const b = Buffer.alloc(4);
    const { bytesRead } = await fh.read(b, 0, 4, 0);
    return bytesRead === 4 && b.readUInt32BE(0) === 0x7f454c46;
  } finally {
    await fh.close();
  }
}

/** e_machine of an ELF file (62 x86-64, 183 AArch64): what CPU its code is for. */
export async function elfMachine(file: string): Promise<number> {
  const fh = await fs.open(file, 'r');
  try {
    return (await readAt(fh, 0, 20)).readUInt16LE(18);
  } finally {
    await fh.close();
  }
}

interface Header {
  phoff: number;
  phnum: number;
  phentsize: number;
}

async function header(fh: fs.FileHandle, file: string): Promise<Header> {
  const h = await readAt(fh, 0, 64);
  if (h.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${file}: not an ELF file`);
  if (h[4] !== 2 || h[5] !== 1) throw new Error(`${file}: only 64-bit little-endian ELF is supported`);
  return {
    phoff: Number(h.readBigUInt64LE(32)),
    phentsize: h.readUInt16LE(54),
    phnum: h.readUInt16LE(56),
  };
}

/** Interpreter and DT_NEEDED entries of an executable or shared library. */
export async function readElfDeps(file: string): Promise<ElfInfo> {
  const fh = await fs.open(file, 'r');
  try {
    const h = await header(fh, file);
    const ph = await readAt(fh, h.phoff, h.phnum * h.phentsize);
    const loads: { vaddr: number; offset: number; filesz: number }[] = [];
    let dyn: { offset: number; size: number } | undefined;
    let interp: string | undefined;
    for (let i = 0; i < h.phnum; i++) {
      const o = i * h.phentsize;
      const type = ph.readUInt32LE(o);
      const offset = Number(ph.readBigUInt64LE(o + 8));
      const vaddr = Number(ph.readBigUInt64LE(o + 16));
      const filesz = Number(ph.readBigUInt64LE(o + 32));
      if (type === PT_LOAD) loads.push({ vaddr, offset, filesz });
      else if (type === PT_DYNAMIC) dyn = { offset, size: filesz };
      else if (type === PT_INTERP) interp = cstr(await readAt(fh, offset, filesz), 0);
    }
    if (!dyn) return { interp, needed: [] }; // statically linked
    const d = await readAt(fh, dyn.offset, dyn.size);
    let strtabAddr: number | undefined;
    const neededOffs: number[] = [];
    let sonameOff: number | undefined;
    for (let o = 0; o + 16 <= d.length; o += 16) {
      const tag = d.readBigInt64LE(o);
      const val = Number(d.readBigUInt64LE(o + 8));
      if (tag === DT_NULL) break;
      if (tag === DT_NEEDED) neededOffs.push(val);
      else if (tag === DT_STRTAB) strtabAddr = val;
      else if (tag === DT_SONAME) sonameOff = val;
    }
    if (strtabAddr === undefined) throw new Error(`${file}: dynamic section without DT_STRTAB`);
    // DT_STRTAB is a virtual address: map it to a file offset through the PT_LOAD segment holding it.
    const seg = loads.find((l) => strtabAddr >= l.vaddr && strtabAddr < l.vaddr + l.filesz);
    if (!seg) throw new Error(`${file}: DT_STRTAB outside every PT_LOAD segment`);
    const strOff = seg.offset + (strtabAddr - seg.vaddr);
    const strtab = await readAt(fh, strOff, Math.min(seg.filesz - (strtabAddr - seg.vaddr), 1 << 20));
    return {
      interp,
      needed: neededOffs.map((off) => cstr(strtab, off)),
      soname: sonameOff === undefined ? undefined : cstr(strtab, sonameOff),
    };
  } finally {
    await fh.close();
  }
}

/** Throws naming `what` if `file` needs a program interpreter or shared libraries. */
export async function assertStatic(file: string, what: string): Promise<void> {
  const elf = await readElfDeps(file);
  if (elf.interp || elf.needed.length)
    throw new BuildError(`${what} is not static (needs ${[elf.interp, ...elf.needed].filter(Boolean).join(', ')})`);
}
