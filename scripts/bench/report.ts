// Each benchmark figure is printed as a ratio against a reference measured in
// the same run (machines here are noisy; absolute times drift), next to its target.
// Figures are measured per architecture (x86_64, aarch64): each line says which, the closing table
// sets them side by side, and the JSON file holds them by architecture.
import type { Arch } from '../../app/base/arch';

export interface Figure {
  name: string;
  value: number;
  unit: string;
  reference: number;
  referenceName: string;
  /** ratio = value / reference; `target` says which side is good (none: the ratio is for reading). */
  target?: { op: '<=' | '>='; ratio: number };
  /** The row of the closing table, the same for every architecture (default: the name). */
  short?: string;
}

/** What one architecture's run gave: its figures, lines of detail, or why it was skipped. */
export interface ArchResult {
  arch: Arch;
  /** The image measured (its folder). */
  image?: string;
  figures: Figure[];
  notes: string[];
  skipped?: string;
  /** Why its run stopped before the end (the figures measured until then are kept). */
  failed?: string;
}

export function ratio(f: Figure): number {
  return f.value / f.reference;
}

function meets(f: Figure & { target: object }): boolean {
  const r = ratio(f);
  return f.target.op === '<=' ? r <= f.target.ratio : r >= f.target.ratio;
}

/** true or false against the target; undefined when the figure has none. */
export function met(f: Figure): boolean | undefined {
  return f.target ? meets({ ...f, target: f.target }) : undefined;
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(n < 1 ? 3 : 2));

export function formatFigure(f: Figure): string {
  const r = ratio(f);
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

/** One cell of the closing table: "3.21 s / 2.80 s = 1.15x met". */
function cell(f: Figure | undefined): string {
  if (!f) return '-';
  const m = met(f);
  const verdict = m === undefined ? '' : m ? ' met' : ' NOT met';
  return `${fmt(f.value)} / ${fmt(f.reference)} ${f.unit} = ${ratio(f).toFixed(2)}x${verdict}`;
}

/**
 * The figures of every architecture side by side: a row per figure (by its short name), a column
 * per architecture; "x86_64 only" where only that architecture has the figure, "skipped" for an
 * architecture not measured.
 */
export function formatTable(results: ArchResult[]): string {
  const rows: string[] = [];
  for (const r of results)
    for (const f of r.figures) if (!rows.includes(f.short ?? f.name)) rows.push(f.short ?? f.name);
  if (!rows.length) return 'no figures measured';
  const header = ['figure (value / reference = ratio)', ...results.map((r) => r.arch)];
  const find = (r: ArchResult, row: string) => r.figures.find((f) => (f.short ?? f.name) === row);
  // A row only some architectures measure (bulk, idle CPU, the dashboard: x86_64 only) says whose it is.
  const only = (row: string) => {
    const have = results.filter((r) => find(r, row));
    return have.length === 1 ? `${have[0].arch} only` : '-';
  };
  const lines = rows.map((row) => [
    row,
    ...results.map((r) =>
      r.skipped ? 'skipped' : find(r, row) ? cell(find(r, row)) : r.failed ? 'failed before' : only(row),
    ),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join(' | ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...lines.map(line)].join('\n');
}

/** The bench's JSON: each architecture's figures (with ratio and verdict), notes, or why it was skipped. */
export function resultsJson(results: ArchResult[], options: Record<string, unknown>): string {
  const architectures = Object.fromEntries(
    results.map((r) => [
      r.arch,
      r.skipped
        ? { skipped: r.skipped }
        : {
            image: r.image,
            figures: r.figures.map((f) => ({ ...f, ratio: ratio(f), met: met(f) })),
            notes: r.notes,
            ...(r.failed ? { failed: r.failed } : {}),
          },
    ]),
  );
  return JSON.stringify({ date: new Date().toISOString(), options, architectures }, null, 2) + '\n';
}
