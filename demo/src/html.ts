// The HTML report: one self-contained page (inline CSS and SVG, no script, nothing fetched) with
// a chart of true versus noisy values per bucket, 95% interval bars, and the run's tables.
import type { BucketRow, DemoResult } from './result.js';
import { budgetHint, budgetText, noiseText } from './result.js';

/**
 * Escapes text for HTML content and attribute values.
 *
 * @param s - any text.
 * @returns the escaped text.
 */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** Round tick step (1, 2 or 5 times a power of ten) giving about `count` ticks over `span`. */
function tickStep(span: number, count: number): number {
  const raw = span / Math.max(count, 1);
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/**
 * The chart: per bucket a bar of the true value and a bar of the noisy value with its 95%
 * interval.
 *
 * @param rows - the buckets.
 * @param withIntervals - draw interval bars (noise on).
 * @returns an `<svg>` element as text.
 */
export function chartSvg(rows: readonly BucketRow[], withIntervals: boolean): string {
  const width = Math.max(960, Math.min(1400, 80 + rows.length * 44));
  const height = 400;
  const m = { top: 20, right: 20, bottom: 50, left: 84 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const hi = Math.max(1, ...rows.map((r) => Math.max(r.truth, r.noisy, r.high)));
  const lo = Math.min(0, ...rows.map((r) => Math.min(r.noisy, r.low)));
  const step = tickStep(hi - lo, 6);
  const top = Math.ceil(hi / step) * step;
  const bottom = Math.floor(lo / step) * step;
  const y = (v: number): number => m.top + plotH - ((v - bottom) / (top - bottom)) * plotH;
  const group = plotW / Math.max(rows.length, 1);
  const bar = Math.max(2, Math.min(18, group * 0.35));

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="True and noisy value per bucket">`,
  );
  for (let v = bottom; v <= top + step / 2; v += step) {
    const yy = y(v).toFixed(1);
    parts.push(
      `<line x1="${m.left}" x2="${width - m.right}" y1="${yy}" y2="${yy}" class="grid"/>`,
      `<text x="${m.left - 6}" y="${yy}" class="tick" text-anchor="end" dominant-baseline="middle">${v.toLocaleString('en-US')}</text>`,
    );
  }
  const zero = y(0).toFixed(1);
  parts.push(
    `<line x1="${m.left}" x2="${width - m.right}" y1="${zero}" y2="${zero}" class="axis"/>`,
  );
  rows.forEach((r, i) => {
    const cx = m.left + group * (i + 0.5);
    const rect = (x: number, v: number, cls: string, label: string): string => {
      const y0 = Math.min(y(0), y(v));
      const h = Math.abs(y(v) - y(0));
      return `<rect x="${x.toFixed(1)}" y="${y0.toFixed(1)}" width="${bar.toFixed(1)}" height="${h.toFixed(1)}" class="${cls}"><title>${escapeHtml(label)}</title></rect>`;
    };
    parts.push(rect(cx - bar - 1, r.truth, 'truth', `bucket ${r.bucket}: true ${r.truth}`));
    parts.push(
      rect(
        cx + 1,
        r.noisy,
        'noisy',
        `bucket ${r.bucket}: noisy ${r.noisy}` + (withIntervals ? ` [${r.low}, ${r.high}]` : ''),
      ),
    );
    if (withIntervals) {
      const x = (cx + 1 + bar / 2).toFixed(1);
      const cap = (v: number): string =>
        `<line x1="${(cx + 1 + bar / 2 - 4).toFixed(1)}" x2="${(cx + 1 + bar / 2 + 4).toFixed(1)}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="ci"/>`;
      parts.push(
        `<line x1="${x}" x2="${x}" y1="${y(r.low).toFixed(1)}" y2="${y(r.high).toFixed(1)}" class="ci"/>`,
        cap(r.low),
        cap(r.high),
      );
    }
    if (rows.length <= 64 || i % Math.ceil(rows.length / 64) === 0) {
      parts.push(
        `<text x="${cx.toFixed(1)}" y="${height - m.bottom + 16}" class="tick" text-anchor="middle">${r.bucket}</text>`,
      );
    }
  });
  parts.push(
    `<text x="${m.left + plotW / 2}" y="${height - 12}" class="label" text-anchor="middle">bucket (campaign)</text>`,
    `<text transform="translate(18 ${m.top + plotH / 2}) rotate(-90)" class="label" text-anchor="middle">conversion value (sum over devices)</text>`,
    '</svg>',
  );
  return parts.join('\n');
}

/**
 * Renders the whole report page.
 *
 * @param r - the result of a run.
 * @returns the HTML document.
 */
export function renderHtml(r: DemoResult): string {
  const withNoise = r.collected.result.noise !== undefined;
  const nf = (x: number): string => x.toLocaleString('en-US');
  const rows = r.rows
    .map(
      (x) =>
        `<tr><td>${x.bucket}</td><td class="l">${escapeHtml(x.campaign)}</td><td>${nf(x.truth)}</td>` +
        `<td>${nf(x.noisy)}</td><td>${withNoise ? `[${nf(x.low)}, ${nf(x.high)}]` : '-'}</td>` +
        `<td>${nf(x.noisy - x.truth)}</td></tr>`,
    )
    .join('\n');
  const o = r.options;
  const s = r.simulation;
  const facts: [string, string][] = [
    ['devices', nf(s.devices)],
    ['impressions saved', nf(s.impressions)],
    ['conversions measured (reports)', nf(s.conversions)],
    ['reports carrying a value', nf(s.outcomes.attributed)],
    ['reports matching no ad view', nf(s.outcomes['no-match'])],
    ['reports zeroed by the privacy budget', nf(s.outcomes['budget-exhausted'])],
    [
      'uploaded: accepted / rejected',
      `${nf(r.upload.accepted)} / ${nf(r.upload.sent - r.upload.accepted)}`,
    ],
    [
      'aggregated: verified / rejected',
      `${nf(r.aggregation.committed)} / ${nf(Object.values(r.aggregation.rejected).reduce((a, b) => a + b, 0))}`,
    ],
    ['reports in the collected batch', nf(Number(r.collected.result.reportCount))],
    ['epsilon per report', String(o.epsilon)],
    ['seed', String(o.seed)],
    ['task ID', r.taskId],
    [
      'simulated period',
      `${new Date(s.period.start).toISOString().slice(0, 10)} to ${new Date(s.period.end).toISOString().slice(0, 10)}`,
    ],
  ];
  const timing = Object.entries(r.timings)
    .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
    .join(', ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Private Measurement demo report</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.5em 0; }
td, th { padding: 2px 10px; text-align: right; border-bottom: 1px solid #ddd; font-variant-numeric: tabular-nums; }
td.l, th.l { text-align: left; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; }
svg { max-width: 100%; height: auto; }
.grid { stroke: #e4e4e4; } .axis { stroke: #444; }
.tick { font-size: 11px; fill: #555; } .label { font-size: 12px; fill: #333; }
.truth { fill: #9a9a9a; } .noisy { fill: #2b6cb0; } .ci { stroke: #c53030; stroke-width: 1.5; }
.legend span { display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 14px; vertical-align: -1px; }
</style>
</head>
<body>
<h1>Private Measurement: conversions per campaign</h1>
<p>${nf(s.devices)} simulated devices saved ad impressions on ${r.model.publishers.length} publisher sites and measured conversions on
${escapeHtml(r.model.advertiser)} through the W3C Attribution API client. Their encrypted Prio3L1BoundSum reports went to a
DAP-18 leader and helper, which verified and summed them and added differential-privacy noise before the collector decrypted the total.</p>
<p>${escapeHtml(noiseText(r))}</p>
${budgetHint(r) === undefined ? '' : `<p>${escapeHtml(budgetHint(r)!)}</p>`}
<p class="legend"><span style="background:#9a9a9a"></span>true value (sum of the devices' cleartext histograms)
<span style="background:#2b6cb0"></span>released (noisy) value${withNoise ? '<span style="background:#c53030;height:3px"></span>95% interval' : ''}</p>
${chartSvg(r.rows, withNoise)}
<h2>Per bucket</h2>
<table>
<tr><th>bucket</th><th class="l">campaign</th><th>true</th><th>noisy</th><th>95% interval</th><th>noise</th></tr>
${rows}
</table>
<h2>Run</h2>
<table>
${facts.map(([k, v]) => `<tr><td class="l">${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`).join('\n')}
</table>
<p>Step times: ${escapeHtml(timing)}.</p>
<h2>Privacy budget spent (devices' ledgers)</h2>
<p>Per conversion site, by the week in which the devices' 7-day epochs start (each device starts its epochs at its own random hour); "used up" counts device epochs left with less than one more full-value report.</p>
<pre>${escapeHtml(budgetText(r.simulation.budget).join('\n'))}</pre>
</body>
</html>
`;
}
