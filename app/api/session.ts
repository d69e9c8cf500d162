// The serving side of the contract, independent of the transport: one
// session per connected window or WebSocket. It validates every message and
// its params against the contract's schemas, runs the implementation and
// sends results, stream data and ends back as contract messages.
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import {
  ApiError,
  ClientMessage,
  METHOD_SCHEMAS,
  MethodName,
  ParamsOf,
  ResultOf,
  ServerMessage,
  STREAM_SCHEMAS,
  StreamData,
  StreamInput,
  StreamName,
  StreamParams,
} from './contract';
import { ApiFailure, toApiError } from './errors';

export interface StreamSink<D> {
  data(d: D): void;
  /** Ends the stream; an error becomes {code, message} for the client. Idempotent. */
  end(error?: unknown): void;
  /** True once the client stopped or the stream ended. */
  readonly closed: boolean;
}

export interface StreamHandle<I> {
  input?(i: I): void;
  stop(): void;
}

export type MethodImpls = { [M in MethodName]: (p: ParamsOf<M>) => Promise<ResultOf<M>> };
export type StreamImpls = {
  [S in StreamName]: (p: StreamParams<S>, sink: StreamSink<StreamData<S>>) => Promise<StreamHandle<StreamInput<S>>>;
};
export interface Implementation {
  methods: MethodImpls;
  streams: StreamImpls;
}

const ajv = new Ajv({ allErrors: false, strict: true, strictTuples: false });
const methodValidators = new Map<string, ValidateFunction>(
  Object.entries(METHOD_SCHEMAS).map(([k, s]) => [k, ajv.compile(s)]),
);
const streamValidators = new Map<string, { params: ValidateFunction; input?: ValidateFunction }>(
  Object.entries(STREAM_SCHEMAS).map(([k, s]) => [
    k,
    { params: ajv.compile(s.params), input: s.input ? ajv.compile(s.input) : undefined },
  ]),
);

/** One line naming the bad field: "params.ports.0.host = 70000 must be <= 65535". */
export function describeSchemaError(what: string, e: ErrorObject | undefined, value: unknown): string {
  if (!e) return `${what}: invalid`;
  const field = [what, ...e.instancePath.split('/').filter(Boolean)].join('.');
  if (e.keyword === 'additionalProperties') return `${field}: unknown field "${e.params.additionalProperty}"`;
  if (e.keyword === 'required') return `${field}: missing field "${e.params.missingProperty}"`;
  let v: unknown = value;
  for (const part of e.instancePath.split('/').slice(1))
    v = v == null ? undefined : (v as Record<string, unknown>)[part];
  const desc = (e.parentSchema as { description?: string } | undefined)?.description;
  return `${field} = ${JSON.stringify(v)} ${e.message ?? 'is not valid'}${desc ? ` (${desc})` : ''}`;
}

function check(fn: ValidateFunction, what: string, value: unknown): void {
  if (!fn(value)) throw new ApiFailure('EINVAL', describeSchemaError(what, fn.errors?.[0], value));
}

export interface SessionOptions {
  /** Called for every implementation error that is not meant for a person (a bug). */
  onInternalError?: (e: unknown) => void;
}

export class ApiSession {
  private streams = new Map<number, { stop(): void; input?(i: unknown): void; validateInput?: ValidateFunction }>();
  private closed = false;

  constructor(
    private readonly impl: Implementation,
    private readonly send: (m: ServerMessage) => void,
    private readonly opts: SessionOptions = {},
  ) {}

  /** Handles one message from the client; never throws. `raw` is untrusted. */
  handle(raw: unknown): void {
    if (this.closed) return;
    const m = raw as ClientMessage;
    if (!m || typeof m !== 'object' || typeof m.id !== 'number' || !Number.isSafeInteger(m.id)) return;
    switch (m.t) {
      case 'call':
        return void this.call(m.id, m.method, m.params);
      case 'sub':
        return void this.subscribe(m.id, m.stream, m.params);
      case 'input': {
        const s = this.streams.get(m.id);
        if (!s?.input) return;
        if (s.validateInput && !s.validateInput(m.data)) return;
        try {
          s.input(m.data);
        } catch (e) {
          this.opts.onInternalError?.(e);
        }
        return;
      }
      case 'unsub': {
        const s = this.streams.get(m.id);
        this.streams.delete(m.id);
        s?.stop();
        return;
      }
    }
  }

  /** The transport closed: stop every stream. */
  close(): void {
    this.closed = true;
    for (const s of this.streams.values()) s.stop();
    this.streams.clear();
  }

  private error(e: unknown): ApiError {
    const err = toApiError(e);
    if (err.code === 'EINTERNAL') this.opts.onInternalError?.(e);
    return err;
  }

  private async call(id: number, method: unknown, params: unknown): Promise<void> {
    try {
      const validate = typeof method === 'string' ? methodValidators.get(method) : undefined;
      if (!validate || !Object.prototype.hasOwnProperty.call(this.impl.methods, method as string)) {
        throw new ApiFailure('ENOMETHOD', `unknown method ${JSON.stringify(method)}`);
      }
      const p = params ?? {};
      check(validate, 'params', p);
      // Looked up by the name the client sent: the schema just checked its params.
      const value = await (this.impl.methods[method as MethodName] as (p: unknown) => Promise<unknown>)(p);
      if (!this.closed) this.send({ t: 'result', id, result: { ok: true, value: value === undefined ? null : value } });
    } catch (e) {
      if (!this.closed) this.send({ t: 'result', id, result: { ok: false, error: this.error(e) } });
    }
  }

  private async subscribe(id: number, stream: unknown, params: unknown): Promise<void> {
    if (this.streams.has(id)) return;
    let ended = false;
    const entry: { stop(): void; input?(i: unknown): void; validateInput?: ValidateFunction } = {
      stop: () => undefined,
    };
    const sink: StreamSink<unknown> = {
      data: (d) => {
        if (!ended && !this.closed && this.streams.get(id) === entry) this.send({ t: 'data', id, data: d });
      },
      end: (e) => {
        if (ended) return;
        ended = true;
        const was = this.streams.get(id) === entry;
        if (was) this.streams.delete(id);
        if (!this.closed && was) this.send(e === undefined ? { t: 'end', id } : { t: 'end', id, error: this.error(e) });
      },
      get closed() {
        return ended;
      },
    };
    this.streams.set(id, entry);
    try {
      const v = typeof stream === 'string' ? streamValidators.get(stream) : undefined;
      if (!v || !Object.prototype.hasOwnProperty.call(this.impl.streams, stream as string)) {
        throw new ApiFailure('ENOMETHOD', `unknown stream ${JSON.stringify(stream)}`);
      }
      const p = params ?? {};
      check(v.params, 'params', p);
      entry.validateInput = v.input;
      const start = this.impl.streams[stream as StreamName] as (
        p: unknown,
        sink: StreamSink<unknown>,
      ) => Promise<StreamHandle<unknown>>;
      const handle = await start(p, sink);
      if (ended || this.streams.get(id) !== entry) {
        // Stopped (or closed) while starting: stop what was started.
        handle.stop();
        return;
      }
      entry.stop = () => {
        ended = true;
        handle.stop();
      };
      entry.input = handle.input?.bind(handle);
    } catch (e) {
      sink.end(e);
    }
  }
}
