// How a failure crosses the API: as data, with a code the dashboard designs a state for.

/** Machine-readable reasons the UI designs a state for. */
export type ApiErrorCode =
  | 'EINVAL' // params did not match the schema (message names the field)
  | 'ENOMETHOD' // unknown method or stream
  | 'ENOMACHINE' // the machine does not exist yet: first-run flow
  | 'ENGINE_UNREACHABLE' // the machine is stopped or its engine does not answer
  | 'ENOTFOUND' // container, image or volume is gone
  | 'ECONFLICT' // e.g. removing a running container, an image in use
  | 'EUSER' // any other error meant for a person
  | 'EINTERNAL'; // a bug: the message says so

export interface ApiError {
  /** One line: what happened and what to do. */
  message: string;
  /** An ApiErrorCode, or an agent's own code (e.g. "EQEMUMISSING"), passed on as it is. */
  code: string;
  /** Engine message, console tail: shown on request. */
  details?: string;
}

/** Errors cross every transport as data and are rethrown as ApiCallError in the renderer. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };
