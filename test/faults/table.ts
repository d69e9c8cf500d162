// The fault suite's table: one row per fault (how often it was tried, how often Berth came back
// from it, how often data was lost) and one closing line that CI and people read.

export interface FaultRow {
  fault: string;
  tries: number;
  recovered: number;
  /** Tries after which some of the data (images, containers, volumes, a synced file) was gone or changed. */
  lost: number;
  /** Why a try did not recover or what was lost, one short line per such try. */
  notes: string[];
}

export function summaryLine(rows: FaultRow[]): string {
  const sum = (k: 'tries' | 'recovered' | 'lost') => rows.reduce((n, r) => n + r[k], 0);
  return `faults: ${sum('tries')} tried, ${sum('recovered')} recovered, ${sum('lost')} lost`;
}

/** The whole suite passed: every try recovered and nothing was lost. */
export function allWell(rows: FaultRow[]): boolean {
  return rows.every((r) => r.recovered === r.tries && r.lost === 0 && r.tries > 0);
}

export function formatTable(rows: FaultRow[]): string {
  const head = ['fault', 'tries', 'recovered', 'data lost'];
  const body = rows.map((r) => [r.fault, String(r.tries), String(r.recovered), String(r.lost)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const [i, r] of rows.entries()) {
    out.push(line(body[i]));
    for (const n of r.notes) out.push(`    ${n}`);
  }
  out.push(summaryLine(rows));
  return out.join('\n');
}
