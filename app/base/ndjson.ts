// Newline-delimited JSON, as the engine's streams (events, stats, pull) and
// the host agent's control socket speak it. Bytes are decoded with a
// StringDecoder so a UTF-8 character cut across two chunks arrives whole.
import { StringDecoder } from 'node:string_decoder';

/**
 * Calls `each` with every JSON value of the stream, one per line. Blank lines
 * are skipped; a line that is not JSON goes to `onBad` (when given) and the
 * next line is read as usual. A last line without its newline is never
 * emitted: a message is whole only once its newline came. Values are
 * `unknown`: the caller checks the shape it expects.
 */
export function onJsonLines(
  stream: NodeJS.ReadableStream,
  each: (msg: unknown) => void,
  onBad?: (line: string) => void,
): void {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  stream.on('data', (chunk: Buffer | string) => {
    const lines = (rest + (typeof chunk === 'string' ? chunk : decoder.write(chunk))).split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      if (!line.trim()) continue;
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch {
        onBad?.(line);
        continue;
      }
      // Outside the try: an error in the caller's handler is its own, not a bad line.
      each(msg);
    }
  });
}
