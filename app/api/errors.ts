// Turning whatever was thrown into the contract's ApiError: errors meant for
// a person keep their words; engine errors are mapped to a code the UI has a
// designed state for; anything else is a bug and says so.
import type { ApiError, ApiErrorCode } from './contract';
import { isUserError } from '../base/errors';

export class ApiFailure extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: string,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

/**
 * The error codes that mean the engine's socket is not there or not
 * answering: the machine is stopped, starting or stopping. ENOENT: no socket
 * file (the agent is not forwarding); ECONNREFUSED: a socket file with no one
 * listening; ECONNRESET, EPIPE: the connection dropped mid-request (the
 * machine went down); ETIMEDOUT: no answer in time. EACCES is not among them:
 * a socket that is there but may not be opened is a permission problem that
 * starting the machine would not fix, so the user sees it as it is.
 */
const UNREACHABLE: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/** True when `e` says the engine is not there or not answering (see UNREACHABLE). */
export function isEngineUnreachable(e: unknown): e is NodeJS.ErrnoException {
  return errnoCode(e) !== undefined && UNREACHABLE.has(errnoCode(e)!);
}

function errnoCode(e: unknown): string | undefined {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** What dockerode's errors carry: the HTTP status, its reason and the engine's answer. */
export interface EngineError {
  statusCode: number;
  reason?: string;
  message?: string;
  json?: unknown;
}

export function isEngineError(e: unknown): e is EngineError {
  return typeof e === 'object' && e !== null && typeof (e as { statusCode?: unknown }).statusCode === 'number';
}

/** The engine's JSON {message}, when it sent one. */
export function engineJsonMessage(e: EngineError): string | undefined {
  const j = e.json;
  return j && typeof j === 'object' && typeof (j as { message?: unknown }).message === 'string'
    ? (j as { message: string }).message
    : undefined;
}

/** The message of a dockerode error: the engine's JSON {message}, else the HTTP reason. */
function engineMessage(e: EngineError): string {
  const j = e.json;
  const m = engineJsonMessage(e);
  if (m !== undefined) return m;
  if (typeof j === 'string' && j.trim()) return j.trim();
  return e.reason ?? e.message ?? 'the engine gave no reason';
}

export function engineUnreachable(details?: string): ApiFailure {
  return new ApiFailure(
    'ENGINE_UNREACHABLE',
    'The Docker engine does not answer: the machine is stopped or still starting. Start the machine, then try again.',
    details,
  );
}

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiFailure)
    return { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) };
  if (isUserError(e)) {
    const code = e.code === 'ENOMACHINE' ? 'ENOMACHINE' : e.code === 'ESETTINGS' ? 'EINVAL' : e.code;
    return { code, message: e.message, ...(e.details ? { details: e.details } : {}) };
  }
  if (isEngineError(e)) {
    const msg = engineMessage(e);
    const code: ApiErrorCode = e.statusCode === 404 ? 'ENOTFOUND' : e.statusCode === 409 ? 'ECONFLICT' : 'EUSER';
    const first = msg.charAt(0).toUpperCase() + msg.slice(1);
    return {
      code,
      message: `The engine refused: ${first}`,
      details: `HTTP ${e.statusCode} ${e.reason ?? ''}\n${msg}`.trim(),
    };
  }
  if (isEngineUnreachable(e)) {
    const f = engineUnreachable(`${e.code}: ${e.message ?? ''}`);
    return { code: f.code, message: f.message, details: f.details };
  }
  if (errnoCode(e) === 'EACCES') {
    // The socket is there but this user may not open it: say so, with the path.
    return {
      code: 'EUSER',
      message: 'Berth may not open the Docker engine socket (permission denied): check who owns it.',
      details: String((e as Error).message ?? e),
    };
  }
  const msg = e instanceof Error ? e.message : String(e);
  return {
    code: 'EINTERNAL',
    message: `Unexpected error: ${msg.split('\n')[0]} (this is a bug in Berth: please report it)`,
    details: e instanceof Error ? e.stack : undefined,
  };
}
