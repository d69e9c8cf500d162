// The typed client made from the contract: `invoke` for methods, `subscribe`
// for streams, over any BerthPort (Electron preload or WebSocket). Errors
// that crossed as data are rethrown here as real errors. Browser-safe.
import type {
  ApiError,
  BerthPort,
  MethodName,
  ParamsOf,
  ResultOf,
  ServerMessage,
  StreamData,
  StreamInput,
  StreamName,
  StreamParams,
} from './contract';

export class ApiCallError extends Error {
  readonly code: string;
  readonly details?: string;
  constructor(e: ApiError) {
    super(e.message);
    this.name = 'ApiCallError';
    this.code = e.code;
    this.details = e.details;
  }
}

export interface Subscription<I> {
  /** Sends an input message (exec keystrokes, resizes). */
  send(input: I): void;
  stop(): void;
}

export interface StreamHandlers<D> {
  onData(data: D): void;
  /** Called once when the stream ends; with an error when it failed. */
  onEnd?(error?: ApiCallError): void;
}

export interface Api {
  invoke<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>>;
  subscribe<S extends StreamName>(
    stream: S,
    params: StreamParams<S>,
    h: StreamHandlers<StreamData<S>>,
  ): Subscription<StreamInput<S>>;
}

export class ApiClient implements Api {
  private nextId = 1;
  private calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private subs = new Map<number, StreamHandlers<unknown>>();
  private readonly off: () => void;

  constructor(private readonly port: BerthPort) {
    this.off = port.onMessage((m) => this.receive(m));
  }

  invoke<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      // The server answers a call with the contract's result for its method.
      this.calls.set(id, { resolve: (v) => resolve(v as ResultOf<M>), reject });
      this.port.post({ t: 'call', id, method, params });
    });
  }

  subscribe<S extends StreamName>(
    stream: S,
    params: StreamParams<S>,
    h: StreamHandlers<StreamData<S>>,
  ): Subscription<StreamInput<S>> {
    const id = this.nextId++;
    this.subs.set(id, h);
    this.port.post({ t: 'sub', id, stream, params });
    return {
      send: (data) => {
        if (this.subs.has(id)) this.port.post({ t: 'input', id, data });
      },
      stop: () => {
        if (!this.subs.delete(id)) return;
        this.port.post({ t: 'unsub', id });
      },
    };
  }

  /** The transport is gone: every pending call fails, every stream ends with the error. */
  fail(error: ApiError): void {
    const e = new ApiCallError(error);
    for (const c of this.calls.values()) c.reject(e);
    this.calls.clear();
    const subs = [...this.subs.values()];
    this.subs.clear();
    for (const s of subs) s.onEnd?.(e);
  }

  close(): void {
    this.off();
  }

  private receive(m: ServerMessage): void {
    if (m.t === 'result') {
      const c = this.calls.get(m.id);
      if (!c) return;
      this.calls.delete(m.id);
      if (m.result.ok) c.resolve(m.result.value);
      else c.reject(new ApiCallError(m.result.error));
    } else if (m.t === 'data') {
      this.subs.get(m.id)?.onData(m.data);
    } else if (m.t === 'end') {
      const s = this.subs.get(m.id);
      if (!s) return;
      this.subs.delete(m.id);
      s.onEnd?.(m.error ? new ApiCallError(m.error) : undefined);
    }
  }
}
