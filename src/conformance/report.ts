import type { SpecReport } from './run.js';

/** Worst error over tolerance, formatted: `0.031`, `12.5`, `∞`, or `—` without a cross-check. */
export function formatRatio(r: number | undefined): string {
  if (r === undefined) return '—';
  if (Number.isNaN(r)) return 'NaN';
  if (!Number.isFinite(r)) return '∞';
  return r < 0.001 && r > 0 ? r.toExponential(1) : r.toPrecision(2);
}

/** `pass`, `FAIL` (an answer disagreed or an invariant failed) or `ERROR` (the reference could not be asked). */
export function verdict(r: SpecReport): 'pass' | 'FAIL' | 'ERROR' {
  return r.pass ? 'pass' : r.error !== undefined ? 'ERROR' : 'FAIL';
}

/** A plain-text table: spec, backend, invariants run, cases, worst error over tolerance, verdict. */
export function formatTable(rows: SpecReport[]): string {
  const header = ['spec', 'backend', 'invariants', 'error inputs', 'cases', 'worst err/tol', 'verdict'];
  const body = rows.map((r) => [
    r.spec,
    r.backend,
    `${r.invariants.filter((i) => i.pass).length}/${r.invariants.length} (${r.invariants.reduce((a, i) => a + i.runs, 0)} runs)`,
    `${r.errors.filter((e) => e.pass).length}/${r.errors.length}`,
    r.crossCheck
      ? `${r.crossCheck.cases}${r.crossCheck.expectedFailures.length ? ` (${r.crossCheck.expectedFailures.length} xfail)` : ''}`
      : '—',
    formatRatio(r.crossCheck?.worst),
    verdict(r),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** The summary line and, for each failing row, its problems. */
export function formatSummary(rows: SpecReport[]): string {
  const failed = rows.filter((r) => !r.pass);
  const errors = failed.filter((r) => r.error !== undefined).length;
  const lines = [
    `${rows.length - failed.length} passed, ${failed.length - errors} failed${errors ? `, ${errors} ERROR (reference unreachable)` : ''}`,
  ];
  for (const r of failed)
    lines.push('', `${r.spec} on ${r.backend}:`, ...r.problems.map((p) => p.replace(/^/gm, '  ')));
  return lines.join('\n');
}
