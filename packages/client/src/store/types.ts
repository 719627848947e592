// The storage contract of the Attribution client: a store loads the whole state once and then
// applies change sets atomically, so a failed operation leaves nothing half-written.

/** One saved impression (W3C Attribution §4.1.1), as persisted. Times are ms since 1970. */
export interface StoredImpression {
  /** Store-local identifier, increasing in save order (the tie-break of the sort). */
  id: number;
  matchValue: number;
  impressionSite: string;
  /** The intermediary site that saved it, or undefined when the impression site did. */
  intermediarySite?: string;
  conversionSites: string[];
  conversionCallers: string[];
  timestamp: number;
  /** Lifetime in days, already clamped to the maximum lookback. */
  lifetimeDays: number;
  histogramIndex: number;
  priority: number;
}

/** Which budget map a record belongs to (W3C Attribution §4.2.1). */
export type BudgetKind = 'site' | 'quota' | 'global';

/** One entry of the privacy budget, impression-site quota or global budget store. */
export interface BudgetRecord {
  kind: BudgetKind;
  epoch: number;
  /** The site of the key; empty for the global store, which is keyed by epoch only. */
  site: string;
  /** Remaining budget in micro-epsilon. */
  value: number;
}

/** Why a conversion report carries what it carries (user-facing ledger). */
export type ReportOutcome = 'attributed' | 'no-match' | 'budget-exhausted' | 'disabled';

/** One report that left the device, with the budget it cost, for the user-facing ledger. */
export interface LedgerEntry {
  id: number;
  /** When measureConversion ran, ms since 1970. */
  time: number;
  conversionSite: string;
  intermediarySite?: string;
  aggregationService: string;
  /** Epsilon the caller asked to spend. */
  epsilon: number;
  histogramSize: number;
  maxValue: number;
  /** Budget deducted from the conversion site per epoch, micro-epsilon. */
  charges: Array<{ epoch: number; microEpsilon: number }>;
  outcome: ReportOutcome;
  /** Size of the report handed to the site, in bytes. */
  reportBytes: number;
}

/** Singular values of the state. */
export interface StateMeta {
  /** Epoch start time (W3C Attribution §4.2.3), ms since 1970, or null until first needed. */
  epochStartTime: number | null;
  /** Last browsing history clear (W3C Attribution §4.2.4), or null when never cleared. */
  lastBrowsingHistoryClear: number | null;
  /** Whether the user has the API enabled (W3C Attribution §10.2). */
  enabled: boolean;
  nextImpressionId: number;
  nextLedgerId: number;
}

/** The whole persisted state. */
export interface StoredState {
  meta: StateMeta;
  impressions: StoredImpression[];
  budgets: BudgetRecord[];
  ledger: LedgerEntry[];
}

/** An atomic set of changes. Deletions apply before insertions. */
export interface ChangeSet {
  meta?: Partial<StateMeta>;
  putImpressions: StoredImpression[];
  deleteImpressions: number[];
  putBudgets: BudgetRecord[];
  deleteBudgets: Array<Omit<BudgetRecord, 'value'>>;
  putLedger: LedgerEntry[];
  deleteLedger: number[];
}

/** Persistence for AttributionClient: memory, file (Node) or IndexedDB (browsers). */
export interface AttributionStore {
  /** Human-readable kind, e.g. "memory", "file", "indexeddb". */
  readonly kind: string;
  /**
   * Read the whole state.
   *
   * @throws {StorageError} when the state cannot be read or does not decode
   */
  load(): Promise<StoredState>;
  /**
   * Apply a change set atomically and durably: either all of it or none of it persists.
   *
   * @throws {StorageError} when the changes cannot be written; nothing changed then
   */
  commit(changes: ChangeSet): Promise<void>;
  /** Release resources. */
  close(): Promise<void>;
}

/** The state of a store that has never been written. */
export function emptyState(): StoredState {
  return {
    meta: {
      epochStartTime: null,
      lastBrowsingHistoryClear: null,
      enabled: true,
      nextImpressionId: 1,
      nextLedgerId: 1,
    },
    impressions: [],
    budgets: [],
    ledger: [],
  };
}

/** Key of a budget record inside maps. */
export function budgetKey(kind: BudgetKind, epoch: number, site: string): string {
  return `${kind}|${epoch}|${site}`;
}

/**
 * Apply a change set to a plain state object in place (shared by the memory and file stores).
 *
 * @param state - state to modify
 * @param changes - changes to apply
 */
export function applyChanges(state: StoredState, changes: ChangeSet): void {
  if (changes.meta !== undefined) state.meta = { ...state.meta, ...changes.meta };

  // Each collection is rebuilt only when the change set touches it.
  if (changes.deleteImpressions.length > 0 || changes.putImpressions.length > 0) {
    const dead = new Set(changes.deleteImpressions);
    const put = new Map(changes.putImpressions.map((i) => [i.id, i]));
    state.impressions = state.impressions
      .filter((i) => !dead.has(i.id) && !put.has(i.id))
      .concat([...put.values()])
      .sort((a, b) => a.id - b.id);
  }

  if (changes.deleteBudgets.length > 0 || changes.putBudgets.length > 0) {
    const budgets = new Map(state.budgets.map((b) => [budgetKey(b.kind, b.epoch, b.site), b]));
    for (const b of changes.deleteBudgets) budgets.delete(budgetKey(b.kind, b.epoch, b.site));
    for (const b of changes.putBudgets) budgets.set(budgetKey(b.kind, b.epoch, b.site), { ...b });
    state.budgets = [...budgets.values()];
  }

  if (changes.deleteLedger.length > 0) {
    const dead = new Set(changes.deleteLedger);
    state.ledger = state.ledger.filter((e) => !dead.has(e.id));
  }
  state.ledger.push(...changes.putLedger);
}
