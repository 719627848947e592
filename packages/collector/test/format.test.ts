// Tests of the result model (signed field values) and of the table, JSON and CSV renderings.
import { describe, expect, it } from 'vitest';
import { formatResult, resultToJson, toSigned, type CollectionResult } from '../src/index.js';
import { describeResult } from '../src/result.js';

const P64 = 2n ** 64n - 2n ** 32n + 1n;

function result(noise: boolean): CollectionResult {
  return describeResult({
    vdaf: 'Prio3Histogram',
    batchMode: 1,
    reportCount: 120n,
    interval: { start: 490_000n, duration: 24n },
    intervalSeconds: { start: 1_764_000_000n, duration: 86_400n },
    aggregate: [40n, P64 - 3n, 83n],
    modulus: P64,
    noise: noise
      ? {
          mechanism: 'discrete-laplace',
          scale: 2,
          aggregators: 2,
          stddev: 3.9,
          confidence: 0.95,
          halfWidth: 9,
        }
      : undefined,
  });
}

describe('toSigned', () => {
  it('maps the upper half of the field to negative numbers', () => {
    expect(toSigned(0n, P64)).toBe(0n);
    expect(toSigned((P64 - 1n) / 2n, P64)).toBe((P64 - 1n) / 2n);
    expect(toSigned((P64 - 1n) / 2n + 1n, P64)).toBe((P64 - 1n) / 2n + 1n - P64);
    expect(toSigned(P64 - 1n, P64)).toBe(-1n);
  });
});

describe('describeResult', () => {
  it('gives signed values and intervals of the noise half-width', () => {
    const r = result(true);
    expect(r.values).toEqual([40n, -3n, 83n]);
    expect(r.buckets[1]).toEqual({ index: 1, value: -3n, low: -12n, high: 6n });
  });

  it('wraps a single Count or Sum value in one bucket', () => {
    const r = describeResult({ ...result(false), aggregate: 7n, modulus: P64 });
    expect(r.values).toEqual([7n]);
    expect(r.buckets).toEqual([{ index: 0, value: 7n, low: 7n, high: 7n }]);
  });
});

describe('formatResult', () => {
  it('renders a table with the noise line and intervals', () => {
    expect(formatResult(result(true), 'table')).toBe(
      [
        'vdaf: Prio3Histogram',
        'reports: 120',
        'interval: 2025-11-24T16:00:00Z to 2025-11-25T16:00:00Z',
        'noise: discrete-laplace, scale 2 per aggregator × 2, std dev 3.90, 95% interval ±9',
        '',
        'bucket  value  95% interval',
        '------  -----  ------------',
        '     0     40  [31, 49]',
        '     1     -3  [-12, 6]',
        '     2     83  [74, 92]',
        '',
      ].join('\n'),
    );
  });

  it('says when no noise was given', () => {
    const text = formatResult(result(false), 'table');
    expect(text).toContain('noise: not given (intervals omitted)');
    expect(text).toContain('bucket  value\n');
  });

  it('renders CSV', () => {
    expect(formatResult(result(true), 'csv')).toBe(
      'bucket,value,low,high\n0,40,31,49\n1,-3,-12,6\n2,83,74,92\n',
    );
    expect(formatResult(result(false), 'csv')).toBe(
      'bucket,value,low,high\n0,40,,\n1,-3,,\n2,83,,\n',
    );
  });

  it('renders JSON with bigints as strings', () => {
    const parsed = JSON.parse(formatResult(result(true), 'json'));
    expect(parsed.values).toEqual(['40', '-3', '83']);
    expect(parsed.reportCount).toBe('120');
    expect(parsed.noise.halfWidth).toBe(9);
    expect(parsed.buckets[1]).toEqual({ index: 1, value: '-3', low: '-12', high: '6' });
    expect(resultToJson(result(false)).noise).toBeUndefined();
  });
});
