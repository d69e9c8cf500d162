// Shows long work as named steps while they happen: a live line on a
// terminal, plain lines anywhere else (CI logs, pipes).
import type { Step } from '../base/machine-types';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export class StepPrinter {
  private live?: { label: string; t0: number };
  private timer?: NodeJS.Timeout;
  private frame = 0;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  private get tty(): boolean {
    return Boolean(this.out.isTTY) && process.env.TERM !== 'dumb';
  }

  step(s: Step): void {
    if (s.status === 'running') return this.start(s.label);
    if (s.status === 'done' || s.status === 'failed') this.finish(s);
  }

  note(m: string): void {
    this.clearLine();
    this.out.write(`  ${m}\n`);
    this.draw();
  }

  private start(label: string): void {
    this.live = { label, t0: Date.now() };
    if (!this.tty) return void this.out.write(`${label} ...\n`);
    clearInterval(this.timer);
    this.timer = setInterval(() => this.draw(), 100);
    this.draw();
  }

  private finish(s: Step): void {
    clearInterval(this.timer);
    this.clearLine();
    this.live = undefined;
    const secs = s.ms !== undefined ? ` ${(s.ms / 1000).toFixed(1)} s` : '';
    const mark = s.status === 'done' ? (this.tty ? '✓' : 'done:') : this.tty ? '✗' : 'failed:';
    this.out.write(`${mark} ${s.label}${secs}${s.detail ? ` (${s.detail})` : ''}\n`);
  }

  private draw(): void {
    if (!this.tty || !this.live) return;
    const secs = ((Date.now() - this.live.t0) / 1000).toFixed(1);
    this.out.write(`\r\x1b[2K${FRAMES[this.frame++ % FRAMES.length]} ${this.live.label} ${secs} s`);
  }

  private clearLine(): void {
    if (this.tty && this.live) this.out.write('\r\x1b[2K');
  }

  end(): void {
    clearInterval(this.timer);
    this.clearLine();
  }
}
