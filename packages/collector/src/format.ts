// Renders a collection result as a text table, JSON or CSV.
import type { CollectionResult } from './result.js';

/** Output formats of {@link formatResult}. */
export type ResultFormat = 'table' | 'json' | 'csv';

function isoSeconds(seconds: bigint): string {
  const ms = Number(seconds) * 1000;
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15
    ? new Date(ms).toISOString().replace('.000Z', 'Z')
    : `${seconds}s`;
}

/**
 * The statement about noise turned off for testing, when an Aggregator reported it.
 *
 * @param r - the result.
 * @returns the sentence, or undefined when every Aggregator that reported added noise.
 * @example noiseOffStatement(result); // 'noise: OFF at the leader and the helper ...'
 */
export function noiseOffStatement(r: CollectionResult): string | undefined {
  const off = r.noiseOff ?? [];
  if (off.length === 0) return undefined;
  if (off.length === 2) {
    return (
      'noise: OFF at the leader and the helper (test-only unsafeDisableNoiseForTesting): ' +
      'the values are exact and NOT differentially private'
    );
  }
  return (
    `noise: OFF at the ${off[0]} (test-only unsafeDisableNoiseForTesting): only the ` +
    `${off[0] === 'leader' ? 'helper' : 'leader'}'s noise protects the values`
  );
}

function noiseLines(r: CollectionResult): string[] {
  const off = noiseOffStatement(r);
  const n = r.noise;
  if (n === undefined) {
    return off !== undefined && r.noiseOff?.length === 2
      ? [off]
      : [...(off === undefined ? [] : [off]), 'noise: not given (intervals omitted)'];
  }
  const param = n.mechanism === 'discrete-laplace' ? 'scale' : 'sigma';
  return [
    ...(off === undefined ? [] : [off]),
    `noise: ${n.mechanism}, ${param} ${n.scale} per aggregator × ${n.aggregators}, ` +
      `std dev ${n.stddev.toFixed(2)}, ${Math.round(n.confidence * 100)}% interval ±${n.halfWidth}`,
  ];
}

/**
 * A JSON-safe copy of a result: bigints become decimal strings.
 *
 * @param r - the result.
 * @returns a plain object for `JSON.stringify`.
 */
export function resultToJson(r: CollectionResult): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
  ) as Record<string, unknown>;
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Renders a result.
 *
 * - `table`: a header (VDAF, report count, interval, noise, and a statement when an Aggregator
 *   reported its noise off for testing) and one line per bucket with its value and 95% interval;
 * - `json`: every field of the result, bigints as decimal strings;
 * - `csv`: `bucket,value,low,high` then one row per bucket (`low`, `high` empty without noise).
 *
 * @param r - the result.
 * @param format - `table`, `json` or `csv`.
 * @returns the text, ending with a newline.
 * @example formatResult(result, 'csv');
 */
export function formatResult(r: CollectionResult, format: ResultFormat): string {
  if (format === 'json') return JSON.stringify(resultToJson(r), null, 2) + '\n';
  const withNoise = r.noise !== undefined;
  if (format === 'csv') {
    const rows = [['bucket', 'value', 'low', 'high']];
    for (const b of r.buckets) {
      rows.push([
        String(b.index),
        b.value.toString(),
        withNoise ? b.low.toString() : '',
        withNoise ? b.high.toString() : '',
      ]);
    }
    return rows.map((row) => row.map(csvField).join(',')).join('\n') + '\n';
  }

  const end = r.intervalSeconds.start + r.intervalSeconds.duration;
  const head = [
    `vdaf: ${r.vdaf}`,
    `reports: ${r.reportCount}`,
    `interval: ${isoSeconds(r.intervalSeconds.start)} to ${isoSeconds(end)}`,
    ...noiseLines(r),
    '',
  ];
  const headers = withNoise ? ['bucket', 'value', '95% interval'] : ['bucket', 'value'];
  const cells = r.buckets.map((b) => {
    const row = [String(b.index), b.value.toString()];
    if (withNoise) row.push(`[${b.low}, ${b.high}]`);
    return row;
  });
  const width = headers.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)));
  const line = (row: string[]): string =>
    row
      .map((cell, c) => (c < 2 ? cell.padStart(width[c]) : cell.padEnd(width[c])))
      .join('  ')
      .trimEnd();
  return (
    [...head, line(headers), line(width.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n') +
    '\n'
  );
}
