// DP noise at collection: exact calibration under replace-one neighbouring, the noise actually added (fixed statistical
// thresholds far in the tail), and the noise status a round trip reports to the Collector.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  calibrateNoise,
  exactRational,
  addNoise,
  noiseLabel,
  reportSensitivity,
} from '../src/core/noise.js';
import { calibrateDiscreteGaussian, noiseInterval } from '@private-measurement/protocol';
import { vdafOf } from '../src/core/vdaf.js';
import type { DpSpec } from '../src/config.js';
import { ConfigError } from '../src/errors.js';
import {
  awaitCollection,
  deploy,
  makeReports,
  openResult,
  postCollection,
  timeIntervalCollectionReq,
  upload,
} from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'pm-noise-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('calibration', () => {
  it('converts doubles to exact rationals', () => {
    expect(exactRational(0.5)).toEqual({ num: 1n, den: 2n });
    expect(exactRational(3)).toEqual({ num: 3n, den: 1n });
    const r = exactRational(0.1);
    expect(Number(r.num) / Number(r.den)).toBe(0.1);
    expect(() => exactRational(0)).toThrow(ConfigError);
    expect(() => exactRational(Number.NaN)).toThrow(ConfigError);
  });

  it('uses the replace-one L1 sensitivity of each VDAF for Laplace (scale = L1 / epsilon)', () => {
    // Replacing one report: a count moves by 1, a histogram loses 1 in one bucket and gains 1 in
    // another, a SumVec moves from all zeros to all maxima, a multihot vector flips up to
    // 2 maxWeight positions, an L1BoundSum vector moves maxValue from one entry to another.
    expect(reportSensitivity({ type: 'Prio3Count' })).toEqual({ l1: 1n, l2Squared: 1n });
    expect(reportSensitivity({ type: 'Prio3Histogram', length: 4, chunkLength: 2 })).toEqual({
      l1: 2n,
      l2Squared: 2n,
    });
    expect(
      reportSensitivity({ type: 'Prio3SumVec', length: 4, maxMeasurement: 7, chunkLength: 2 }).l1,
    ).toBe(28n);
    expect(
      reportSensitivity({ type: 'Prio3MultihotCountVec', length: 9, maxWeight: 3, chunkLength: 3 })
        .l1,
    ).toBe(6n);
    expect(
      reportSensitivity({ type: 'Prio3L1BoundSum', length: 20, maxValue: 255, chunkLength: 9 }),
    ).toEqual({ l1: 510n, l2Squared: 2n * 255n * 255n });
    const p = calibrateNoise(
      { type: 'Prio3Sum', maxMeasurement: 100 },
      { mechanism: 'discrete-laplace', epsilon: 0.5 },
    );
    expect(p).toEqual({ mechanism: 'discrete-laplace', scale: { num: 200n, den: 1n } });
    // W3C Attribution: noise scale 2 * maxValue / epsilon.
    expect(
      calibrateNoise(
        { type: 'Prio3L1BoundSum', length: 20, maxValue: 255, chunkLength: 9 },
        { mechanism: 'discrete-laplace', epsilon: 1 },
      ),
    ).toEqual({ mechanism: 'discrete-laplace', scale: { num: 510n, den: 1n } });
    // The double 0.1 is a little above 1/10: the scale is rounded up to exactly 20.
    expect(
      calibrateNoise(
        { type: 'Prio3Histogram', length: 4, chunkLength: 2 },
        { mechanism: 'discrete-laplace', epsilon: 0.1 },
      ),
    ).toEqual({ mechanism: 'discrete-laplace', scale: { num: 20n, den: 1n } });
    // A one-bucket histogram cannot change (sensitivity 0) but is still noised.
    expect(
      calibrateNoise(
        { type: 'Prio3Histogram', length: 1, chunkLength: 1 },
        { mechanism: 'discrete-laplace', epsilon: 1 },
      ),
    ).toEqual({ mechanism: 'discrete-laplace', scale: { num: 1n, den: 1n } });
  });

  it('calibrates the Gaussian through zCDP, below the classical bound, and refuses bad input', () => {
    const hist = { type: 'Prio3Histogram', length: 4, chunkLength: 2 } as const;
    const p = calibrateNoise(hist, { mechanism: 'discrete-gaussian', epsilon: 1, delta: 1e-6 });
    if (p.mechanism !== 'discrete-gaussian') throw new Error('expected gaussian');
    expect(p.sigmaSquared).toEqual(calibrateDiscreteGaussian(2n, 1, 1e-6));
    // The classical sigma^2 = L2^2 2 ln(1.25 / delta) / epsilon^2 is looser.
    const s2 = Number(p.sigmaSquared.num) / Number(p.sigmaSquared.den);
    expect(s2).toBeLessThan(2 * 2 * Math.log(1.25e6));
    expect(s2).toBeGreaterThan(2);
    // Epsilon above 1 is fine with the zCDP conversion.
    expect(
      calibrateNoise(hist, { mechanism: 'discrete-gaussian', epsilon: 2, delta: 1e-6 }).mechanism,
    ).toBe('discrete-gaussian');
    for (const dp of [
      { mechanism: 'discrete-gaussian', epsilon: 1 },
      { mechanism: 'discrete-gaussian', epsilon: 1, delta: 1 },
      { mechanism: 'discrete-laplace', epsilon: 1e-7 },
      { mechanism: 'discrete-laplace', epsilon: Number.NaN },
    ] as const) {
      expect(() => calibrateNoise(hist, dp as DpSpec)).toThrow(ConfigError);
    }
    expect(() =>
      calibrateNoise(
        { type: 'Prio3Sum', maxMeasurement: 2 ** 50 },
        { mechanism: 'discrete-laplace', epsilon: 1e-3 },
      ),
    ).toThrow(ConfigError);
  });

  it('labels the noise for the Collector', () => {
    expect(noiseLabel({ mechanism: 'discrete-laplace', epsilon: 1 }, false)).toBe(
      'discrete-laplace;epsilon=1',
    );
    expect(noiseLabel({ mechanism: 'discrete-laplace', epsilon: 1 }, true)).toBe('off-for-testing');
  });
});

describe('addNoise', () => {
  it('adds centred noise of the calibrated scale to every element, modulo p', () => {
    const vdaf = vdafOf({ type: 'Prio3Histogram', length: 4000, chunkLength: 60 });
    const f = vdaf.field;
    const zero = f.zeros(4000);
    addNoise(vdaf, zero, { mechanism: 'discrete-laplace', scale: { num: 10n, den: 1n } });
    const p = f.modulus;
    const values = f.toBigInts(zero).map((x) => Number(x > p / 2n ? x - p : x));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const meanAbs = values.reduce((a, b) => a + Math.abs(b), 0) / values.length;
    // Discrete Laplace with scale 10: sd about 14.1, E|X| about 10. Thresholds at z ~ 6.
    expect(Math.abs(mean)).toBeLessThan((6 * 14.2) / Math.sqrt(4000));
    expect(meanAbs).toBeGreaterThan(10 - (6 * 10) / Math.sqrt(4000));
    expect(meanAbs).toBeLessThan(10 + (6 * 10) / Math.sqrt(4000));
    expect(values.filter((v) => v !== 0).length).toBeGreaterThan(3000);
  });
});

describe('round trip with noise on', () => {
  it('reports Laplace noise from both aggregators and stays within a tail bound', async () => {
    const d = await deploy({
      vdaf: { type: 'Prio3Histogram', length: 4, chunkLength: 2 },
      noise: true,
      leaderStore: `sqlite:${join(dir, 'l.db')}`,
      helperStore: `sqlite:${join(dir, 'h.db')}`,
    });
    try {
      const ms = Array.from({ length: 20 }, (_, i) => i % 4);
      const reports = await makeReports(d, ms);
      expect((await upload(d, reports)).status).toBe(200);
      const req = timeIntervalCollectionReq(reports[0].reportMetadata.time, 1n);
      const res = await awaitCollection(d, (await postCollection(d, req)).headers.get('location')!);
      expect(res.headers.get('pm-dp-noise')).toBe(
        'leader=discrete-laplace;epsilon=1, helper=discrete-laplace;epsilon=1',
      );
      const { result } = await openResult(d, req, new Uint8Array(await res.arrayBuffer()));
      const p = d.task.vdaf.field.modulus;
      // Each bucket holds 5 plus two discrete Laplace draws of scale 2 (histogram L1 sensitivity
      // 2 under replace-one, epsilon 1); outside this interval with probability 1e-12.
      const { halfWidth } = noiseInterval(
        { mechanism: 'discrete-laplace', scale: 2 },
        { confidence: 1 - 1e-12 },
      );
      for (const v of result as bigint[]) {
        const centred = Number(v > p / 2n ? v - p : v) - 5;
        expect(Math.abs(centred)).toBeLessThanOrEqual(halfWidth);
      }
    } finally {
      await d.close();
    }
  });
});
