// Every validation of saveImpression and measureConversion, with the error type the spec
// mandates, and hostile inputs: the right error and no change to the store.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  AttributionRangeError,
  AttributionReferenceError,
  AttributionTypeError,
} from '../src/index.js';
import { SERVICE, testClient } from './helpers.js';

const PUB = { topLevelSite: 'publisher.example' };
const ADV = { topLevelSite: 'advertiser.example' };
const conv = (extra: Record<string, unknown>) => ({
  aggregationService: SERVICE,
  histogramSize: 4,
  ...extra,
});

/** The error a promise rejects with. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('saveImpression validation (W3C Attribution §4.3)', () => {
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    ['histogramIndex at the maximum', { histogramIndex: 256 }, 'RangeError', 'histogramIndex'],
    ['zero lifetime', { histogramIndex: 0, lifetimeDays: 0 }, 'RangeError', 'lifetimeDays'],
    [
      'too many conversion sites',
      { histogramIndex: 0, conversionSites: Array(11).fill('a.example') },
      'RangeError',
      'conversionSites',
    ],
    [
      'too many conversion callers',
      { histogramIndex: 0, conversionCallers: Array(11).fill('a.example') },
      'RangeError',
      'conversionCallers',
    ],
    ['missing histogramIndex', {}, 'TypeError', 'histogramIndex'],
    ['negative histogramIndex', { histogramIndex: -1 }, 'TypeError', 'histogramIndex'],
    ['fractional matchValue', { histogramIndex: 0, matchValue: 1.5 }, 'TypeError', 'matchValue'],
    ['huge lifetime', { histogramIndex: 0, lifetimeDays: 2 ** 32 }, 'TypeError', 'lifetimeDays'],
    ['priority out of long', { histogramIndex: 0, priority: 2 ** 31 }, 'TypeError', 'priority'],
    ['string histogramIndex', { histogramIndex: '1' }, 'TypeError', 'histogramIndex'],
    [
      'sites not an array',
      { histogramIndex: 0, conversionSites: 'a.example' },
      'TypeError',
      'conversionSites',
    ],
    [
      'site not a string',
      { histogramIndex: 0, conversionCallers: [7] },
      'TypeError',
      'conversionCallers[0]',
    ],
  ];
  for (const [name, options, errorName, option] of cases) {
    it(`${name}: ${errorName}`, async () => {
      const { client, store } = await testClient();
      const before = await store.load();
      const error = (await rejection(client.saveImpression(PUB, options as never))) as Error & {
        option: string;
        code: string;
      };
      expect(error.name).toBe(errorName);
      expect(error.option).toBe(option);
      expect(error.code).toBe(errorName === 'RangeError' ? 'RANGE' : 'TYPE');
      await client.flush();
      expect(await store.load()).toEqual(before);
    });
  }

  it('a bad site is a DOMException SyntaxError', async () => {
    const { client } = await testClient();
    for (const options of [
      { histogramIndex: 0, conversionSites: [':'] },
      { histogramIndex: 0, conversionCallers: ['localhost'] },
      { histogramIndex: 0, conversionSites: ['127.0.0.1'] },
    ]) {
      const error = await rejection(client.saveImpression(PUB, options));
      expect(error).toBeInstanceOf(DOMException);
      expect((error as DOMException).name).toBe('SyntaxError');
    }
    const error = await rejection(
      client.saveImpression({ topLevelSite: 'foo.localhost' }, { histogramIndex: 0 }),
    );
    expect((error as DOMException).name).toBe('SyntaxError');
  });

  it('options that are not a dictionary are a TypeError', async () => {
    const { client } = await testClient();
    for (const options of [5, 'x', [1], true]) {
      expect(await rejection(client.saveImpression(PUB, options as never))).toBeInstanceOf(
        AttributionTypeError,
      );
    }
  });
});

describe('measureConversion validation (W3C Attribution §4.4)', () => {
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    [
      'unknown service',
      { aggregationService: 'https://other.example' },
      'ReferenceError',
      'aggregationService',
    ],
    ['zero epsilon', { epsilon: 0 }, 'RangeError', 'epsilon'],
    ['negative epsilon', { epsilon: -1 }, 'RangeError', 'epsilon'],
    ['epsilon above maximum', { epsilon: 4294.5 }, 'RangeError', 'epsilon'],
    ['zero histogramSize', { histogramSize: 0 }, 'RangeError', 'histogramSize'],
    ['histogramSize above maximum', { histogramSize: 257 }, 'RangeError', 'histogramSize'],
    ['zero value', { value: 0 }, 'RangeError', 'value'],
    ['value above maxValue', { value: 3, maxValue: 2 }, 'RangeError', 'value'],
    ['empty credit', { credit: [] }, 'RangeError', 'credit'],
    ['zero credit', { credit: [1, 0] }, 'RangeError', 'credit'],
    ['negative credit', { credit: [-1] }, 'RangeError', 'credit'],
    ['too much credit', { credit: Array(11).fill(1) }, 'RangeError', 'credit'],
    ['zero lookback', { lookbackDays: 0 }, 'RangeError', 'lookbackDays'],
    [
      'too many match values',
      { matchValues: Array.from({ length: 31 }, (_, i) => i) },
      'RangeError',
      'matchValues',
    ],
    [
      'too many impression sites',
      { impressionSites: Array(31).fill('a.example') },
      'RangeError',
      'impressionSites',
    ],
    [
      'too many impression callers',
      { impressionCallers: Array(11).fill('a.example') },
      'RangeError',
      'impressionCallers',
    ],
    ['NaN epsilon', { epsilon: NaN }, 'TypeError', 'epsilon'],
    ['infinite credit', { credit: [Infinity] }, 'TypeError', 'credit[0]'],
    ['missing histogramSize', { histogramSize: undefined }, 'TypeError', 'histogramSize'],
    ['missing service', { aggregationService: undefined }, 'TypeError', 'aggregationService'],
    ['negative value', { value: -2 }, 'TypeError', 'value'],
    ['fractional maxValue', { maxValue: 2.5 }, 'TypeError', 'maxValue'],
    ['match value out of range', { matchValues: [2 ** 32] }, 'TypeError', 'matchValues[0]'],
  ];
  for (const [name, extra, errorName, option] of cases) {
    it(`${name}: ${errorName}`, async () => {
      const { client, store } = await testClient();
      await client.saveImpression(PUB, { histogramIndex: 1 });
      await client.flush();
      const before = await store.load();
      const error = (await rejection(
        client.measureConversion(ADV, conv(extra) as never),
      )) as Error & {
        option: string;
      };
      expect(error.name).toBe(errorName);
      expect(error.option).toBe(option);
      expect(await store.load()).toEqual(before);
    });
  }

  it('checks in the spec order: service before epsilon before histogram size', async () => {
    const { client } = await testClient();
    const all = { aggregationService: 'https://x.example', epsilon: 0, histogramSize: 0 };
    expect(await rejection(client.measureConversion(ADV, all))).toBeInstanceOf(
      AttributionReferenceError,
    );
    const e = (await rejection(
      client.measureConversion(ADV, { ...all, aggregationService: SERVICE }),
    )) as AttributionRangeError;
    expect(e.option).toBe('epsilon');
  });

  it('a service-specific maximum histogram size applies', async () => {
    const { client } = await testClient({
      aggregationServices: { [SERVICE]: { protocol: 'dap-18-histogram', maxHistogramSize: 8 } },
    });
    const e = (await rejection(
      client.measureConversion(ADV, conv({ histogramSize: 9 })),
    )) as AttributionRangeError;
    expect(e.option).toBe('histogramSize');
    await expect(client.measureConversion(ADV, conv({ histogramSize: 8 }))).resolves.toBeDefined();
  });

  it('bad impression sites and callers are a DOMException SyntaxError', async () => {
    const { client } = await testClient();
    for (const extra of [
      { impressionSites: ['a'] },
      { impressionCallers: [':'] },
      { impressionSites: ['x.localhost'] },
    ]) {
      const error = await rejection(client.measureConversion(ADV, conv(extra)));
      expect((error as DOMException).name).toBe('SyntaxError');
    }
  });
});

describe('hostile inputs', () => {
  const hostile = fc.oneof(
    fc.double(),
    fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
    fc.string(),
    fc.constant(null),
    fc.boolean(),
    fc.array(fc.anything(), { maxLength: 40 }),
    fc.object(),
    fc.bigInt(),
  );
  const KNOWN = ['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError'];

  it('random saveImpression options: typed error or success, never partial state', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            histogramIndex: hostile,
            matchValue: hostile,
            conversionSites: hostile,
            conversionCallers: hostile,
            lifetimeDays: hostile,
            priority: hostile,
          },
          { requiredKeys: [] },
        ),
        async (options) => {
          const { client, store } = await testClient();
          let error: unknown;
          try {
            await client.saveImpression(PUB, options as never);
          } catch (e) {
            error = e;
          }
          await client.flush();
          const after = await store.load();
          if (error === undefined) {
            expect(after.impressions.length).toBe(1);
          } else {
            expect(KNOWN).toContain((error as Error).name);
            expect(after.impressions.length).toBe(0);
          }
        },
      ),
      { numRuns: 150, seed: 42 },
    );
  });

  it('random measureConversion options: typed error or a report, budgets untouched on error', async () => {
    const { client, store } = await testClient();
    await client.saveImpression(PUB, { histogramIndex: 0 });
    await client.flush();
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            aggregationService: fc.oneof(fc.constant(SERVICE), hostile),
            epsilon: hostile,
            histogramSize: fc.oneof(fc.integer({ min: 0, max: 300 }), hostile),
            lookbackDays: hostile,
            matchValues: hostile,
            impressionSites: hostile,
            impressionCallers: hostile,
            credit: hostile,
            value: hostile,
            maxValue: hostile,
          },
          { requiredKeys: [] },
        ),
        async (options) => {
          const before = await store.load();
          try {
            const result = await client.measureConversion(ADV, options as never);
            expect(result.report).toBeInstanceOf(Uint8Array);
          } catch (e) {
            expect(KNOWN).toContain((e as Error).name);
            expect(await store.load()).toEqual(before);
          }
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });

  it('a caller context that is not a site is rejected', async () => {
    const { client } = await testClient();
    for (const caller of [
      { topLevelSite: '' },
      { topLevelSite: 'a b' },
      { topLevelSite: 5 },
      null,
    ]) {
      const error = await rejection(client.saveImpression(caller as never, { histogramIndex: 0 }));
      expect(KNOWN).toContain((error as Error).name);
    }
  });
});
