// Deterministic mode: with an injected clock and an injected random source (used for the epoch
// start and the fair rounding of credit unless those are given separately), the same calls give
// the same histograms, ledger and stored state; another random source gives another epoch start.
import { describe, expect, it } from 'vitest';

import { AttributionClient, ClearTextReportEncoder, MemoryStore } from '../src/index.js';
import { DAY, SERVICE } from './helpers.js';

/** A small seeded generator of doubles in [0, 1) (a 32-bit LCG), for the test only. */
function seeded(seed: number): () => number {
  let s = Math.imul(seed, 0x9e3779b9) >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Opens a client on the given random source, replays a fixed history, returns what it saw. */
async function replay(random: () => number) {
  const clock = { now: 1_800_000_000_000 };
  const store = new MemoryStore();
  const client = await AttributionClient.open({
    config: { aggregationServices: { [SERVICE]: { protocol: 'dap-18-histogram' } } },
    store,
    encoder: new ClearTextReportEncoder(),
    includeUnencryptedHistogram: true,
    now: () => clock.now,
    random,
  });
  const histograms: number[][] = [];
  for (let round = 0; round < 12; round++) {
    for (let i = 0; i < 3; i++) {
      await client.saveImpression(
        { topLevelSite: `pub${i}.example` },
        { histogramIndex: (round + i) % 8, conversionSites: ['shop.example'] },
      );
      clock.now += 3_600_000;
    }
    // Credit [1, 1, 1] over a value of 2 cannot split evenly: the rounding draws randomness.
    const { unencryptedHistogram } = await client.measureConversion(
      { topLevelSite: 'shop.example' },
      {
        aggregationService: SERVICE,
        histogramSize: 8,
        epsilon: 0.05,
        value: 2,
        maxValue: 4,
        credit: [1, 1, 1],
        lookbackDays: 1,
      },
    );
    histograms.push(unencryptedHistogram!);
    clock.now += DAY / 2;
  }
  const ledger = await client.ledger();
  await client.close();
  return { histograms, state: await store.load(), ledgerText: ledger.text };
}

describe('deterministic mode (injected clock and randomness)', () => {
  it('the same clock and random source give the same results and state', async () => {
    const a = await replay(seeded(7));
    const b = await replay(seeded(7));
    expect(b.histograms).toEqual(a.histograms);
    expect(b.state).toEqual(a.state);
    expect(b.ledgerText).toBe(a.ledgerText);

    // The histograms really depend on the draws: value 2 over three equal credits.
    for (const h of a.histograms) expect(h.reduce((x, y) => x + y, 0)).toBe(2);
    expect(new Set(a.histograms.map((h) => h.join())).size).toBeGreaterThan(1);
  });

  it('another random source moves the epoch start (an hour boundary within the last epoch)', async () => {
    const starts = new Set<number>();
    for (const seed of [1, 2, 3, 4, 5]) {
      const { state } = await replay(seeded(seed));
      const start = state.meta.epochStartTime!;
      expect(start % 3_600_000).toBe(0);
      // Chosen at the first measureConversion, two hours after the first save.
      expect(start).toBeLessThanOrEqual(1_800_000_000_000 + 3 * 3_600_000);
      expect(start).toBeGreaterThan(1_800_000_000_000 + 3 * 3_600_000 - 7 * DAY - 3_600_000);
      starts.add(start);
    }
    expect(starts.size).toBeGreaterThan(1);
  });
});
