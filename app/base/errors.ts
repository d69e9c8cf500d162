// Errors meant for a person: one line that says what was wrong and what to do.
// Anything else that escapes is a bug and is reported as such, never as a stack
// trace on the user's terminal.

export class UserError extends Error {
  /** Extra lines (console tail, engine message) shown on request, not by default. */
  readonly details?: string;
  readonly code: string;
  constructor(message: string, opts: { code?: string; details?: string } = {}) {
    super(message);
    this.name = 'UserError';
    this.code = opts.code ?? 'EUSER';
    this.details = opts.details;
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof Error && (e as UserError).name === 'UserError';
}

/** The first non-empty line of a program's output, for one-line error messages. */
export function firstLine(text: string): string {
  return (
    text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .find((l) => l.length > 0) ?? ''
  );
}

/** A one-line description of any error, for logs and user output. */
export function oneLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0];
}
