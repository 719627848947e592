// The outcome of a demo run and its plain-text rendering: per bucket the true value, the noisy
// value and its 95% interval, then the noise, the budget spent and the report counts.
import type { AggregationSummary } from './aggregate.js';
import type { Collected } from './collect.js';
import type { MarketModel } from './model.js';
import type { DemoOptions } from './options.js';
import type { BudgetRow, SimulationResult } from './population.js';
import type { UploadSummary } from './upload.js';

/** One histogram bucket of the result. */
export interface BucketRow {
  bucket: number;
  campaign: string;
  /** Sum of the devices' cleartext histograms. */
  truth: number;
  /** Released by the aggregators (truth plus noise). */
  noisy: number;
  /** 95% interval (equal to `noisy` when noise is off). */
  low: number;
  high: number;
}

/** Everything a run produced. */
export interface DemoResult {
  options: DemoOptions;
  model: MarketModel;
  simulation: Omit<SimulationResult, 'reports'>;
  upload: UploadSummary;
  aggregation: AggregationSummary;
  collected: Collected;
  rows: BucketRow[];
  /** Task ID, base64url. */
  taskId: string;
  /** Step durations, ms. */
  timings: { deploy: number; simulate: number; upload: number; aggregate: number; collect: number };
}

/**
 * Pairs the collected buckets with the true values.
 *
 * @param model - the market (campaign names).
 * @param truth - the true histogram.
 * @param collected - the collection.
 * @returns one row per bucket.
 */
export function bucketRows(model: MarketModel, truth: number[], collected: Collected): BucketRow[] {
  return collected.result.buckets.map((b) => ({
    bucket: b.index,
    campaign: model.campaigns[b.index]?.name ?? '',
    truth: truth[b.index] ?? 0,
    noisy: Number(b.value),
    low: Number(b.low),
    high: Number(b.high),
  }));
}

const n = (x: number): string => x.toLocaleString('en-US');
const eps = (micro: number): string =>
  (micro / 1e6).toLocaleString('en-US', { maximumFractionDigits: 3 });

function table(headers: string[], rows: string[][], leftColumns = 1): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i < leftColumns ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

/** The noise line: mechanism, scale and interval, or the statement that it was off. */
export function noiseText(r: DemoResult): string {
  const noise = r.collected.result.noise;
  const said = r.collected.aggregatorNoise ?? 'not stated';
  if (noise === undefined) return `noise: OFF (aggregators: ${said}); values are exact`;
  return (
    `noise: ${noise.mechanism}, scale ${noise.scale} per aggregator x ${noise.aggregators}, ` +
    `std dev ${noise.stddev.toFixed(2)}, 95% interval +-${noise.halfWidth} ` +
    `(aggregators: ${said})`
  );
}

/** The budget rows as text lines. */
export function budgetText(rows: readonly BudgetRow[]): string[] {
  if (rows.length === 0) return ['  no budget was spent'];
  const body = rows.map((b) => [
    b.site,
    new Date(b.weekStart).toISOString().slice(0, 10),
    n(b.devices),
    n(b.reports),
    eps(b.spentMicro),
    eps(b.spentMicro / b.devices),
    eps(b.maxSpentMicro),
    eps(b.budgetMicro),
    n(b.exhausted),
  ]);
  return table(
    [
      'site',
      'epochs from',
      'device epochs',
      'reports',
      'eps spent',
      'mean',
      'max',
      'budget',
      'used up',
    ],
    body,
  ).map((l) => `  ${l}`);
}

/**
 * A note when the privacy budget zeroed more than a quarter of the reports: what a report costs
 * against the per-site budget (W3C Attribution §4.2.1: a single-epoch report at most
 * epsilon / 2, one spanning epochs at most epsilon per epoch), and what to change.
 *
 * @param r - the result.
 * @returns the note, or undefined when the budget zeroed few reports.
 */
export function budgetHint(r: DemoResult): string | undefined {
  const zeroed = r.simulation.outcomes['budget-exhausted'];
  const total = r.simulation.conversions;
  const row = r.simulation.budget[0];
  if (row === undefined || total === 0 || zeroed * 4 <= total) return undefined;
  const e = r.options.epsilon;
  return (
    `note: ${Math.round((100 * zeroed) / total)}% of the reports were zeroed: each device's ` +
    `budget for ${row.site} is ${eps(row.budgetMicro)} epsilon per 7-day epoch, and a report at ` +
    `epsilon ${e} costs up to ${e / 2} (one epoch) or ${e} per epoch (spanning epochs); a ` +
    'smaller --epsilon lets more reports through, with more noise'
  );
}

/**
 * Renders the result as text for the terminal.
 *
 * @param r - the result.
 * @returns lines ending with a newline.
 */
export function formatDemoResult(r: DemoResult): string {
  const lines: string[] = [];
  const rows = r.rows.map((x) => [
    String(x.bucket),
    x.campaign,
    n(x.truth),
    n(x.noisy),
    r.collected.result.noise === undefined ? '-' : `[${n(x.low)}, ${n(x.high)}]`,
    (x.noisy - x.truth >= 0 ? '+' : '') + n(x.noisy - x.truth),
  ]);
  const sum = (f: (x: BucketRow) => number): number => r.rows.reduce((a, x) => a + f(x), 0);
  lines.push(
    ...table(['bucket', 'campaign', 'true', 'noisy', '95% interval', 'noise'], rows, 0).map(
      (l) => `  ${l}`,
    ),
  );
  lines.push(`  total: true ${n(sum((x) => x.truth))}, noisy ${n(sum((x) => x.noisy))}`);
  const inside = r.rows.filter((x) => x.truth >= x.low && x.truth <= x.high).length;
  lines.push('', noiseText(r));
  if (r.collected.result.noise !== undefined) {
    lines.push(`true value inside its 95% interval: ${inside} of ${r.rows.length} buckets`);
  }

  const o = r.simulation.outcomes;
  lines.push(
    '',
    `reports made on the devices: ${n(r.simulation.conversions)} ` +
      `(${n(o.attributed)} carried a value, ${n(o['no-match'])} matched no ad view, ` +
      `${n(o['budget-exhausted'])} zeroed by the privacy budget)`,
  );
  const hint = budgetHint(r);
  if (hint !== undefined) lines.push(hint);
  const rejectedUpload = Object.entries(r.upload.rejected);
  lines.push(
    `upload: ${n(r.upload.accepted)} accepted, ${n(r.upload.sent - r.upload.accepted)} rejected` +
      (rejectedUpload.length === 0
        ? ''
        : ` (${rejectedUpload.map(([k, v]) => `${k}: ${n(v)}`).join(', ')})`),
  );
  const rejectedAgg = Object.entries(r.aggregation.rejected);
  lines.push(
    `aggregation: ${n(r.aggregation.committed)} verified and added, ` +
      `${n(rejectedAgg.reduce((a, [, v]) => a + v, 0))} rejected` +
      (rejectedAgg.length === 0
        ? ''
        : ` (${rejectedAgg.map(([k, v]) => `${k}: ${n(v)}`).join(', ')})`),
  );
  lines.push(`collected: ${n(Number(r.collected.result.reportCount))} reports in the batch`);
  lines.push(
    '',
    "privacy budget spent, from the devices' ledgers, per site and by the week in which the " +
      "devices' 7-day epochs start (each device picks its own start hour); 'used up': less " +
      'than one more full-value report left):',
    ...budgetText(r.simulation.budget),
  );
  return lines.join('\n') + '\n';
}
