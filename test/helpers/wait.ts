import { sleep } from '../../app/base/time';

/** Polls until fn returns a truthy value or the bound passes (a bound, not a timing assert). */
export async function until<T>(
  fn: () => Promise<T> | T,
  what: string,
  timeoutMs = 30000,
  everyMs = 250,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${timeoutMs / 1000} s`);
    await sleep(everyMs);
  }
}
