// In-memory AttributionStore: state lives as long as the object; useful for tests, simulation
// and short-lived processes.

import {
  applyChanges,
  emptyState,
  type AttributionStore,
  type ChangeSet,
  type StoredState,
} from './types.js';

/**
 * A store that keeps the state in memory. Several clients opened on one MemoryStore in turn see
 * each other's committed state.
 *
 * @example
 * const client = await AttributionClient.open({ store: new MemoryStore() });
 */
export class MemoryStore implements AttributionStore {
  readonly kind = 'memory';
  private state: StoredState = emptyState();

  async load(): Promise<StoredState> {
    return structuredClone(this.state);
  }

  async commit(changes: ChangeSet): Promise<void> {
    if (isEmpty(changes)) return;
    // Records are replaced, never mutated in place, so copying the lists suffices.
    applyChanges(this.state, {
      meta: changes.meta === undefined ? undefined : { ...changes.meta },
      putImpressions: changes.putImpressions.map((i) => ({ ...i })),
      deleteImpressions: [...changes.deleteImpressions],
      putBudgets: changes.putBudgets.map((b) => ({ ...b })),
      deleteBudgets: [...changes.deleteBudgets],
      putLedger: changes.putLedger.map((e) => ({ ...e })),
      deleteLedger: [...changes.deleteLedger],
    });
  }

  async close(): Promise<void> {}
}

/** True when a change set changes nothing. */
export function isEmpty(changes: ChangeSet): boolean {
  return (
    changes.meta === undefined &&
    changes.putImpressions.length === 0 &&
    changes.deleteImpressions.length === 0 &&
    changes.putBudgets.length === 0 &&
    changes.deleteBudgets.length === 0 &&
    changes.putLedger.length === 0 &&
    changes.deleteLedger.length === 0
  );
}
