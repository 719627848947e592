// Attribution logic: common impression matching, last-N-touch histograms and the per-epoch
// budget loop of "do attribution and fill a histogram" (W3C Attribution §4.4.1, §4.4.2, §4.4.2.1).

import { fairlyAllocateCredit } from '../credit.js';
import type { StoredImpression } from '../store/types.js';
import { deductBudgets, type BudgetLimits, type DeductionSets } from './budget.js';
import { currentEpoch, DAY_MS, startingEpoch, type EpochContext } from './epoch.js';
import type { ValidatedConversionOptions } from './options.js';
import type { Transaction } from './state.js';

/** Everything attribution needs besides the state. */
export interface AttributionContext extends EpochContext, BudgetLimits {
  /** Uniform random number in [0, 1] for the fair rounding of credit. */
  creditRandom: () => number;
}

/** Result of attribution: the histogram and what the ledger records about it. */
export interface AttributionResult {
  histogram: number[];
  /** Per-epoch charges to the conversion site, micro-epsilon. */
  charges: Array<{ epoch: number; microEpsilon: number }>;
  /** True when some epoch had matching impressions but a budget was short. */
  budgetShort: boolean;
}

/**
 * Create an all-zero histogram (W3C Attribution §4.4.1).
 *
 * @param size - number of buckets
 * @returns a list of `size` zeros
 */
export function allZeroHistogram(size: number): number[] {
  return new Array<number>(size).fill(0);
}

/**
 * Impressions that pass every filter of the common matching logic except the epoch, each with
 * its epoch; grouping these by epoch gives the spec's per-epoch result (W3C Attribution §4.4.2).
 */
function matchingByEpoch(
  txn: Transaction,
  ctx: EpochContext,
  options: ValidatedConversionOptions,
  topLevelSite: string,
  intermediarySite: string | undefined,
  now: number,
): Map<number, StoredImpression[]> {
  const byEpoch = new Map<number, StoredImpression[]>();
  const lookbackMs = options.lookbackDays * DAY_MS;
  const conversionCaller = intermediarySite ?? topLevelSite;

  for (const impression of txn.impressions()) {
    // Expired by lifetime, or older than the lookback.
    if (now > impression.timestamp + impression.lifetimeDays * DAY_MS) continue;
    if (now > impression.timestamp + lookbackMs) continue;

    // The impression restricts which conversion sites and callers may select it.
    const sites = impression.conversionSites;
    if (sites.length > 0 && !sites.includes(topLevelSite)) continue;
    const callers = impression.conversionCallers;
    if (callers.length > 0 && !callers.includes(conversionCaller)) continue;

    // The conversion restricts match values, impression sites and impression callers.
    if (options.matchValues.size > 0 && !options.matchValues.has(impression.matchValue)) continue;
    if (
      options.impressionSites.size > 0 &&
      !options.impressionSites.has(impression.impressionSite)
    ) {
      continue;
    }
    const impressionCaller = impression.intermediarySite ?? impression.impressionSite;
    if (options.impressionCallers.size > 0 && !options.impressionCallers.has(impressionCaller)) {
      continue;
    }

    const epoch = currentEpoch(txn, ctx, impression.timestamp);
    let list = byEpoch.get(epoch);
    if (list === undefined) byEpoch.set(epoch, (list = []));
    list.push(impression);
  }
  return byEpoch;
}

/** Order of last-N-touch: priority, then time, descending; then save order. */
function before(a: StoredImpression, b: StoredImpression): number {
  return b.priority - a.priority || b.timestamp - a.timestamp || a.id - b.id;
}

/** The first `n` impressions in `before` order, by insertion into a short sorted list. */
function firstN(items: readonly StoredImpression[], n: number): StoredImpression[] {
  const top: StoredImpression[] = [];
  for (const item of items) {
    if (top.length === n && before(item, top[n - 1]!) >= 0) continue;
    let i = Math.min(top.length, n - 1);
    if (top.length === n) top.pop();
    while (i > 0 && before(item, top[i - 1]!) < 0) i--;
    top.splice(i, 0, item);
  }
  return top;
}

/**
 * Fill a histogram with last-N-touch attribution (W3C Attribution §4.4.2.1).
 *
 * @param matched - matched impressions, not empty
 * @param histogramSize - number of buckets
 * @param value - conversion value
 * @param credit - credit weights
 * @param random - randomness for the fair rounding
 * @returns the histogram; its L1 norm is at most `value`
 */
export function fillHistogramLastNTouch(
  matched: readonly StoredImpression[],
  histogramSize: number,
  value: number,
  credit: readonly number[],
  random: () => number,
): number[] {
  // The first N of the impressions sorted by priority, then time, both descending (equal pairs
  // in save order); N is at most the credit length, so select rather than sort everything.
  const n = Math.min(credit.length, matched.length);
  const lastN = firstN(matched, n);
  const normalizedCredit = fairlyAllocateCredit(credit.slice(0, n), value, random);

  const histogram = allZeroHistogram(histogramSize);
  for (let i = 0; i < n; i++) {
    const index = lastN[i]!.histogramIndex;
    if (index < histogram.length) histogram[index]! += normalizedCredit[i]!;
  }
  return histogram;
}

/**
 * Do attribution and fill a histogram (W3C Attribution §4.4.1), deducting budgets through the
 * transaction.
 *
 * @param txn - state
 * @param ctx - epoch and budget parameters, randomness
 * @param options - validated conversion options
 * @param topLevelSite - the conversion site
 * @param intermediarySite - the caller when it is not the conversion site
 * @param now - ms since 1970
 * @returns the histogram and the charges made
 */
export function doAttribution(
  txn: Transaction,
  ctx: AttributionContext,
  options: ValidatedConversionOptions,
  topLevelSite: string,
  intermediarySite: string | undefined,
  now: number,
): AttributionResult {
  const empty = (): AttributionResult => ({
    histogram: allZeroHistogram(options.histogramSize),
    charges: [],
    budgetShort: false,
  });

  // Steps 1-4: the epoch range, and whether the lookback stays inside the current epoch.
  const current = currentEpoch(txn, ctx, now);
  const start = startingEpoch(txn, ctx, now);
  const earliest = currentEpoch(txn, ctx, now - options.lookbackDays * DAY_MS);
  const isSingleEpoch = current === earliest;

  const byEpoch = matchingByEpoch(txn, ctx, options, topLevelSite, intermediarySite, now);

  // Steps 5-6: a single-epoch report is charged by its actual L1 norm.
  let l1Norm = 0;
  let singleEpochHistogram: number[] | undefined;
  if (isSingleEpoch) {
    const impressions = byEpoch.get(current) ?? [];
    if (impressions.length === 0) return empty();
    const histogram = fillHistogramLastNTouch(
      impressions,
      options.histogramSize,
      options.value,
      options.credit,
      ctx.creditRandom,
    );
    l1Norm = histogram.reduce((a, b) => a + b, 0);
    if (l1Norm > options.value) throw new Error('internal: L1 norm exceeds value');
    singleEpochHistogram = histogram;
  }

  // Steps 7-10: charge each epoch that has matching impressions; keep those that fit.
  const sets: DeductionSets = {
    deductedImpressionQuotas: new Set(),
    deductedGlobalBudgets: new Set(),
  };
  const matched: StoredImpression[] = [];
  const charges: AttributionResult['charges'] = [];
  let budgetShort = false;
  for (let epoch = start; epoch <= current; epoch++) {
    const impressions = byEpoch.get(epoch);
    if (impressions === undefined || impressions.length === 0) continue;
    const charged = deductBudgets(
      txn,
      ctx,
      epoch,
      topLevelSite,
      impressions,
      options.epsilon,
      options.value,
      options.maxValue,
      isSingleEpoch,
      l1Norm,
      sets,
    );
    if (charged === null) {
      budgetShort = true;
      continue;
    }
    charges.push({ epoch, microEpsilon: charged });
    matched.push(...impressions);
  }

  // Steps 11-13: the histogram over every impression whose epoch could pay.
  if (matched.length === 0) return { ...empty(), budgetShort };

  // Spec: in the single-epoch case the matched set is the set already attributed, so we reuse
  // that histogram; a second random rounding could report another L1 norm than was charged.
  if (singleEpochHistogram !== undefined)
    return { histogram: singleEpochHistogram, charges, budgetShort };
  const histogram = fillHistogramLastNTouch(
    matched,
    options.histogramSize,
    options.value,
    options.credit,
    ctx.creditRandom,
  );
  return { histogram, charges, budgetShort };
}
