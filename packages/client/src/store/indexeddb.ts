// IndexedDB-backed AttributionStore for browsers: impressions, budgets and the ledger in their
// own object stores, every commit one readwrite transaction (all or nothing).

import { StorageError } from '../errors.js';
import { isEmpty } from './memory.js';
import {
  budgetKey,
  emptyState,
  type AttributionStore,
  type ChangeSet,
  type StoredState,
} from './types.js';
import { decodeBudget, decodeImpression, decodeLedgerEntry, decodeMeta } from './validate.js';

const STORES = ['meta', 'impressions', 'budgets', 'ledger'] as const;

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('aborted'));
  });
}

function storageError(what: string, error: unknown): StorageError {
  const name = (error as { name?: string } | null)?.name ?? 'error';
  return new StorageError(`indexeddb: ${what} failed (${name})`);
}

/**
 * A store in an IndexedDB database (default name "pm-attribution").
 *
 * @example
 * const store = new IndexedDbStore({ name: 'attribution' });
 * const client = await AttributionClient.open({ store });
 */
export class IndexedDbStore implements AttributionStore {
  readonly kind = 'indexeddb';
  private db: IDBDatabase | undefined;
  private readonly name: string;
  private readonly factory: IDBFactory | undefined;

  /**
   * @param options.name - database name
   * @param options.indexedDB - the IDBFactory; `globalThis.indexedDB` when omitted
   */
  constructor(options: { name?: string; indexedDB?: IDBFactory } = {}) {
    this.name = options.name ?? 'pm-attribution';
    this.factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  }

  private async database(): Promise<IDBDatabase> {
    if (this.db !== undefined) return this.db;
    if (this.factory === undefined) throw new StorageError('indexeddb: not available here');
    const req = this.factory.open(this.name, 1);
    req.onupgradeneeded = () => {
      const db = req.result;
      db.createObjectStore('meta');
      db.createObjectStore('impressions', { keyPath: 'id' });
      db.createObjectStore('budgets', { keyPath: 'key' });
      db.createObjectStore('ledger', { keyPath: 'id' });
    };
    try {
      this.db = await request(req);
    } catch (error) {
      throw storageError('open', error);
    }
    return this.db;
  }

  async load(): Promise<StoredState> {
    const db = await this.database();
    let raw: [IDBValidKey[], unknown[], unknown[], unknown[], unknown[]];
    try {
      const tx = db.transaction([...STORES], 'readonly');
      raw = await Promise.all([
        request(tx.objectStore('meta').getAllKeys()),
        request(tx.objectStore('meta').getAll()),
        request(tx.objectStore('impressions').getAll()),
        request(tx.objectStore('budgets').getAll()),
        request(tx.objectStore('ledger').getAll()),
      ]);
    } catch (error) {
      throw storageError('load', error);
    }
    const [metaKeys, metaValues, impressions, budgets, ledger] = raw;
    const state = emptyState();
    const meta: Record<string, unknown> = { ...state.meta };
    metaKeys.forEach((key, i) => (meta[String(key)] = metaValues[i]));
    state.meta = decodeMeta(meta);
    state.impressions = impressions.map(decodeImpression).sort((a, b) => a.id - b.id);
    state.budgets = budgets.map((b) => decodeBudget(b));
    state.ledger = ledger.map(decodeLedgerEntry).sort((a, b) => a.id - b.id);
    return state;
  }

  async commit(changes: ChangeSet): Promise<void> {
    if (isEmpty(changes)) return;
    const db = await this.database();
    let tx: IDBTransaction | undefined;
    try {
      tx = db.transaction([...STORES], 'readwrite');
      const completion = done(tx);
      completion.catch(() => {}); // observed below; an abort must not go unhandled meanwhile
      // Each singular value is its own record, so a commit never reads before writing.
      const metaStore = tx.objectStore('meta');
      for (const [field, value] of Object.entries(changes.meta ?? {})) metaStore.put(value, field);
      const impressions = tx.objectStore('impressions');
      for (const id of changes.deleteImpressions) impressions.delete(id);
      for (const i of changes.putImpressions) impressions.put(i);
      const budgets = tx.objectStore('budgets');
      for (const b of changes.deleteBudgets) budgets.delete(budgetKey(b.kind, b.epoch, b.site));
      for (const b of changes.putBudgets)
        budgets.put({ ...b, key: budgetKey(b.kind, b.epoch, b.site) });
      const ledger = tx.objectStore('ledger');
      for (const id of changes.deleteLedger) ledger.delete(id);
      for (const e of changes.putLedger) ledger.put(e);
      await completion;
    } catch (error) {
      // A request that threw synchronously leaves the transaction open: abort it.
      try {
        tx?.abort();
      } catch {
        // Already finished or aborted.
      }
      throw storageError('commit', error);
    }
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = undefined;
  }
}
