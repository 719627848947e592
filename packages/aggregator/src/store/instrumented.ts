// A Datastore wrapper that tells a hook about events of committed transactions (jobs leased
// away from a holder whose lease ran out), so the aggregator can count them without the store
// knowing about metrics. An attempt that is rolled back or re-run reports nothing.
import type { Datastore, Lease, Transaction } from './types.js';

/** Events a wrapped datastore reports, once per committed transaction. */
export interface DatastoreEvents {
  /**
   * Jobs acquired from a holder whose lease expired without a release.
   *
   * @param kind - `aggregation` or `collection`.
   * @param count - how many jobs the committed acquire took over (at least 1).
   */
  onLeaseTakeover?: (kind: 'aggregation' | 'collection', count: number) => void;
}

const ACQUIRERS = {
  acquireAggregationJobs: 'aggregation',
  acquireCollectionJobs: 'collection',
} as const;

function observeTransaction(tx: Transaction, events: (() => void)[], hooks: DatastoreEvents) {
  // Bound methods are made once per transaction, not on every call.
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(tx, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      let method = bound.get(prop);
      if (method !== undefined) return method;
      const kind = (ACQUIRERS as Record<PropertyKey, 'aggregation' | 'collection'>)[prop];
      method =
        kind === undefined
          ? value.bind(target)
          : async (...args: unknown[]): Promise<Lease[]> => {
              const leases = (await value.apply(target, args)) as Lease[];
              const taken = leases.filter((l) => l.takeover === true).length;
              if (taken > 0) events.push(() => hooks.onLeaseTakeover?.(kind, taken));
              return leases;
            };
      bound.set(prop, method);
      return method;
    },
  });
}

/**
 * Wraps a datastore so that `hooks` hear about events of its committed transactions.
 *
 * @param ds - the datastore; closing the wrapper closes it.
 * @param hooks - the event hooks (each optional; a hook that throws is ignored).
 * @returns a datastore with the same behaviour.
 * @example
 * const ds = observeDatastore(await openDatastore(url), {
 *   onLeaseTakeover: (kind, n) => takeovers.inc({ kind }, n),
 * });
 */
export function observeDatastore(ds: Datastore, hooks: DatastoreEvents): Datastore {
  return {
    dialect: ds.dialect,
    async transaction<T>(name: string, fn: (tx: Transaction) => Promise<T>): Promise<T> {
      let events: (() => void)[] = [];
      const result = await ds.transaction(name, (tx) => {
        // A re-run after a serialization conflict starts over: only the committed attempt counts.
        events = [];
        return fn(observeTransaction(tx, events, hooks));
      });
      for (const emit of events) {
        try {
          emit();
        } catch {
          // A failing hook must not turn a committed transaction into an error.
        }
      }
      return result;
    },
    schemaVersion: () => ds.schemaVersion(),
    close: () => ds.close(),
  };
}
