// Privacy and safety budget deduction: the per-site budget, the global budget and the
// impression-site quotas, per epoch, in micro-epsilon (W3C Attribution §4.2.1).

import type { StoredImpression } from '../store/types.js';
import type { Transaction } from './state.js';

/** The distinct impression sites of a set of impressions, in first-seen order. */
function impressionSites(impressions: readonly StoredImpression[]): Set<string> {
  const sites = new Set<string>();
  for (const impression of impressions) sites.add(impression.impressionSite);
  return sites;
}

/** Budget parameters, in micro-epsilon. */
export interface BudgetLimits {
  perSitePrivacyBudget: number;
  globalPrivacyBudgetPerEpoch: number;
  impressionSiteQuotaPerEpoch: number;
}

/** An exact non-negative rational. */
interface Rational {
  num: bigint;
  den: bigint;
}

/**
 * The exact value of a double as the caller wrote it: its shortest round-trip decimal form.
 * Spec: epsilon is a double and the deductions are stated as real arithmetic; we take the
 * decimal the double prints as (0.1 is 1/10, not 0.1000000000000000055...), so that epsilon 0.1
 * costs 100000 micro-epsilon rather than 100001.
 *
 * @param x - a finite positive double
 * @returns num/den equal to the decimal
 */
export function decimalOf(x: number): Rational {
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/u.exec(String(x));
  if (match === null) throw new RangeError('expected a finite non-negative number');
  const [, whole, fraction = '', exponent = '0'] = match;
  let num = BigInt(whole! + fraction);
  let den = 10n ** BigInt(fraction.length);
  const e = Number(exponent);
  if (e >= 0) num *= 10n ** BigInt(e);
  else den *= 10n ** BigInt(-e);
  return { num, den };
}

function ceilDiv(num: bigint, den: bigint): number {
  return Number((num + den - 1n) / den);
}

/**
 * The two deductions of one report, micro-epsilon, rounded towards positive infinity
 * (W3C Attribution §4.2.1 "deduct privacy and safety budgets" steps 1-7).
 *
 * @param epsilon - requested epsilon
 * @param value - conversion value
 * @param maxValue - maximum conversion value
 * @param isSingleEpoch - whether attribution looks at one epoch only
 * @param l1Norm - L1 norm of the single-epoch histogram (ignored for multi-epoch)
 * @returns the L1-norm-based and value-based deductions
 */
export function deductions(
  epsilon: number,
  value: number,
  maxValue: number,
  isSingleEpoch: boolean,
  l1Norm: number,
): { l1NormDeduction: number; valueDeduction: number } {
  // Steps 1-2: sensitivities.
  const l1NormSensitivity = BigInt(isSingleEpoch ? l1Norm : 2 * value);
  const valueSensitivity = BigInt(2 * value);

  // Steps 3-7: deduction = sensitivity / (2 * maxValue / epsilon) * 10^6, rounded up, computed
  // exactly as sensitivity * epsilon * 10^6 / (2 * maxValue).
  const eps = decimalOf(epsilon);
  const den = 2n * BigInt(maxValue) * eps.den;
  return {
    l1NormDeduction: ceilDiv(l1NormSensitivity * eps.num * 1_000_000n, den),
    valueDeduction: ceilDiv(valueSensitivity * eps.num * 1_000_000n, den),
  };
}

/**
 * Check for available privacy budget (W3C Attribution §4.2.1).
 *
 * @returns true when the per-site budget, the global budget and every impression-site quota of
 *   the epoch can cover the deductions
 */
export function checkAvailableBudget(
  txn: Transaction,
  limits: BudgetLimits,
  epoch: number,
  site: string,
  l1NormDeduction: number,
  valueDeduction: number,
  impressions: readonly StoredImpression[],
  isSingleEpoch: boolean,
): boolean {
  // Steps 1-3: the conversion site's budget for the epoch.
  const deduction = isSingleEpoch ? l1NormDeduction : valueDeduction;
  const currentValue = txn.getBudget('site', epoch, site, limits.perSitePrivacyBudget);
  if (deduction > currentValue) return false;

  // Steps 4-6: the global budget of the epoch.
  const currentGlobalValue = txn.getBudget('global', epoch, '', limits.globalPrivacyBudgetPerEpoch);
  if (valueDeduction > currentGlobalValue) return false;

  // Step 7: the quota of every impression site involved (each site once).
  for (const impressionSite of impressionSites(impressions)) {
    const quota = txn.getBudget('quota', epoch, impressionSite, limits.impressionSiteQuotaPerEpoch);
    if (valueDeduction > quota) return false;
  }
  return true;
}

/** Deduction bookkeeping shared across the epochs of one conversion. */
export interface DeductionSets {
  /** Impression-site quota keys already charged, as "epoch|site". */
  deductedImpressionQuotas: Set<string>;
  /** Epochs whose global budget was already charged. */
  deductedGlobalBudgets: Set<number>;
}

/**
 * Deduct privacy and safety budgets for one epoch (W3C Attribution §4.2.1). The caller holds the
 * attribution budget lock (the client serialises operations).
 *
 * @returns the micro-epsilon charged to the conversion site, or null when a budget was short
 *   (nothing is deducted then)
 */
export function deductBudgets(
  txn: Transaction,
  limits: BudgetLimits,
  epoch: number,
  site: string,
  impressions: readonly StoredImpression[],
  epsilon: number,
  value: number,
  maxValue: number,
  isSingleEpoch: boolean,
  l1Norm: number,
  sets: DeductionSets,
): number | null {
  // Steps 1-7: the deductions.
  const { l1NormDeduction, valueDeduction } = deductions(
    epsilon,
    value,
    maxValue,
    isSingleEpoch,
    l1Norm,
  );

  // Steps 8-9: every budget must cover them, or nothing is deducted.
  if (
    !checkAvailableBudget(
      txn,
      limits,
      epoch,
      site,
      l1NormDeduction,
      valueDeduction,
      impressions,
      isSingleEpoch,
    )
  ) {
    return null;
  }

  // Step 10.1-10.3: the conversion site's budget.
  const deduction = isSingleEpoch ? l1NormDeduction : valueDeduction;
  const currentValue = txn.getBudget('site', epoch, site, limits.perSitePrivacyBudget);
  txn.setBudget('site', epoch, site, currentValue - deduction);

  // Step 10.4-10.5: the global budget, once per epoch per conversion.
  if (!sets.deductedGlobalBudgets.has(epoch)) {
    sets.deductedGlobalBudgets.add(epoch);
    const global = txn.getBudget('global', epoch, '', limits.globalPrivacyBudgetPerEpoch);
    txn.setBudget('global', epoch, '', global - valueDeduction);
  }

  // Step 10.6: each impression site's quota, once per site and epoch per conversion.
  for (const impressionSite of impressionSites(impressions)) {
    const key = `${epoch}|${impressionSite}`;
    if (sets.deductedImpressionQuotas.has(key)) continue;
    sets.deductedImpressionQuotas.add(key);
    const quota = txn.getBudget('quota', epoch, impressionSite, limits.impressionSiteQuotaPerEpoch);
    txn.setBudget('quota', epoch, impressionSite, quota - valueDeduction);
  }
  return deduction;
}
