// Named build steps with wall-clock timings, so a slow step is visible in the build output.

export class StepTimer {
  private readonly started = Date.now();

  /** Run one named step, printing its name before and its duration after. */
  async step<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
    const t0 = Date.now();
    process.stdout.write(`[vm] ${name} ...\n`);
    const result = await fn();
    process.stdout.write(`[vm] ${name} done in ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);
    return result;
  }

  total(): string {
    return `${((Date.now() - this.started) / 1000).toFixed(1)}s`;
  }
}

export function info(msg: string): void {
  process.stdout.write(`[vm]   ${msg}\n`);
}

/** An error whose message is meant to be shown to the user as-is (one line, no stack). */
export class BuildError extends Error {}
