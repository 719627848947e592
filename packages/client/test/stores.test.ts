// The three stores behind one contract: state survives reopening, commits are all-or-nothing,
// corrupted content is a StorageError.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';

import { IndexedDbStore, MemoryStore, StorageError, type AttributionStore } from '../src/index.js';
import { FileStore } from '../src/node.js';
import { emptyState, type ChangeSet } from '../src/store/types.js';
import { SERVICE, testClient } from './helpers.js';

const noChanges = (): ChangeSet => ({
  putImpressions: [],
  deleteImpressions: [],
  putBudgets: [],
  deleteBudgets: [],
  putLedger: [],
  deleteLedger: [],
});

type Factory = () => { open: () => AttributionStore };

const backends: Array<[string, Factory]> = [
  [
    'memory',
    () => {
      const store = new MemoryStore();
      return { open: () => store };
    },
  ],
  [
    'file',
    () => {
      const path = join(mkdtempSync(join(tmpdir(), 'pm-attr-')), 'state.json');
      return { open: () => new FileStore(path) };
    },
  ],
  [
    'indexeddb',
    () => {
      const indexedDB = new IDBFactory();
      return { open: () => new IndexedDbStore({ indexedDB, name: 'test' }) };
    },
  ],
];

describe.each(backends)('%s store', (_name, factory) => {
  it('keeps impressions, budgets, ledger and settings across reopening', async () => {
    const backend = factory();
    const first = await testClient({}, { store: backend.open() });
    await first.client.saveImpression(
      { topLevelSite: 'pub.example' },
      { histogramIndex: 1, priority: -3 },
    );
    first.clock.now += 1000;
    const r1 = await first.client.measureConversion(
      { topLevelSite: 'shop.example' },
      { aggregationService: SERVICE, histogramSize: 2, epsilon: 0.5 },
    );
    expect(r1.unencryptedHistogram).toEqual([0, 1]);
    await first.client.close();

    const second = await testClient({}, { store: backend.open() });
    second.clock.now = first.clock.now + 1000;
    const r2 = await second.client.measureConversion(
      { topLevelSite: 'shop.example' },
      { aggregationService: SERVICE, histogramSize: 2, epsilon: 0.5 },
    );
    expect(r2.unencryptedHistogram).toEqual([0, 1]);
    const ledger = await second.client.ledger();
    expect(ledger.entries.length).toBe(2);
    expect(ledger.bySiteAndEpoch[0]).toMatchObject({
      site: 'shop.example',
      spent: 1_000_000,
      reports: 2,
    });
    await second.client.setEnabled(false);
    await second.client.close();

    const third = await testClient({}, { store: backend.open() });
    expect(third.client.enabled).toBe(false);
    const stored = await backend.open().load();
    expect(stored.impressions).toHaveLength(1);
    expect(stored.impressions[0]).toMatchObject({ impressionSite: 'pub.example', priority: -3 });
  });

  it('an empty change set changes nothing', async () => {
    const store = factory().open();
    await store.commit(noChanges());
    expect(await store.load()).toEqual(emptyState());
  });
});

describe('file store', () => {
  it('writes atomically: no temporary file is left behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pm-attr-'));
    const store = new FileStore(join(dir, 's.json'));
    await store.load();
    await store.commit({ ...noChanges(), meta: { enabled: false } });
    expect(readdirSync(dir)).toEqual(['s.json']);
    expect(JSON.parse(readFileSync(join(dir, 's.json'), 'utf8')).state.meta.enabled).toBe(false);
  });

  it('rejects corrupted or hostile content with a StorageError', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pm-attr-'));
    const path = join(dir, 's.json');
    const valid = { format: 'pm-attribution-state/1', state: emptyState() };
    const bad: unknown[] = [
      '{',
      JSON.stringify({ format: 'other', state: emptyState() }),
      JSON.stringify({ ...valid, state: { ...emptyState(), impressions: [{ id: 'x' }] } }),
      JSON.stringify({
        ...valid,
        state: { ...emptyState(), budgets: [{ kind: 'site', epoch: 0, site: 'a', value: -1 }] },
      }),
      JSON.stringify({ ...valid, state: { ...emptyState(), meta: { enabled: 'yes' } } }),
      JSON.stringify({ ...valid, state: null }),
    ];
    for (const text of bad) {
      writeFileSync(path, text as string);
      await expect(new FileStore(path).load()).rejects.toBeInstanceOf(StorageError);
    }
    writeFileSync(path, JSON.stringify(valid));
    await expect(new FileStore(path).load()).resolves.toEqual(emptyState());
  });

  it('a failed write leaves the state and the client unchanged', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pm-attr-')), 'missing-dir', 's.json');
    const { client } = await testClient({}, { store: new FileStore(path) });
    await expect(
      client.measureConversion(
        { topLevelSite: 'shop.example' },
        { aggregationService: SERVICE, histogramSize: 2 },
      ),
    ).rejects.toBeInstanceOf(StorageError);
    expect((await client.ledger()).entries).toEqual([]);
  });
});

describe('indexeddb store', () => {
  it('fails with a StorageError where IndexedDB is missing', async () => {
    await expect(new IndexedDbStore({ indexedDB: undefined }).load()).rejects.toBeInstanceOf(
      StorageError,
    );
  });
});

describe('indexeddb atomicity', () => {
  it('a commit that fails halfway writes nothing', async () => {
    const store = new IndexedDbStore({ indexedDB: new IDBFactory() });
    await store.load();
    const good = {
      id: 1,
      matchValue: 0,
      impressionSite: 'p.example',
      conversionSites: [],
      conversionCallers: [],
      timestamp: 0,
      lifetimeDays: 1,
      histogramIndex: 0,
      priority: 0,
    };
    const bad = { ...good, id: 2, priority: (() => 0) as unknown as number };
    await expect(
      store.commit({ ...noChanges(), meta: { enabled: false }, putImpressions: [good, bad] }),
    ).rejects.toBeInstanceOf(StorageError);
    expect(await store.load()).toEqual(emptyState());
  });
});

describe('background saves', () => {
  it('a failed background save reaches onBackgroundError and stores nothing', async () => {
    const errors: unknown[] = [];
    const path = join(mkdtempSync(join(tmpdir(), 'pm-attr-')), 'missing-dir', 's.json');
    const { client } = await testClient(
      {},
      { store: new FileStore(path), onBackgroundError: (e) => errors.push(e) },
    );
    await expect(
      client.saveImpression({ topLevelSite: 'pub.example' }, { histogramIndex: 0 }),
    ).resolves.toEqual({});
    await client.flush();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(StorageError);
    expect((errors[0] as StorageError).code).toBe('STORAGE');
  });
});
