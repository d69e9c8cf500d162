// Docker's multiplexed log/attach stream (non-TTY containers): frames of an
// 8-byte header (stream type, 3 zero bytes, big-endian length) and a payload.
// Frames split across chunks are reassembled; payloads are split into lines.
import { StringDecoder } from 'node:string_decoder';
import type { LogLine } from '../contract';

type Kind = 'stdout' | 'stderr';

/** Splits text into lines per stream, keeping a partial last line until more comes. */
export class LineSplitter {
  private partial: Record<Kind, string> = { stdout: '', stderr: '' };
  private decoders: Record<Kind, StringDecoder> = {
    stdout: new StringDecoder('utf8'),
    stderr: new StringDecoder('utf8'),
  };

  constructor(private readonly timestamps: boolean) {}

  push(stream: Kind, chunk: Buffer, out: LogLine[]): void {
    const text = this.partial[stream] + this.decoders[stream].write(chunk);
    const parts = text.split('\n');
    this.partial[stream] = parts.pop()!;
    for (const p of parts) out.push(this.line(stream, p));
  }

  flush(out: LogLine[]): void {
    for (const s of ['stdout', 'stderr'] as Kind[]) {
      const rest = this.partial[s] + this.decoders[s].end();
      this.partial[s] = '';
      if (rest) out.push(this.line(s, rest));
    }
  }

  private line(stream: Kind, raw: string): LogLine {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!this.timestamps) return { stream, text };
    const sp = text.indexOf(' ');
    if (sp > 0 && /^\d{4}-\d\d-\d\dT/.test(text)) return { stream, ts: text.slice(0, sp), text: text.slice(sp + 1) };
    return { stream, text };
  }
}

/** Reassembles multiplexed frames; calls `frame` with each payload and its stream. */
export class Demuxer {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly frame: (stream: Kind, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.buf.length >= 8) {
      const size = this.buf.readUInt32BE(4);
      if (this.buf.length < 8 + size) break;
      const type = this.buf[0];
      const payload = this.buf.subarray(8, 8 + size);
      this.buf = this.buf.subarray(8 + size);
      // 0 = stdin (never in output), 1 = stdout, 2 = stderr.
      this.frame(type === 2 ? 'stderr' : 'stdout', payload);
    }
  }
}
