// The engine's streams: events, logs, stats, exec and pull, each turned into
// contract data events on a sink. Every stream stops its engine connection
// when the client stops it.
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { onJsonLines } from '../../base/ndjson';
import type { EngineEvent, ExecInput, LogLine, PullProgress, StatsSample } from '../contract';
import type { StreamHandle, StreamSink } from '../session';
import { ApiFailure, engineUnreachable } from '../errors';
import { Demuxer, LineSplitter } from './demux';
import type { Engine } from './engine';
import { PullTracker, splitReference } from './pull-progress';
import { statsSample } from './summaries';

/** The engine's JSON messages are objects; anything else on the line is not for us. */
function isObject(m: unknown): m is Record<string, unknown> {
  return typeof m === 'object' && m !== null && !Array.isArray(m);
}

/** A message of /events: newer engines send Type/Action/Actor, older ones type/status/id. */
interface EventMessage {
  Type?: string;
  type?: string;
  Action?: string;
  status?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  id?: string;
  time?: number;
  timeNano?: number;
}

function destroy(s: Readable | undefined): void {
  try {
    s?.destroy();
  } catch {
    /* already gone */
  }
}

function endOn(stream: Readable, sink: StreamSink<unknown>, what: string): void {
  stream.on('error', (e) => sink.end(e));
  stream.on('end', () => sink.end(engineUnreachable(`the engine closed the ${what} stream`)));
}

export async function events(engine: Engine, sink: StreamSink<EngineEvent>): Promise<StreamHandle<never>> {
  const stream = (await engine.docker.getEvents()) as unknown as Readable;
  onJsonLines(stream, (msg) => {
    if (!isObject(msg)) return;
    const m = msg as EventMessage;
    sink.data({
      type: m.Type ?? m.type ?? '',
      action: m.Action ?? m.status ?? '',
      id: m.Actor?.ID ?? m.id ?? '',
      attributes: m.Actor?.Attributes ?? {},
      timeNano: m.timeNano ?? (m.time ?? 0) * 1e9,
    });
  });
  endOn(stream, sink, 'events');
  return { stop: () => destroy(stream) };
}

export async function logs(
  engine: Engine,
  p: { id: string; tail?: number; timestamps?: boolean },
  sink: StreamSink<LogLine[]>,
): Promise<StreamHandle<never>> {
  const c = engine.docker.getContainer(p.id);
  const tty = Boolean((await c.inspect()).Config?.Tty);
  const stream = (await c.logs({
    follow: true,
    stdout: true,
    stderr: true,
    timestamps: Boolean(p.timestamps),
    tail: p.tail ?? 1000,
  })) as unknown as Readable;
  const splitter = new LineSplitter(Boolean(p.timestamps));
  let batch: LogLine[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    if (!batch.length) return;
    const b = batch;
    batch = [];
    sink.data(b);
  };
  // Lines go out in batches: at most every 50 ms, or at once past 2,000 lines.
  const queued = () => {
    if (batch.length >= 2000) return flush();
    timer ??= setTimeout(flush, 50);
  };
  const demux = new Demuxer((s, payload) => splitter.push(s, payload, batch));
  stream.on('data', (chunk: Buffer) => {
    if (tty) splitter.push('stdout', chunk, batch);
    else demux.push(chunk);
    queued();
  });
  stream.on('error', (e) => sink.end(e));
  stream.on('end', () => {
    splitter.flush(batch);
    clearTimeout(timer);
    flush();
    sink.end(); // the container stopped: the log is complete
  });
  return {
    stop: () => {
      clearTimeout(timer);
      destroy(stream);
    },
  };
}

export async function stats(
  engine: Engine,
  p: { id: string },
  sink: StreamSink<StatsSample>,
): Promise<StreamHandle<never>> {
  const stream = (await engine.docker.getContainer(p.id).stats({ stream: true })) as unknown as Readable;
  onJsonLines(stream, (m) => {
    if (isObject(m)) sink.data(statsSample(m));
  });
  stream.on('error', (e) => sink.end(e));
  stream.on('end', () => sink.end());
  return { stop: () => destroy(stream) };
}

const DEFAULT_SHELL = ['/bin/sh', '-c', 'if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi'];

export async function exec(
  engine: Engine,
  p: { id: string; cmd?: string[]; cols: number; rows: number },
  sink: StreamSink<string>,
): Promise<StreamHandle<ExecInput>> {
  const c = engine.docker.getContainer(p.id);
  const ex = await c.exec({
    Cmd: p.cmd ?? DEFAULT_SHELL,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: true,
    Env: ['TERM=xterm-256color'],
  });
  const stream = await ex.start({ hijack: true, stdin: true, Tty: true });
  await ex.resize({ h: p.rows, w: p.cols }).catch(() => undefined);
  const dec = new StringDecoder('utf8');
  stream.on('data', (chunk: Buffer) => {
    const s = dec.write(chunk);
    if (s) sink.data(s);
  });
  stream.on('error', (e) => sink.end(e));
  stream.on('end', () => sink.end());
  stream.on('close', () => sink.end());
  return {
    input: (i) => {
      if (i.kind === 'stdin') stream.write(i.data);
      else void ex.resize({ h: i.rows, w: i.cols }).catch(() => undefined);
    },
    stop: () => {
      try {
        stream.end();
      } catch {
        /* gone */
      }
      stream.destroy();
    },
  };
}

export async function pull(
  engine: Engine,
  p: { image: string },
  sink: StreamSink<PullProgress>,
): Promise<StreamHandle<never>> {
  const { name, tag } = splitReference(p.image);
  const stream = (await engine.docker.createImage({ fromImage: name, tag })) as unknown as Readable;
  const tracker = new PullTracker();
  let last = 0;
  let timer: NodeJS.Timeout | undefined;
  let failed = false;
  const send = () => {
    timer = undefined;
    last = Date.now();
    sink.data(tracker.snapshot());
  };
  onJsonLines(stream, (m) => {
    if (failed || !isObject(m)) return;
    try {
      tracker.update(m);
    } catch (e) {
      failed = true;
      clearTimeout(timer);
      sink.end(
        new ApiFailure(
          'EUSER',
          `Pulling ${p.image} failed: check the name and that the machine can reach the registry.`,
          (e as Error).message,
        ),
      );
      return;
    }
    // At most ten updates a second: a bar, not a flood.
    if (Date.now() - last >= 100) send();
    else timer ??= setTimeout(send, 100);
  });
  stream.on('error', (e) => sink.end(e));
  stream.on('end', () => {
    clearTimeout(timer);
    if (failed) return;
    sink.data(tracker.finish());
    sink.end();
  });
  return {
    stop: () => {
      clearTimeout(timer);
      destroy(stream);
    },
  };
}
