// What a machine's host agent must undo, in one list: each resource adds how to close it as it
// starts, and they close in reverse order (the last one started goes first), the same on a
// normal down, a failed up and a VM that stopped by itself.
import { oneLine } from '../base/errors';

/** Why the closers run; a closer may act differently for each (the VM is stopped, killed or left). */
export type CloseReason =
  | {
      kind: 'down';
      /** Memory saved earlier is kept (a shutdown forgets it). */
      save: boolean;
      /** The running machine's memory is to be saved for the next up. */
      saveMemory: boolean;
      /** Set once the guest got ready to be saved (synced, shares unmounted). */
      guestReady?: boolean;
    }
  | { kind: 'failed' }
  | { kind: 'crashed' };

export type Closer = (why: CloseReason) => void | Promise<void>;

export class Closers {
  private readonly list: { name: string; close: Closer }[] = [];
  private runs = 0;

  constructor(private readonly log: (msg: string) => void) {}

  add(name: string, close: Closer): void {
    this.list.push({ name, close });
  }

  has(name: string): boolean {
    return this.list.some((c) => c.name === name);
  }

  /** True while closers are running: whatever watches the machine leaves it alone. */
  get running(): boolean {
    return this.runs > 0;
  }

  /**
   * Runs every closer once, last added first. One that fails is logged and the others still run;
   * then the first failure is thrown. A closer added meanwhile (a start still under way) runs too;
   * two runs at once share the list.
   */
  async run(why: CloseReason): Promise<void> {
    this.runs++;
    const failures: unknown[] = [];
    try {
      for (let c = this.list.pop(); c; c = this.list.pop()) {
        try {
          await c.close(why);
        } catch (e) {
          this.log(`closing ${c.name} failed: ${oneLine(e)}`);
          failures.push(e);
        }
      }
    } finally {
      this.runs--;
    }
    if (failures.length) throw failures[0];
  }
}
