// Polling helpers. The things waited on (a pidfile, console bytes, a process
// going away) have no portable change notification, so they are polled.

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Blocks the thread: only for the few milliseconds a lock is held by another process at start-up. */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Polls `check` every pollMs until it returns true (→ true) or timeoutMs passes (→ false). */
export async function pollUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  pollMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
  }
}
