// Decoding of persisted state read back from a file or a database: every field is checked, so a
// corrupted or hostile document becomes a StorageError instead of wrong attribution.

import { StorageError } from '../errors.js';
import type {
  BudgetRecord,
  LedgerEntry,
  StateMeta,
  StoredImpression,
  StoredState,
} from './types.js';

type Obj = Record<string, unknown>;

function fail(what: string): never {
  throw new StorageError(`state: invalid ${what}`);
}

function obj(v: unknown, what: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(what);
  return v as Obj;
}

function int(v: unknown, what: string, min = -Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) fail(what);
  return v;
}

function num(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(what);
  return v;
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') fail(what);
  return v;
}

function arr(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) fail(what);
  return v;
}

function nullableInt(v: unknown, what: string): number | null {
  return v === null ? null : int(v, what);
}

/** Check one impression record. */
export function decodeImpression(v: unknown): StoredImpression {
  const o = obj(v, 'impression');
  const out: StoredImpression = {
    id: int(o.id, 'impression id', 0),
    matchValue: int(o.matchValue, 'impression matchValue', 0),
    impressionSite: str(o.impressionSite, 'impression site'),
    conversionSites: arr(o.conversionSites, 'conversionSites').map((s) =>
      str(s, 'conversion site'),
    ),
    conversionCallers: arr(o.conversionCallers, 'conversionCallers').map((s) =>
      str(s, 'conversion caller'),
    ),
    timestamp: int(o.timestamp, 'impression timestamp'),
    lifetimeDays: int(o.lifetimeDays, 'impression lifetime', 1),
    histogramIndex: int(o.histogramIndex, 'impression histogramIndex', 0),
    priority: int(o.priority, 'impression priority'),
  };
  if (o.intermediarySite !== undefined)
    out.intermediarySite = str(o.intermediarySite, 'intermediary site');
  return out;
}

/** Check one budget record. */
export function decodeBudget(v: unknown): BudgetRecord {
  const o = obj(v, 'budget');
  const kind = o.kind;
  if (kind !== 'site' && kind !== 'quota' && kind !== 'global') fail('budget kind');
  return {
    kind,
    epoch: int(o.epoch, 'budget epoch'),
    site: str(o.site, 'budget site'),
    value: int(o.value, 'budget value', 0),
  };
}

/** Check one ledger entry. */
export function decodeLedgerEntry(v: unknown): LedgerEntry {
  const o = obj(v, 'ledger entry');
  const outcome = o.outcome;
  if (
    outcome !== 'attributed' &&
    outcome !== 'no-match' &&
    outcome !== 'budget-exhausted' &&
    outcome !== 'disabled'
  ) {
    fail('ledger outcome');
  }
  const out: LedgerEntry = {
    id: int(o.id, 'ledger id', 0),
    time: int(o.time, 'ledger time'),
    conversionSite: str(o.conversionSite, 'ledger site'),
    aggregationService: str(o.aggregationService, 'ledger service'),
    epsilon: num(o.epsilon, 'ledger epsilon'),
    histogramSize: int(o.histogramSize, 'ledger histogramSize', 0),
    maxValue: int(o.maxValue, 'ledger maxValue', 0),
    charges: arr(o.charges, 'ledger charges').map((c) => {
      const co = obj(c, 'ledger charge');
      return {
        epoch: int(co.epoch, 'charge epoch'),
        microEpsilon: int(co.microEpsilon, 'charge', 0),
      };
    }),
    outcome,
    reportBytes: int(o.reportBytes, 'ledger reportBytes', 0),
  };
  if (o.intermediarySite !== undefined)
    out.intermediarySite = str(o.intermediarySite, 'ledger intermediary');
  return out;
}

/** Check the singular values. */
export function decodeMeta(v: unknown): StateMeta {
  const o = obj(v, 'meta');
  if (typeof o.enabled !== 'boolean') fail('meta enabled');
  return {
    epochStartTime: nullableInt(o.epochStartTime, 'epochStartTime'),
    lastBrowsingHistoryClear: nullableInt(o.lastBrowsingHistoryClear, 'lastBrowsingHistoryClear'),
    enabled: o.enabled,
    nextImpressionId: int(o.nextImpressionId, 'nextImpressionId', 1),
    nextLedgerId: int(o.nextLedgerId, 'nextLedgerId', 1),
  };
}

/**
 * Check a whole persisted state.
 *
 * @param v - parsed JSON or database content
 * @returns the state
 * @throws {StorageError} naming the first invalid field
 */
export function decodeStoredState(v: unknown): StoredState {
  const o = obj(v, 'state');
  return {
    meta: decodeMeta(o.meta),
    impressions: arr(o.impressions, 'impressions').map(decodeImpression),
    budgets: arr(o.budgets, 'budgets').map(decodeBudget),
    ledger: arr(o.ledger, 'ledger').map(decodeLedgerEntry),
  };
}
