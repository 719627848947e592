// Privacy budget rules: deduction arithmetic and rounding, single- versus multi-epoch charges,
// the global budget and impression-site quotas, and that a short budget deducts nothing.
import { describe, expect, it } from 'vitest';

import { decimalOf, deductions } from '../src/internal/budget.js';
import { DAY, SERVICE, testClient } from './helpers.js';

const PUB = { topLevelSite: 'publisher.example' };

describe('deduction arithmetic (W3C Attribution §4.2.1)', () => {
  it('single epoch: l1Norm / (2 maxValue / epsilon), in micro-epsilon', () => {
    // The spec's own example: l1Norm 4, maxValue 8, epsilon 1 costs a quarter.
    expect(deductions(1, 4, 8, true, 4)).toEqual({
      l1NormDeduction: 250_000,
      valueDeduction: 500_000,
    });
    expect(deductions(1, 8, 8, true, 8).l1NormDeduction).toBe(500_000);
  });

  it('multi epoch: 2 value / noise scale for both', () => {
    expect(deductions(1, 4, 8, false, 0)).toEqual({
      l1NormDeduction: 500_000,
      valueDeduction: 500_000,
    });
  });

  it('rounds towards positive infinity', () => {
    // 1 * 1 * 10^6 / (2 * 3) = 166666.67 -> 166667.
    expect(deductions(1, 1, 3, true, 1).l1NormDeduction).toBe(166_667);
    expect(deductions(1, 1, 3, true, 0).l1NormDeduction).toBe(0);
  });

  it('takes epsilon as the decimal it prints as', () => {
    expect(decimalOf(0.1)).toEqual({ num: 1n, den: 10n });
    expect(decimalOf(1e-7)).toEqual({ num: 1n, den: 10_000_000n });
    expect(decimalOf(4294)).toEqual({ num: 4294n, den: 1n });
    // epsilon 0.1 over sensitivity = noise scale costs exactly 100000.
    expect(deductions(0.1, 1, 1, true, 2).l1NormDeduction).toBe(100_000);
  });
});

describe('budgets in the client', () => {
  const measure = (extra: Record<string, unknown> = {}) => ({
    aggregationService: SERVICE,
    histogramSize: 4,
    value: 4,
    maxValue: 4,
    lookbackDays: 1,
    ...extra,
  });

  it('a short per-site budget zeroes the report and deducts nothing', async () => {
    const { client, store, clock } = await testClient({ perSitePrivacyBudget: 1_200_000 });
    await client.saveImpression(PUB, { histogramIndex: 2 });
    clock.now += 1000;
    // value 4 = maxValue 4 at epsilon 1 costs 0.5 each time.
    const site = { topLevelSite: 'shop.example' };
    expect((await client.measureConversion(site, measure())).unencryptedHistogram).toEqual([
      0, 0, 4, 0,
    ]);
    expect((await client.measureConversion(site, measure())).unencryptedHistogram).toEqual([
      0, 0, 4, 0,
    ]);
    const before = (await store.load()).budgets.filter((b) => b.kind === 'site');
    expect(before.map((b) => b.value)).toEqual([200_000]);
    expect((await client.measureConversion(site, measure())).unencryptedHistogram).toEqual([
      0, 0, 0, 0,
    ]);
    expect((await store.load()).budgets.filter((b) => b.kind === 'site')).toEqual(before);
    // A smaller request still fits.
    expect(
      (await client.measureConversion(site, measure({ epsilon: 0.4 }))).unencryptedHistogram,
    ).toEqual([0, 0, 4, 0]);
    const ledger = await client.ledger();
    expect(ledger.entries.map((e) => e.outcome)).toEqual([
      'attributed',
      'attributed',
      'budget-exhausted',
      'attributed',
    ]);
  });

  it('the global budget stops reports from every site (a safety limit)', async () => {
    // Each report costs a value deduction of 2 * 4 / (2 * 4 / 1) = 1 on the global budget of 2.5.
    const { client, clock } = await testClient({ globalPrivacyBudgetPerEpoch: 2_500_000 });
    await client.saveImpression(PUB, { histogramIndex: 0 });
    clock.now += 1000;
    const results = [];
    for (const site of ['a.example', 'b.example', 'c.example']) {
      results.push(
        (await client.measureConversion({ topLevelSite: site }, measure())).unencryptedHistogram,
      );
    }
    expect(results).toEqual([
      [4, 0, 0, 0],
      [4, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
  });

  it('the global budget is charged by value even when the L1 norm is smaller', async () => {
    const { client, store, clock } = await testClient({ globalPrivacyBudgetPerEpoch: 1_500_000 });
    await client.saveImpression(PUB, { histogramIndex: 9 }); // outside histogramSize 4
    clock.now += 1000;
    const r = await client.measureConversion({ topLevelSite: 'a.example' }, measure());
    expect(r.unencryptedHistogram).toEqual([0, 0, 0, 0]);
    const budgets = (await store.load()).budgets;
    expect(budgets.find((b) => b.kind === 'site')?.value).toBe(1_000_000); // l1Norm 0 costs 0
    expect(budgets.find((b) => b.kind === 'global')?.value).toBe(500_000);
  });

  it('impression-site quotas limit what one impression site enables', async () => {
    // Each report costs a value deduction of 1 on the quota of 2.5.
    const { client, store, clock } = await testClient({ impressionSiteQuotaPerEpoch: 2_500_000 });
    await client.saveImpression(PUB, { histogramIndex: 0 });
    clock.now += 1000;
    await client.saveImpression(PUB, { histogramIndex: 1 });
    await client.saveImpression({ topLevelSite: 'other-pub.example' }, { histogramIndex: 3 });
    clock.now += 1000;
    const out = [];
    for (const site of ['a.example', 'b.example', 'c.example']) {
      out.push(
        (
          await client.measureConversion(
            { topLevelSite: site },
            measure({ impressionSites: ['publisher.example'] }),
          )
        ).unencryptedHistogram,
      );
    }
    expect(out).toEqual([
      [0, 4, 0, 0],
      [0, 4, 0, 0],
      [0, 0, 0, 0],
    ]);
    // Two impressions of one site charged its quota once per report.
    const quota = (await store.load()).budgets.filter((b) => b.kind === 'quota');
    expect(quota).toEqual([expect.objectContaining({ site: 'publisher.example', value: 500_000 })]);
    // Another impression site still has its quota.
    const other = await client.measureConversion(
      { topLevelSite: 'd.example' },
      measure({ impressionSites: ['other-pub.example'] }),
    );
    expect(other.unencryptedHistogram).toEqual([0, 0, 0, 4]);
  });

  it('a lookback spanning epochs charges each epoch 2 value / noise scale', async () => {
    const { client, store, clock } = await testClient();
    await client.saveImpression(PUB, { histogramIndex: 0 });
    clock.now += 10 * DAY;
    await client.saveImpression(PUB, { histogramIndex: 1 });
    clock.now += 1000;
    const r = await client.measureConversion(
      { topLevelSite: 'a.example' },
      measure({ lookbackDays: 30, value: 2, credit: [1, 1] }),
    );
    expect(r.unencryptedHistogram).toEqual([1, 1, 0, 0]);
    const site = (await store.load()).budgets.filter((b) => b.kind === 'site');
    // 2 * 2 / (2 * 4 / 1) = 0.5 per epoch with impressions, in two epochs.
    expect(site.map((b) => b.value)).toEqual([500_000, 500_000]);
    const ledger = await client.ledger();
    expect(ledger.entries[0]!.charges.map((c) => c.microEpsilon)).toEqual([500_000, 500_000]);
  });

  it('an epoch without budget drops only its impressions', async () => {
    const { client, clock } = await testClient({ perSitePrivacyBudget: 600_000 });
    const site = { topLevelSite: 'a.example' };
    await client.saveImpression(PUB, { histogramIndex: 0 });
    clock.now += 1000;
    // Spend the first epoch's budget with a single-epoch query (0.5 of 0.6).
    await client.measureConversion(site, measure());
    clock.now += 10 * DAY;
    await client.saveImpression(PUB, { histogramIndex: 1 });
    clock.now += 1000;
    // Multi-epoch with value 2: 2 * 2 / (2 * 4) = 0.5 per epoch; only the new epoch has it.
    const r = await client.measureConversion(
      site,
      measure({ lookbackDays: 30, value: 2, credit: [1, 1] }),
    );
    expect(r.unencryptedHistogram).toEqual([0, 2, 0, 0]);
  });

  it('concurrent conversions never overspend (the attribution budget lock)', async () => {
    const { client, store, clock } = await testClient({ perSitePrivacyBudget: 2_000_000 });
    await client.saveImpression(PUB, { histogramIndex: 1 });
    clock.now += 1000;
    // Each costs 0.5 of the site's 2.0: exactly four may carry a value.
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        client.measureConversion({ topLevelSite: 'a.example' }, measure()),
      ),
    );
    const carried = results.filter((r) => r.unencryptedHistogram![1] === 4).length;
    expect(carried).toBe(4);
    const site = (await store.load()).budgets.filter((b) => b.kind === 'site');
    expect(site.map((b) => b.value)).toEqual([0]);
  });
});
