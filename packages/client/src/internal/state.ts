// The client's in-memory copy of the store and a transaction overlay on it: an operation reads
// and writes through a transaction, which becomes a ChangeSet for the store and is applied to
// the in-memory copy only after the store has committed it.

import {
  budgetKey,
  type BudgetKind,
  type BudgetRecord,
  type ChangeSet,
  type LedgerEntry,
  type StateMeta,
  type StoredImpression,
  type StoredState,
} from '../store/types.js';

/** Authoritative in-memory state, mirrored from the store. */
export class AttributionState {
  meta: StateMeta;
  readonly impressions: Map<number, StoredImpression>;
  readonly budgets: Map<string, BudgetRecord>;
  ledger: LedgerEntry[];

  constructor(stored: StoredState) {
    this.meta = { ...stored.meta };
    this.impressions = new Map(stored.impressions.map((i) => [i.id, i]));
    this.budgets = new Map(stored.budgets.map((b) => [budgetKey(b.kind, b.epoch, b.site), b]));
    this.ledger = [...stored.ledger];
  }

  /** Start a transaction reading this state. */
  begin(): Transaction {
    return new Transaction(this);
  }
}

/** Reads through to the base state; writes are buffered until `apply`. */
export class Transaction {
  private readonly meta: Partial<StateMeta> = {};
  private readonly putImpressions = new Map<number, StoredImpression>();
  private readonly deadImpressions = new Set<number>();
  private readonly putBudgets = new Map<string, BudgetRecord>();
  private readonly deadBudgets = new Map<string, Omit<BudgetRecord, 'value'>>();
  private readonly newLedger: LedgerEntry[] = [];
  private readonly deadLedger = new Set<number>();

  constructor(private readonly base: AttributionState) {}

  getMeta<K extends keyof StateMeta>(key: K): StateMeta[K] {
    return key in this.meta ? (this.meta[key] as StateMeta[K]) : this.base.meta[key];
  }

  setMeta<K extends keyof StateMeta>(key: K, value: StateMeta[K]): void {
    this.meta[key] = value;
  }

  /** Current impressions in save order. */
  *impressions(): IterableIterator<StoredImpression> {
    for (const [id, impression] of this.base.impressions) {
      if (this.deadImpressions.has(id)) continue;
      yield this.putImpressions.get(id) ?? impression;
    }
    for (const [id, impression] of this.putImpressions) {
      if (!this.base.impressions.has(id) && !this.deadImpressions.has(id)) yield impression;
    }
  }

  putImpression(impression: StoredImpression): void {
    this.deadImpressions.delete(impression.id);
    this.putImpressions.set(impression.id, impression);
  }

  deleteImpression(id: number): void {
    this.putImpressions.delete(id);
    this.deadImpressions.add(id);
  }

  /** Remaining budget of a key, or `fallback` when the store has no entry. */
  getBudget(kind: BudgetKind, epoch: number, site: string, fallback: number): number {
    const key = budgetKey(kind, epoch, site);
    if (this.deadBudgets.has(key)) return fallback;
    return (this.putBudgets.get(key) ?? this.base.budgets.get(key))?.value ?? fallback;
  }

  setBudget(kind: BudgetKind, epoch: number, site: string, value: number): void {
    const key = budgetKey(kind, epoch, site);
    this.deadBudgets.delete(key);
    this.putBudgets.set(key, { kind, epoch, site, value });
  }

  deleteBudget(kind: BudgetKind, epoch: number, site: string): void {
    const key = budgetKey(kind, epoch, site);
    this.putBudgets.delete(key);
    this.deadBudgets.set(key, { kind, epoch, site });
  }

  /** Current budget records of one kind. */
  budgetRecords(kind: BudgetKind): BudgetRecord[] {
    const out: BudgetRecord[] = [];
    for (const [key, record] of this.base.budgets) {
      if (record.kind !== kind || this.deadBudgets.has(key) || this.putBudgets.has(key)) continue;
      out.push(record);
    }
    for (const [key, record] of this.putBudgets) {
      if (record.kind === kind && !this.deadBudgets.has(key)) out.push(record);
    }
    return out;
  }

  /** Current ledger entries. */
  ledger(): LedgerEntry[] {
    return this.base.ledger.filter((e) => !this.deadLedger.has(e.id)).concat(this.newLedger);
  }

  appendLedger(entry: Omit<LedgerEntry, 'id'>): void {
    const id = this.getMeta('nextLedgerId');
    this.setMeta('nextLedgerId', id + 1);
    this.newLedger.push({ ...entry, id });
  }

  deleteLedger(id: number): void {
    this.deadLedger.add(id);
  }

  /** The buffered writes, for the store. */
  changeSet(): ChangeSet {
    return {
      meta: Object.keys(this.meta).length > 0 ? { ...this.meta } : undefined,
      putImpressions: [...this.putImpressions.values()],
      deleteImpressions: [...this.deadImpressions].filter((id) => this.base.impressions.has(id)),
      putBudgets: [...this.putBudgets.values()],
      deleteBudgets: [...this.deadBudgets.values()],
      putLedger: [...this.newLedger],
      deleteLedger: [...this.deadLedger],
    };
  }

  /** Make the buffered writes visible in the base state (after the store committed them). */
  apply(): void {
    const base = this.base;
    base.meta = { ...base.meta, ...this.meta };
    for (const id of this.deadImpressions) base.impressions.delete(id);
    for (const [id, impression] of this.putImpressions) base.impressions.set(id, impression);
    for (const key of this.deadBudgets.keys()) base.budgets.delete(key);
    for (const [key, record] of this.putBudgets) base.budgets.set(key, record);
    if (this.deadLedger.size > 0)
      base.ledger = base.ledger.filter((e) => !this.deadLedger.has(e.id));
    base.ledger.push(...this.newLedger);
  }
}
