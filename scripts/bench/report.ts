// Each benchmark figure is printed as a ratio against a reference measured in
// the same run (machines here are noisy; absolute times drift), next to its target.
export interface Figure {
  name: string;
  value: number;
  unit: string;
  reference: number;
  referenceName: string;
  /** ratio = value / reference; `target` says which side is good (none: the ratio is for reading). */
  target?: { op: '<=' | '>='; ratio: number };
}

export function ratio(f: Figure): number {
  return f.value / f.reference;
}

function meets(f: Figure & { target: object }): boolean {
  const r = ratio(f);
  return f.target.op === '<=' ? r <= f.target.ratio : r >= f.target.ratio;
}

export function formatFigure(f: Figure): string {
  const r = ratio(f);
  const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(n < 1 ? 3 : 2));
  const verdict = f.target
    ? `(target ${f.target.op} ${f.target.ratio}x: ${meets({ ...f, target: f.target }) ? 'met' : 'NOT met'})`
    : '(no target)';
  return `${f.name}: ${fmt(f.value)} ${f.unit} vs ${f.referenceName} ${fmt(f.reference)} ${f.unit} = ${r.toFixed(2)}x ${verdict}`;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A figure measured for comparison only (no target of its own): its ratio, and what it stands for. */
export function formatComparison(f: Figure, note: string): string {
  return `${f.name}, ${note}: ${f.value.toFixed(2)} ${f.unit} vs ${f.reference.toFixed(2)} ${f.unit} = ${ratio(f).toFixed(2)}x`;
}
