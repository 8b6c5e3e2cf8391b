import { formatRatio, verdict } from './report.js';
import type { SpecReport } from './run.js';

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * A self-contained HTML page of a conformance report: a summary, the table (spec, backend,
 * invariants, error inputs, cases, worst error over tolerance, verdict), a bar chart of the worst
 * error over tolerance per spec on a log scale with the tolerance line at 1, and the problems of
 * each failing row. No scripts, no external resources.
 */
export function renderHtml(
  rows: SpecReport[],
  meta: { title: string; reference: string; backends: string[]; oracle?: Record<string, string>; generated?: string },
): string {
  const failed = rows.filter((r) => !r.pass).length;
  const table = rows
    .map(
      (r) =>
        `<tr class="${r.pass ? 'pass' : 'fail'}"><td><code>${escape(r.spec)}</code></td><td>${escape(r.backend)}</td><td>${r.invariants.filter((i) => i.pass).length}/${r.invariants.length}</td><td>${r.invariants.reduce((a, i) => a + i.runs, 0)}</td><td>${r.errors.filter((e) => e.pass).length}/${r.errors.length}</td><td>${r.crossCheck?.cases ?? '—'}</td><td>${escape(formatRatio(r.crossCheck?.worst))}</td><td>${verdict(r)}</td></tr>`,
    )
    .join('\n');
  // Chart: log10(worst/tol) from 1e-6 to 1e2, one bar per row.
  const lo = -6;
  const hi = 2;
  const barH = 16;
  const labelW = 330;
  const plotW = 520;
  const x = (r: number | undefined) => {
    const v = r === undefined || r <= 0 ? lo : !Number.isFinite(r) ? hi : Math.min(hi, Math.max(lo, Math.log10(r)));
    return ((v - lo) / (hi - lo)) * plotW;
  };
  const height = rows.length * (barH + 4) + 40;
  const bars = rows
    .map((r, i) => {
      const y = 10 + i * (barH + 4);
      const w = x(r.crossCheck?.worst);
      return `<text x="${labelW - 6}" y="${y + barH - 4}" text-anchor="end">${escape(`${r.spec} (${r.backend})`)}</text><rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH}" class="${r.pass ? 'pass' : 'fail'}"><title>${escape(`${r.spec} on ${r.backend}: ${formatRatio(r.crossCheck?.worst)}`)}</title></rect>`;
    })
    .join('\n');
  const ticks = Array.from({ length: hi - lo + 1 }, (_, k) => lo + k)
    .map((e) => {
      const tx = labelW + ((e - lo) / (hi - lo)) * plotW;
      return `<line x1="${tx}" y1="5" x2="${tx}" y2="${height - 25}" class="${e === 0 ? 'limit' : 'grid'}"/><text x="${tx}" y="${height - 10}" text-anchor="middle">1e${e}</text>`;
    })
    .join('\n');
  const problems = rows
    .filter((r) => !r.pass)
    .map(
      (r) =>
        `<h3><code>${escape(r.spec)}</code> on ${escape(r.backend)}</h3><pre>${escape(r.problems.join('\n\n'))}</pre>`,
    )
    .join('\n');
  const oracle = meta.oracle
    ? Object.entries(meta.oracle)
        .map(([k, v]) => `${escape(k)} ${escape(v)}`)
        .join(', ')
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(meta.title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse}td,th{padding:3px 10px;border-bottom:1px solid #ddd;text-align:left}
tr.fail td{background:#fde8e8}tr.pass td:last-child{color:#17702a}tr.fail td:last-child{color:#b00020;font-weight:bold}
svg text{font-size:11px;font-family:system-ui,sans-serif}rect.pass{fill:#4c9a5f}rect.fail{fill:#c0392b}
line.grid{stroke:#ddd}line.limit{stroke:#b00020;stroke-dasharray:4 3}
pre{background:#f6f6f6;padding:1em;overflow-x:auto}
</style></head><body>
<h1>${escape(meta.title)}</h1>
<p id="summary">${rows.length - failed} passed, ${failed} failed — reference: ${escape(meta.reference)}; backends: ${escape(meta.backends.join(', '))}${oracle ? `; oracle: ${oracle}` : ''}${meta.generated ? `; ${escape(meta.generated)}` : ''}</p>
<table id="report"><thead><tr><th>spec</th><th>backend</th><th>invariants</th><th>runs</th><th>error inputs</th><th>cases</th><th>worst err/tol</th><th>verdict</th></tr></thead>
<tbody>
${table}
</tbody></table>
<h2>Worst error over tolerance per spec</h2>
<p>Log scale; the dashed line is the tolerance (1). Bars left of it pass.</p>
<svg id="chart" xmlns="http://www.w3.org/2000/svg" width="${labelW + plotW + 20}" height="${height}" role="img" aria-label="worst error over tolerance per spec">
${ticks}
${bars}
</svg>
${problems ? `<h2>Problems</h2>\n${problems}` : ''}
</body></html>
`;
}
