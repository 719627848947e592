// AttributionClient.open and resolveConfig with hostile options: a bad store, hook, flag, URL,
// provisioned HpkeConfig or codepoint is a ConfigError at configuration time; a store whose
// state is unreadable or malformed is a StorageError; the user controls take booleans only.
import { encodeHpkeConfig, generateHpkeKeypair } from '@private-measurement/protocol';
import { describe, expect, it } from 'vitest';

import {
  AttributionClient,
  ClearTextReportEncoder,
  ConfigError,
  MemoryStore,
  StorageError,
  resolveConfig,
  type AttributionStore,
} from '../src/index.js';
import { SERVICE, testClient } from './helpers.js';

/** The error a promise rejects with, or the error a function throws. */
async function failure(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

async function expectConfigError(run: () => unknown, fragment: string): Promise<void> {
  const error = (await failure(run)) as ConfigError;
  expect(error).toBeInstanceOf(ConfigError);
  expect(error.code).toBe('CONFIG');
  expect(error.message).toContain(fragment);
}

const service = (extra: Record<string, unknown>) => ({
  aggregationServices: { [SERVICE]: { protocol: 'dap-18-histogram', ...extra } },
});

describe('resolveConfig rejects hostile configurations (W3C Attribution §4.5)', () => {
  it('a configuration that is not an object', async () => {
    for (const bad of [null, 7, 'config', [], true]) {
      await expectConfigError(() => resolveConfig(bad as never), 'config: expected an object');
    }
  });

  it('aggregationServices that is an array or not an object', async () => {
    for (const bad of [[], null, 'x']) {
      await expectConfigError(
        () => resolveConfig({ aggregationServices: bad as never }),
        'aggregationServices',
      );
    }
  });

  it('service and aggregator URLs other than http and https', async () => {
    await expectConfigError(
      () => resolveConfig({ aggregationServices: { 'ftp://agg.example/': service({}) } as never }),
      'http or https',
    );
    for (const url of ['javascript:alert(1)', 'data:text/plain,x', 'file:///etc/passwd']) {
      await expectConfigError(
        () => resolveConfig(service({ leader: { url } }) as never),
        'leader.url: expected an http or https URL',
      );
    }
    await expectConfigError(
      () => resolveConfig(service({ helper: { url: 'not a url' } }) as never),
      'helper.url: expected an absolute URL',
    );
  });

  it('an aggregator that is not an object, or an operator that is not a string', async () => {
    await expectConfigError(
      () => resolveConfig(service({ leader: 'https://l/' }) as never),
      'leader',
    );
    await expectConfigError(
      () => resolveConfig(service({ helper: { url: 'https://h.example/', operator: 5 } }) as never),
      'helper.operator: expected a string',
    );
  });

  it('a provisioned hpkeConfig that is not bytes, not decodable or not supported', async () => {
    const { config } = await generateHpkeKeypair(1);
    const good = encodeHpkeConfig(config);
    const truncated = good.subarray(0, good.length - 1);
    const extended = Uint8Array.from([...good, 0]);
    const otherKem = encodeHpkeConfig({ ...config, kemId: 0x0010 });
    const shortKey = encodeHpkeConfig({ ...config, publicKey: new Uint8Array(31) });
    for (const bad of [truncated, extended, otherKem, shortKey, new Uint8Array(0)]) {
      await expectConfigError(
        () => resolveConfig(service({ leader: { url: SERVICE, hpkeConfig: bad } }) as never),
        'leader.hpkeConfig: expected',
      );
    }
    await expectConfigError(
      () => resolveConfig(service({ helper: { url: SERVICE, hpkeConfig: [...good] } }) as never),
      'helper.hpkeConfig: expected an encoded HpkeConfig',
    );
    // The same bytes, well formed, are accepted.
    const resolved = resolveConfig(
      service({ leader: { url: SERVICE, hpkeConfig: good } }) as never,
    );
    expect(resolved.aggregationServices[SERVICE].leader?.hpkeConfig).toBe(good);
  });

  it('unknown, non-integer or oversized codepoints', async () => {
    await expectConfigError(
      () => resolveConfig(service({ codepoints: { batchMod: 2 } }) as never),
      'codepoints.batchMod: unknown codepoint',
    );
    await expectConfigError(
      () => resolveConfig(service({ codepoints: 'x' }) as never),
      'codepoints: expected an object',
    );
    await expectConfigError(
      () => resolveConfig(service({ codepoints: { privacyBudget: 0x10000 } }) as never),
      'codepoints.privacyBudget: expected uint16',
    );
    await expectConfigError(
      () => resolveConfig(service({ codepoints: { budgetSource: 1.5 } }) as never),
      'codepoints.budgetSource',
    );
    const ok = resolveConfig(service({ codepoints: { privacyBudget: 0xfff0 } }) as never);
    expect(ok.aggregationServices[SERVICE].codepoints).toEqual({ privacyBudget: 0xfff0 });
  });
});

describe('AttributionClient.open rejects hostile options', () => {
  it('options that are not an object', async () => {
    for (const bad of [null, 'x', 3]) {
      await expectConfigError(() => AttributionClient.open(bad as never), 'options');
    }
  });

  it('a store without load, commit and close', async () => {
    const partial = { load: async () => new MemoryStore().load(), commit: async () => {} };
    for (const bad of [partial, 'store', null, 7]) {
      await expectConfigError(
        () => AttributionClient.open({ store: bad as never }),
        'store: expected an AttributionStore',
      );
    }
  });

  it('an encoder without encode, hooks that are not functions, a non-boolean flag', async () => {
    await expectConfigError(
      () => AttributionClient.open({ encoder: {} as never }),
      'encoder: expected a ReportEncoder',
    );
    for (const name of ['now', 'random', 'epochStartRandom', 'creditRandom', 'onBackgroundError']) {
      await expectConfigError(
        () => AttributionClient.open({ [name]: 12 } as never),
        `${name}: expected a function`,
      );
    }
    await expectConfigError(
      () => AttributionClient.open({ includeUnencryptedHistogram: 'yes' as never }),
      'includeUnencryptedHistogram: expected a boolean',
    );
  });

  it('a store whose load throws is a StorageError without the thrown text', async () => {
    const store: AttributionStore = {
      kind: 'hostile',
      load: async () => {
        throw new Error('secret path /home/user/profile');
      },
      commit: async () => {},
      close: async () => {},
    };
    const error = (await failure(() => AttributionClient.open({ store }))) as StorageError;
    expect(error).toBeInstanceOf(StorageError);
    expect(error.code).toBe('STORAGE');
    expect(error.message).not.toContain('secret');
  });

  it('a store that loads malformed state is a StorageError', async () => {
    const base = await new MemoryStore().load();
    const impression = {
      id: 1,
      matchValue: 0,
      impressionSite: 'a.example',
      conversionSites: [],
      conversionCallers: [],
      timestamp: 0,
      lifetimeDays: 30,
      histogramIndex: 0,
      priority: 0,
    };
    const hostile: unknown[] = [
      null,
      'state',
      { ...base, meta: { ...base.meta, enabled: 'true' } },
      { ...base, impressions: {} },
      { ...base, impressions: [{ ...impression, histogramIndex: -1 }] },
      { ...base, impressions: [{ ...impression, timestamp: Number.NaN }] },
      { ...base, budgets: [{ kind: 'other', epoch: 0, site: 'a.example', value: 1 }] },
      { ...base, budgets: [{ kind: 'site', epoch: 0, site: 'a.example', value: -5 }] },
      { ...base, ledger: [{ outcome: 'attributed' }] },
    ];
    for (const state of hostile) {
      const store: AttributionStore = {
        kind: 'hostile',
        load: async () => state as never,
        commit: async () => {},
        close: async () => {},
      };
      const error = (await failure(() =>
        AttributionClient.open({ store, encoder: new ClearTextReportEncoder() }),
      )) as StorageError;
      expect(error).toBeInstanceOf(StorageError);
      expect(error.code).toBe('STORAGE');
    }
  });
});

describe('user controls take booleans only (W3C Attribution §4.2.4, §10.2)', () => {
  it('setEnabled with a non-boolean is a TypeError and changes nothing', async () => {
    const { client, store } = await testClient();
    const before = await store.load();
    for (const bad of [0, 1, 'false', null, undefined, {}]) {
      const error = (await failure(() => client.setEnabled(bad as never))) as TypeError & {
        code: string;
        option: string;
      };
      expect(error).toBeInstanceOf(TypeError);
      expect(error.code).toBe('TYPE');
      expect(error.option).toBe('enabled');
    }
    expect(await store.load()).toEqual(before);
    expect(client.enabled).toBe(true);
  });

  it('clearBrowsingHistoryForAttribution with a non-boolean forgetVisits changes nothing', async () => {
    const { client, store } = await testClient();
    await client.saveImpression({ topLevelSite: 'pub.example' }, { histogramIndex: 1 });
    await client.flush();
    const before = await store.load();
    for (const bad of [0, 'true', null, undefined]) {
      const error = (await failure(() =>
        client.clearBrowsingHistoryForAttribution(['pub.example'], bad as never),
      )) as TypeError & { option: string };
      expect(error).toBeInstanceOf(TypeError);
      expect(error.option).toBe('forgetVisits');
    }
    const sites = (await failure(() =>
      client.clearBrowsingHistoryForAttribution('pub.example' as never, true),
    )) as TypeError & { option: string };
    expect(sites).toBeInstanceOf(TypeError);
    expect(sites.option).toBe('sites');
    await client.flush();
    expect(await store.load()).toEqual(before);
    expect(before.impressions).toHaveLength(1);
  });

  it('a caller that is not an object is a typed TypeError', async () => {
    const { client } = await testClient();
    for (const bad of [null, 'pub.example', 3]) {
      const error = (await failure(() =>
        client.saveImpression(bad as never, { histogramIndex: 0 }),
      )) as TypeError & { code: string; option: string };
      expect(error).toBeInstanceOf(TypeError);
      expect(error.code).toBe('TYPE');
      expect(error.option).toBe('caller');
    }
  });
});
