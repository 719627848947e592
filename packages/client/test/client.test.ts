// AttributionClient behaviour: the report is always produced with one size, disabling is
// invisible, lifetimes clamp and expire, intermediaries, clearing, the ledger and the statement.
import { describe, expect, it } from 'vitest';

import {
  AttributionClient,
  ConfigError,
  ReportError,
  describePrivacy,
  resolveConfig,
  type ReportEncoder,
} from '../src/index.js';
import { DAY, SERVICE, testClient } from './helpers.js';

const PUB = { topLevelSite: 'publisher.example' };
const SHOP = { topLevelSite: 'shop.example' };
const measure = {
  aggregationService: SERVICE,
  histogramSize: 4,
  value: 2,
  maxValue: 2,
  epsilon: 0.1,
};

describe('the report is always produced', () => {
  it('has the same size whether it matched, found nothing, ran out of budget or was disabled', async () => {
    const { client, store, clock } = await testClient({ perSitePrivacyBudget: 150_000 });
    const sizes: number[] = [];
    const nothing = await client.measureConversion(SHOP, measure);
    sizes.push(nothing.report.length);
    await client.saveImpression(PUB, { histogramIndex: 3 });
    clock.now += 1000;
    const matched = await client.measureConversion(SHOP, measure);
    expect(matched.unencryptedHistogram).toEqual([0, 0, 0, 2]);
    sizes.push(matched.report.length);
    const exhausted = await client.measureConversion(SHOP, measure);
    expect(exhausted.unencryptedHistogram).toEqual([0, 0, 0, 0]);
    sizes.push(exhausted.report.length);
    await client.setEnabled(false);
    const budgetsBefore = (await store.load()).budgets;
    const disabled = await client.measureConversion({ topLevelSite: 'other.example' }, measure);
    expect(disabled.unencryptedHistogram).toEqual([0, 0, 0, 0]);
    expect((await store.load()).budgets).toEqual(budgetsBefore);
    sizes.push(disabled.report.length);
    expect(new Set(sizes)).toEqual(new Set([16]));
    const outcomes = (await client.ledger()).entries.map((e) => e.outcome);
    expect(outcomes).toEqual(['no-match', 'attributed', 'budget-exhausted', 'disabled']);
  });

  it('omits the cleartext unless asked', async () => {
    const { client } = await testClient({}, { includeUnencryptedHistogram: false });
    const r = await client.measureConversion(SHOP, measure);
    expect(r).not.toHaveProperty('unencryptedHistogram');
  });

  it('spends no budget when the encoder fails', async () => {
    const failing: ReportEncoder = { encode: async () => Promise.reject(new Error('boom')) };
    const { client, store, clock } = await testClient({}, { encoder: failing });
    await client.saveImpression(PUB, { histogramIndex: 0 });
    clock.now += 1000;
    await client.flush();
    const before = await store.load();
    await expect(client.measureConversion(SHOP, measure)).rejects.toBeInstanceOf(ReportError);
    expect(await store.load()).toEqual(before);
  });

  it('needs an encoder', async () => {
    const client = await AttributionClient.open({
      config: { aggregationServices: { [SERVICE]: { protocol: 'dap-18-histogram' } } },
    });
    await expect(client.measureConversion(SHOP, measure)).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('impressions', () => {
  it('are not saved while the API is disabled, and the call still succeeds', async () => {
    const { client, store } = await testClient();
    await client.setEnabled(false);
    await expect(client.saveImpression(PUB, { histogramIndex: 0 })).resolves.toEqual({});
    await client.flush();
    expect((await store.load()).impressions).toEqual([]);
  });

  it('clamp the lifetime to the maximum lookback and expire after it', async () => {
    const { client, store, clock } = await testClient({ maxLookbackDays: 10 });
    await client.saveImpression(PUB, { histogramIndex: 1, lifetimeDays: 365 });
    await client.flush();
    expect((await store.load()).impressions[0]!.lifetimeDays).toBe(10);
    clock.now += 10 * DAY;
    expect((await client.measureConversion(SHOP, measure)).unencryptedHistogram).toEqual([
      0, 2, 0, 0,
    ]);
    clock.now += 1;
    expect((await client.measureConversion(SHOP, measure)).unencryptedHistogram).toEqual([
      0, 0, 0, 0,
    ]);
    // The next save removes what has expired.
    await client.saveImpression(PUB, { histogramIndex: 2 });
    await client.flush();
    expect((await store.load()).impressions.map((i) => i.histogramIndex)).toEqual([2]);
  });

  it('record an intermediary only when it is cross-site', async () => {
    const { client, store } = await testClient();
    await client.saveImpression(
      { topLevelSite: 'pub.example', intermediarySite: 'https://ads.pub.example' },
      { histogramIndex: 0 },
    );
    await client.saveImpression(
      { topLevelSite: 'pub.example', intermediarySite: 'adtech.example' },
      { histogramIndex: 1 },
    );
    await client.flush();
    const saved = (await store.load()).impressions;
    expect(saved[0]!.intermediarySite).toBeUndefined();
    expect(saved[1]!.intermediarySite).toBe('adtech.example');
  });

  it('match on conversion callers through the intermediary', async () => {
    const { client, clock } = await testClient();
    await client.saveImpression(PUB, { histogramIndex: 1, conversionCallers: ['adtech.example'] });
    clock.now += 1000;
    expect((await client.measureConversion(SHOP, measure)).unencryptedHistogram).toEqual([
      0, 0, 0, 0,
    ]);
    const viaAdtech = await client.measureConversion(
      { ...SHOP, intermediarySite: 'adtech.example' },
      measure,
    );
    expect(viaAdtech.unencryptedHistogram).toEqual([0, 2, 0, 0]);
  });
});

describe('clearing (W3C Attribution §4.1.3, §12.7)', () => {
  it("Clear-Site-Data removes a site's impressions and its name from others", async () => {
    const { client, store } = await testClient();
    await client.saveImpression(PUB, { histogramIndex: 0 });
    await client.saveImpression(
      { topLevelSite: 'other.example' },
      { histogramIndex: 1, conversionSites: ['publisher.example', 'shop.example'] },
    );
    await client.saveImpression(
      { topLevelSite: 'other.example' },
      { histogramIndex: 2, conversionSites: ['publisher.example'] },
    );
    await client.clearImpressionsForSite('https://www.publisher.example');
    const left = (await store.load()).impressions;
    expect(left.map((i) => [i.histogramIndex, i.conversionSites])).toEqual([[1, ['shop.example']]]);
  });

  it("clearing site data zeroes the site's budgets but keeps impressions", async () => {
    const { client, store, clock } = await testClient();
    await client.saveImpression(PUB, { histogramIndex: 0 });
    clock.now += 1000;
    await client.clearSiteData(['shop.example']);
    expect((await client.measureConversion(SHOP, measure)).unencryptedHistogram).toEqual([
      0, 0, 0, 0,
    ]);
    expect(
      (await client.measureConversion({ topLevelSite: 'b.example' }, measure)).unencryptedHistogram,
    ).toEqual([2, 0, 0, 0]);
    expect((await store.load()).impressions).toHaveLength(1);
    await expect(client.clearSiteData([])).rejects.toMatchObject({ name: 'RangeError' });
  });

  it('clearing history forgets impressions and closes the current epochs', async () => {
    const { client, store, clock } = await testClient();
    await client.saveImpression(PUB, { histogramIndex: 0 });
    clock.now += 1000;
    await client.measureConversion(SHOP, measure);
    await client.clearBrowsingHistory([]);
    const state = await store.load();
    expect(state.impressions).toEqual([]);
    expect(state.budgets).toEqual([]);
    expect(state.ledger).toEqual([]);
    expect(state.meta.lastBrowsingHistoryClear).toBe(clock.now);
    // An impression saved now sits in an epoch that attribution may not query yet.
    clock.now += 1000;
    await client.saveImpression(PUB, { histogramIndex: 0 });
    clock.now += 1000;
    expect((await client.measureConversion(SHOP, measure)).unencryptedHistogram).toEqual([
      0, 0, 0, 0,
    ]);
    clock.now += 8 * DAY;
    await client.saveImpression(PUB, { histogramIndex: 1 });
    clock.now += 1000;
    expect((await client.measureConversion(SHOP, measure)).unencryptedHistogram).toEqual([
      0, 2, 0, 0,
    ]);
  });
});

describe('explainability', () => {
  it('the ledger says which reports left and what each site spent, per epoch', async () => {
    const { client, clock } = await testClient();
    await client.saveImpression(PUB, { histogramIndex: 0 });
    clock.now += 1000;
    await client.measureConversion({ ...SHOP, intermediarySite: 'adtech.example' }, measure);
    await client.measureConversion(
      { topLevelSite: 'b.example' },
      { ...measure, impressionSites: ['nobody.example'] },
    );
    const view = await client.ledger();
    expect(view.entries).toHaveLength(2);
    expect(view.bySiteAndEpoch).toEqual([
      expect.objectContaining({
        site: 'shop.example',
        spent: 100_000,
        remaining: 900_000,
        budget: 1_000_000,
        reports: 1,
      }),
    ]);
    expect(view.text).toContain('asked by shop.example (through adtech.example)');
    expect(view.text).toContain('carried nothing: no matching ad views');
    expect(view.text).toContain('shop.example, epoch');
    expect(view.text).toContain('spent 0.1 of 1 epsilon');
  });

  it('the statement follows the configuration', () => {
    const text = describePrivacy(
      resolveConfig({
        perSitePrivacyBudget: 2_500_000,
        globalPrivacyBudgetPerEpoch: 30_000_000,
        aggregationServices: {
          'https://leader.example/dap': {
            protocol: 'dap-18-histogram',
            leader: { url: 'https://leader.example/dap', operator: 'Leader Org' },
            helper: { url: 'https://helper.example/', operator: 'Helper Org' },
          },
        },
      }),
    );
    expect(text).toContain('epsilon 2.5');
    expect(text).toContain('epsilon 30');
    expect(text).toContain('Leader Org (first aggregator) and Helper Org (second aggregator)');
    expect(text).toContain('periods of 7 days');
    expect(describePrivacy(resolveConfig())).toContain('No aggregation service is configured');
  });

  it('rejects a bad configuration with a ConfigError', () => {
    expect(() => resolveConfig({ maxHistogramSize: 0 })).toThrow(ConfigError);
    expect(() => resolveConfig({ perSitePrivacyBudget: 1.5 })).toThrow(ConfigError);
    expect(() =>
      resolveConfig({ aggregationServices: { 'not a url': { protocol: 'dap-18-histogram' } } }),
    ).toThrow(ConfigError);
    expect(() =>
      resolveConfig({ aggregationServices: { [SERVICE]: { protocol: 'x' as never } } }),
    ).toThrow(ConfigError);
  });
});
