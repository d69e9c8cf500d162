// One fault of the suite: tried several times on the running machine; each try says whether
// Berth came back from it (the data is checked by the runner after every try).
import type { Suite } from './suite';

export interface TryResult {
  recovered: boolean;
  /** What happened, when it is worth a line under the table (always when not recovered). */
  note?: string;
}

export interface Fault {
  name: string;
  /** One try; the machine is running and a file was just written and synced in the volume. */
  tryOnce(s: Suite, n: number): Promise<TryResult>;
}

/** Collects the reasons a try did not recover; recovered when there are none. */
export class Verdict {
  private readonly problems: string[] = [];

  check(ok: boolean, problem: string): boolean {
    if (!ok) this.problems.push(problem);
    return ok;
  }

  result(extra?: string): TryResult {
    const note = [...this.problems, ...(extra ? [extra] : [])].join('; ');
    return { recovered: this.problems.length === 0, note: note || undefined };
  }
}
