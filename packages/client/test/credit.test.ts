// Fair allocation of credit and last-N-touch histograms: exact sums, bounded rounding error,
// unbiased expectation, and an L1 norm that never exceeds maxValue.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { fairlyAllocateCredit } from '../src/index.js';
import { fillHistogramLastNTouch } from '../src/internal/attribution.js';
import type { StoredImpression } from '../src/store/types.js';

const credits = fc.array(fc.double({ min: 1e-6, max: 1e6, noNaN: true }), {
  minLength: 1,
  maxLength: 10,
});
const values = fc.integer({ min: 1, max: 2 ** 32 - 1 });
const rand = fc.double({ min: 0, max: 1, noNaN: true });

describe('fairlyAllocateCredit (W3C Attribution §4.4.2.1)', () => {
  it('sums to value, each share within 1 of its exact proportion, no negatives', () => {
    fc.assert(
      fc.property(
        credits,
        values,
        fc.array(rand, { minLength: 10, maxLength: 10 }),
        (credit, value, rs) => {
          let i = 0;
          const shares = fairlyAllocateCredit(credit, value, () => rs[i++ % rs.length]!);
          const sum = credit.reduce((a, b) => a + b, 0);
          expect(shares.length).toBe(credit.length);
          expect(shares.reduce((a, b) => a + b, 0)).toBe(value);
          shares.forEach((s, k) => {
            expect(Number.isInteger(s)).toBe(true);
            expect(s).toBeGreaterThanOrEqual(0);
            expect(Math.abs(s - (value * credit[k]!) / sum)).toBeLessThan(1 + 1e-6);
          });
        },
      ),
      { numRuns: 500, seed: 1 },
    );
  });

  it('gives exact shares when they are integers, whatever the randomness', () => {
    expect(fairlyAllocateCredit([0.5, 0.25, 0.25], 4, () => 0.99)).toEqual([2, 1, 1]);
    expect(fairlyAllocateCredit([3, 1], 4, () => 0)).toEqual([3, 1]);
    expect(fairlyAllocateCredit([1], 7, () => 0.3)).toEqual([7]);
  });

  it('is unbiased: the mean share converges to the exact proportion', () => {
    // Fixed-seed xorshift; 20000 draws; z about 6 around the exact expectation.
    let x = 0x9e3779b9;
    const next = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 2 ** 32;
    };
    const credit = [0.5, 0.3, 0.2];
    const value = 3; // exact shares 1.5, 0.9, 0.6
    const n = 20_000;
    const totals = [0, 0, 0];
    for (let t = 0; t < n; t++)
      fairlyAllocateCredit(credit, value, next).forEach((s, k) => (totals[k]! += s));
    const exact = [1.5, 0.9, 0.6];
    exact.forEach((e, k) => {
      // Each share is floor or ceil of e, so its variance is at most 1/4.
      expect(Math.abs(totals[k]! / n - e)).toBeLessThan(6 * Math.sqrt(0.25 / n));
    });
  });

  it('rejects empty credit', () => {
    expect(() => fairlyAllocateCredit([], 1, Math.random)).toThrow(RangeError);
  });
});

describe('last-N-touch histogram', () => {
  const impression = (
    id: number,
    histogramIndex: number,
    priority: number,
    timestamp: number,
  ): StoredImpression => ({
    id,
    matchValue: 0,
    impressionSite: 'p.example',
    conversionSites: [],
    conversionCallers: [],
    timestamp,
    lifetimeDays: 30,
    histogramIndex,
    priority,
  });

  it('L1 norm never exceeds value (<= maxValue) for any impressions and credit', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            index: fc.integer({ min: 0, max: 40 }),
            priority: fc.integer({ min: -3, max: 3 }),
            t: fc.integer({ min: 0, max: 10 }),
          }),
          { minLength: 1, maxLength: 20 },
        ),
        fc.integer({ min: 1, max: 32 }),
        credits,
        fc.integer({ min: 1, max: 1000 }),
        rand,
        (imps, size, credit, value, r) => {
          const list = imps.map((m, i) => impression(i, m.index, m.priority, m.t));
          const h = fillHistogramLastNTouch(list, size, value, credit, () => r);
          expect(h.length).toBe(size);
          const l1 = h.reduce((a, b) => a + b, 0);
          expect(l1).toBeLessThanOrEqual(value);
          expect(h.every((v) => Number.isInteger(v) && v >= 0)).toBe(true);
          // Everything lands in range when every index fits.
          if (list.every((i) => i.histogramIndex < size)) expect(l1).toBe(value);
        },
      ),
      { numRuns: 500, seed: 3 },
    );
  });

  it('keeps save order between equal priority and time, selecting the first N', () => {
    const list = [5, 1, 4, 2, 3].map((id) => impression(id, id - 1, 0, 7));
    // Ids 1, 2, 3 come first; credit [3, 2, 1] of 6 goes to buckets 0, 1, 2.
    expect(fillHistogramLastNTouch(list, 5, 6, [3, 2, 1], () => 0.5)).toEqual([3, 2, 1, 0, 0]);
  });

  it('orders by priority, then most recent', () => {
    const list = [impression(1, 0, 0, 5), impression(2, 1, 1, 1), impression(3, 2, 0, 9)];
    expect(fillHistogramLastNTouch(list, 3, 10, [1], () => 0.5)).toEqual([0, 10, 0]);
    expect(fillHistogramLastNTouch(list, 3, 6, [1, 1, 1], () => 0.5)).toEqual([2, 2, 2]);
    expect(fillHistogramLastNTouch(list, 3, 4, [3, 1], () => 0.5)).toEqual([0, 3, 1]);
  });
});
