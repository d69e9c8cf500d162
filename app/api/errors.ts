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

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EACCES']);

/** The message of a dockerode error: the engine's JSON {message}, else the HTTP reason. */
function engineMessage(e: any): string {
  const j = e?.json;
  if (j && typeof j === 'object' && typeof j.message === 'string') return j.message;
  if (typeof j === 'string' && j.trim()) return j.trim();
  return String(e?.reason ?? e?.message ?? e);
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
  const any = e as any;
  if (any && typeof any.statusCode === 'number') {
    const msg = engineMessage(any);
    const code: ApiErrorCode = any.statusCode === 404 ? 'ENOTFOUND' : any.statusCode === 409 ? 'ECONFLICT' : 'EUSER';
    const first = msg.charAt(0).toUpperCase() + msg.slice(1);
    return {
      code,
      message: `The engine refused: ${first}`,
      details: `HTTP ${any.statusCode} ${any.reason ?? ''}\n${msg}`.trim(),
    };
  }
  if (any && typeof any.code === 'string' && UNREACHABLE.has(any.code)) {
    const f = engineUnreachable(`${any.code}: ${any.message ?? ''}`);
    return { code: f.code, message: f.message, details: f.details };
  }
  const msg = e instanceof Error ? e.message : String(e);
  return {
    code: 'EINTERNAL',
    message: `Unexpected error: ${msg.split('\n')[0]} (this is a bug in Berth: please report it)`,
    details: e instanceof Error ? e.stack : undefined,
  };
}
