// The browser bundle: esbuild can bundle the package for the browser platform (no Node built-in
// reachable from the entry point), and the bundle runs a whole attribution with IndexedDB.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';

import { browserBundleOptions } from '../scripts/browser-bundle-options.mjs';

describe('browser bundle', () => {
  it('bundles for the browser and runs saveImpression, measureConversion and the ledger', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pm-bundle-')), 'attribution.js');
    await build({ ...browserBundleOptions(out), logLevel: 'silent' });
    const lib = await import(pathToFileURL(out).href);
    const service = 'https://agg.example';
    const clock = { now: 1_800_000_000_000 };
    const client = await lib.AttributionClient.open({
      config: { aggregationServices: { [service]: { protocol: 'dap-18-histogram' } } },
      store: new lib.IndexedDbStore({ indexedDB: new IDBFactory() }),
      encoder: new lib.ClearTextReportEncoder(),
      now: () => clock.now,
    });
    await client.saveImpression({ topLevelSite: 'news.example' }, { histogramIndex: 1 });
    clock.now += 1000;
    const { report } = await client.measureConversion(
      { topLevelSite: 'shop.example' },
      { aggregationService: service, histogramSize: 3 },
    );
    expect(lib.decodeClearTextReport(report)).toEqual([0, 1, 0]);
    expect((await client.ledger()).entries).toHaveLength(1);
  });
});
