// The whole demo pipeline on a small population: with noise off every collected bucket equals
// the sum of the devices' cleartext histograms and every report is counted once; with noise on
// the output states the noise and each bucket stays within a far tail bound of the truth.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import type { DemoOptions } from '../src/options.js';
import { runDemo } from '../src/pipeline.js';
import type { DemoResult } from '../src/result.js';

const work = mkdtempSync(join(tmpdir(), 'pm-demo-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs the demo, capturing what it prints. */
async function run(
  options: Partial<DemoOptions>,
  noiseOff: boolean,
): Promise<{ result: DemoResult; text: string; out: string }> {
  const out = join(work, `${noiseOff ? 'exact' : 'noisy'}-${options.seed}.html`);
  let text = '';
  const result = await runDemo(
    { devices: 500, epsilon: 1, histogramSize: 8, seed: 1, out, ...options },
    { write: (s) => void (text += s), unsafeDisableNoiseForTesting: noiseOff },
  );
  return { result, text, out };
}

/** The temporary directory of the deployment, as the first step printed it. */
function deploymentDirectory(text: string): string {
  const match = /SQLite in (\S+)/.exec(text);
  expect(match).not.toBeNull();
  return match![1];
}

describe('demo pipeline, noise off (test mode)', () => {
  it('collects exactly the true histogram and counts every report once', async () => {
    const { result, text, out } = await run({ seed: 11 }, true);
    const sim = result.simulation;

    // The population did something worth measuring.
    expect(sim.conversions).toBeGreaterThan(20);
    expect(sim.outcomes.attributed).toBeGreaterThan(0);
    expect(sim.trueHistogram.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(sim.trueHistogram.filter((v) => v > 0).length).toBeGreaterThan(1);

    // Every bucket: released value = true value, and the interval collapses to it.
    expect(result.rows).toHaveLength(8);
    for (const row of result.rows) {
      expect(row.noisy).toBe(sim.trueHistogram[row.bucket]);
      expect(row.truth).toBe(sim.trueHistogram[row.bucket]);
      expect([row.low, row.high]).toEqual([row.noisy, row.noisy]);
    }

    // One report per conversion, each accepted, verified and collected once.
    const outcomes = Object.values(sim.outcomes).reduce((a, b) => a + b, 0);
    expect(outcomes).toBe(sim.conversions);
    expect(result.upload).toMatchObject({ sent: sim.conversions, accepted: sim.conversions });
    expect(result.upload.rejected).toEqual({});
    expect(result.aggregation.committed).toBe(sim.conversions);
    expect(result.aggregation.rejected).toEqual({});
    expect(Number(result.collected.result.reportCount)).toBe(sim.conversions);

    // The devices' budget never goes over the per-site budget of an epoch.
    expect(sim.budget.length).toBeGreaterThan(0);
    for (const b of sim.budget) expect(b.maxSpentMicro).toBeLessThanOrEqual(b.budgetMicro);

    // The output says plainly that noise was off, and who said so.
    expect(result.collected.aggregatorNoise).toBe('leader=off-for-testing, helper=off-for-testing');
    expect(text).toContain('NOISE OFF (test mode)');
    expect(text).toContain('noise: OFF (aggregators: leader=off-for-testing');
    expect(text).toContain(`collected: ${sim.conversions.toLocaleString('en-US')} reports`);
    expect(readFileSync(out, 'utf8')).toContain('noise: OFF');

    // The deployment's SQLite directory is gone.
    expect(existsSync(deploymentDirectory(text))).toBe(false);
  });

  it('the same seed simulates the same population', async () => {
    const a = await run({ seed: 5, devices: 300, histogramSize: 3 }, true);
    const b = await run({ seed: 5, devices: 300, histogramSize: 3 }, true);
    expect(b.result.simulation.trueHistogram).toEqual(a.result.simulation.trueHistogram);
    expect(b.result.rows.map((r) => r.noisy)).toEqual(a.result.rows.map((r) => r.noisy));
    expect(a.result.rows).toHaveLength(3);
  });
});

describe('demo pipeline, noise on', () => {
  it('states the noise and keeps every bucket within a far tail bound', async () => {
    const epsilon = 1;
    const { result, text } = await run({ seed: 23, epsilon }, false);
    const noise = result.collected.result.noise!;
    expect(noise).toBeDefined();

    // Replace-one L1 sensitivity of Prio3L1BoundSum is 2 * maxValue; each aggregator adds
    // discrete Laplace noise of scale sensitivity / epsilon.
    const scale = (2 * result.model.maxValue) / epsilon;
    expect(noise.mechanism).toBe('discrete-laplace');
    expect(noise.scale).toBe(scale);
    expect(noise.aggregators).toBe(2);
    expect(result.collected.aggregatorNoise).toBe(
      'leader=discrete-laplace;epsilon=1, helper=discrete-laplace;epsilon=1',
    );
    expect(text).toContain(`noise: discrete-laplace, scale ${scale} per aggregator x 2`);
    expect(text).not.toContain('NOISE OFF');

    // P(|X| >= k) <= 2 exp(-k / scale) for one discrete Laplace draw; the sum of two exceeds
    // 2k only if one draw exceeds k. With k = 30 scale a bucket fails with probability below
    // 4 exp(-30), about 4e-13.
    const bound = 2 * 30 * scale;
    const sim = result.simulation;
    for (const row of result.rows) {
      expect(Math.abs(row.noisy - sim.trueHistogram[row.bucket])).toBeLessThanOrEqual(bound);
      expect(row.low).toBe(row.noisy - noise.halfWidth);
      expect(row.high).toBe(row.noisy + noise.halfWidth);
    }
    // Noise was really added: all eight buckets exact has probability below 0.05^8.
    expect(result.rows.some((r) => r.noisy !== r.truth)).toBe(true);
    expect(Number(result.collected.result.reportCount)).toBe(sim.conversions);
  });
});
