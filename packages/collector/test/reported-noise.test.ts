// The Aggregators' noise labels (`pm-dp-noise`): parsing, hostile header values, which
// Aggregators report noise off, and how the result and its renderings state it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatResult,
  noiseOffAt,
  noiseOffStatement,
  parseReportedNoise,
  type CollectionResult,
} from '../src/index.js';
import { describeResult } from '../src/result.js';

const P64 = 2n ** 64n - 2n ** 32n + 1n;
const OFF = 'leader=off-for-testing, helper=off-for-testing';

function result(header: string | null, noise = false): CollectionResult {
  const reportedNoise = parseReportedNoise(header);
  return describeResult({
    vdaf: 'Prio3Histogram',
    batchMode: 1,
    reportCount: 120n,
    interval: { start: 490_000n, duration: 24n },
    intervalSeconds: { start: 1_764_000_000n, duration: 86_400n },
    aggregate: [40n, 83n],
    modulus: P64,
    noise: noise
      ? {
          mechanism: 'discrete-laplace',
          scale: 2,
          aggregators: 1,
          stddev: 2.8,
          confidence: 0.95,
          halfWidth: 6,
        }
      : undefined,
    reportedNoise,
    noiseOff: noiseOffAt(reportedNoise),
  });
}

describe('parseReportedNoise', () => {
  it('reads the labels the aggregator sends', () => {
    expect(parseReportedNoise(OFF)).toEqual({
      leader: 'off-for-testing',
      helper: 'off-for-testing',
    });
    expect(
      parseReportedNoise(
        'leader=discrete-gaussian;epsilon=1;delta=1e-9, helper=discrete-laplace;epsilon=0.5',
      ),
    ).toEqual({
      leader: 'discrete-gaussian;epsilon=1;delta=1e-9',
      helper: 'discrete-laplace;epsilon=0.5',
    });
    expect(parseReportedNoise('leader=off-for-testing, helper=unreported')?.helper).toBe(
      'unreported',
    );
  });

  it('treats anything else as not reported, never throwing', () => {
    for (const bad of [
      null,
      undefined,
      '',
      'off-for-testing',
      'helper=off-for-testing, leader=off-for-testing',
      'leader=, helper=x',
      'leader=a b, helper=c',
      'leader=a,helper=b',
      `leader=${'x'.repeat(101)}, helper=y`,
      `leader=x, helper=y${' '.repeat(300)}`,
      'leader=off-for-testing, helper=off-for-testing, extra=1',
      'leader=\u00e9, helper=x',
    ]) {
      expect(parseReportedNoise(bad)).toBeUndefined();
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const r = parseReportedNoise(s);
        if (r !== undefined) expect(`leader=${r.leader}, helper=${r.helper}`).toBe(s.trim());
      }),
      { numRuns: 300, seed: 5 },
    );
  });

  it('tells which aggregators report noise off', () => {
    expect(noiseOffAt(undefined)).toEqual([]);
    expect(noiseOffAt(parseReportedNoise(OFF))).toEqual(['leader', 'helper']);
    expect(noiseOffAt({ leader: 'discrete-laplace;epsilon=1', helper: 'off-for-testing' })).toEqual(
      ['helper'],
    );
    expect(noiseOffAt({ leader: 'x', helper: 'unreported' })).toEqual([]);
  });
});

describe('stating noise off', () => {
  it('says the values are exact and not private when both aggregators turned noise off', () => {
    const r = result(OFF);
    expect(r.noiseOff).toEqual(['leader', 'helper']);
    const statement = noiseOffStatement(r);
    expect(statement).toContain('OFF at the leader and the helper');
    expect(statement).toContain('NOT differentially private');
    const table = formatResult(r, 'table');
    expect(table).toContain(`${statement}\n`);
    expect(table).not.toContain('noise: not given');
    expect(table).toContain('bucket  value\n');
    const json = JSON.parse(formatResult(r, 'json'));
    expect(json.noiseOff).toEqual(['leader', 'helper']);
    expect(json.reportedNoise).toEqual({ leader: 'off-for-testing', helper: 'off-for-testing' });
  });

  it('names the one aggregator that turned noise off, above the remaining noise', () => {
    const r = result('leader=discrete-laplace;epsilon=1, helper=off-for-testing', true);
    expect(noiseOffStatement(r)).toContain(
      "OFF at the helper (test-only unsafeDisableNoiseForTesting): only the leader's noise",
    );
    const lines = formatResult(r, 'table').split('\n');
    expect(lines[3]).toBe(noiseOffStatement(r));
    expect(lines[4]).toBe(
      'noise: discrete-laplace, scale 2 per aggregator × 1, std dev 2.80, 95% interval ±6',
    );
  });

  it('says nothing when every aggregator added noise or none reported', () => {
    for (const header of [
      null,
      'leader=discrete-laplace;epsilon=1, helper=discrete-laplace;epsilon=1',
    ]) {
      const r = result(header);
      expect(r.noiseOff).toBeUndefined();
      expect(noiseOffStatement(r)).toBeUndefined();
      expect(formatResult(r, 'table')).not.toContain('OFF');
    }
  });
});
