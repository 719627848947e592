// User and site controls over stored state: Clear-Site-Data "impressions", clearing site data
// and clearing browsing history (W3C Attribution §4.1.3, §7.2.4, §12.7).

import { currentEpoch, startingEpoch, type EpochContext } from './epoch.js';
import type { Transaction } from './state.js';

/**
 * Clear impressions for a site, as the Clear-Site-Data "impressions" type asks
 * (W3C Attribution §4.1.3). Budgets and the epoch start are untouched.
 *
 * @param txn - state
 * @param site - a parsed site
 */
export function clearImpressionsForSite(txn: Transaction, site: string): void {
  for (const impression of [...txn.impressions()]) {
    // Saved by the site itself, or by the site as an intermediary.
    if (impression.intermediarySite === undefined && impression.impressionSite === site) {
      txn.deleteImpression(impression.id);
      continue;
    }
    if (impression.intermediarySite === site) {
      txn.deleteImpression(impression.id);
      continue;
    }

    // Naming the site as a conversion site or caller: drop the name, and the impression when no
    // name is left.
    let { conversionSites, conversionCallers } = impression;
    let changed = false;
    if (conversionSites.includes(site)) {
      conversionSites = conversionSites.filter((s) => s !== site);
      changed = true;
      if (conversionSites.length === 0) {
        txn.deleteImpression(impression.id);
        continue;
      }
    }
    if (conversionCallers.includes(site)) {
      conversionCallers = conversionCallers.filter((s) => s !== site);
      changed = true;
      if (conversionCallers.length === 0) {
        txn.deleteImpression(impression.id);
        continue;
      }
    }
    if (changed) txn.putImpression({ ...impression, conversionSites, conversionCallers });
  }
}

/**
 * Clear browsing history for attribution (W3C Attribution §4.2.4). With `forgetVisits` false
 * (clearing site data, keeping history) the sites' budgets are set to zero for every epoch that
 * can still be queried; with it true the sites' impressions and budget records (or all of them
 * when `sites` is empty) are removed and the last clear time is set, which closes the epochs up
 * to the clear to attribution.
 *
 * @param txn - state
 * @param ctx - epoch parameters
 * @param sites - parsed sites (non-empty when forgetVisits is false)
 * @param forgetVisits - whether browsing history itself is cleared
 * @param now - ms since 1970
 */
export function clearBrowsingHistory(
  txn: Transaction,
  ctx: EpochContext,
  sites: ReadonlySet<string>,
  forgetVisits: boolean,
  now: number,
): void {
  if (!forgetVisits) {
    // Step 1: zero the budget of each site for each epoch that attribution could reach.
    for (const site of sites) {
      const start = startingEpoch(txn, ctx, now);
      const current = currentEpoch(txn, ctx, now);
      for (let epoch = start; epoch <= current; epoch++) txn.setBudget('site', epoch, site, 0);
    }
    return;
  }

  if (sites.size === 0) {
    // Step 2: forget everything, the global budget store included.
    for (const impression of [...txn.impressions()]) txn.deleteImpression(impression.id);
    for (const kind of ['site', 'quota', 'global'] as const) {
      for (const record of txn.budgetRecords(kind))
        txn.deleteBudget(kind, record.epoch, record.site);
    }
    for (const entry of txn.ledger()) txn.deleteLedger(entry.id);
  } else {
    // Step 3: forget the sites' impressions and budget records; the global store keeps what was
    // spent.
    for (const impression of [...txn.impressions()]) {
      if (sites.has(impression.impressionSite)) txn.deleteImpression(impression.id);
    }
    for (const kind of ['site', 'quota'] as const) {
      for (const record of txn.budgetRecords(kind)) {
        if (sites.has(record.site)) txn.deleteBudget(kind, record.epoch, record.site);
      }
    }
    // The user-facing ledger is browsing history too.
    for (const entry of txn.ledger()) {
      const intermediary = entry.intermediarySite;
      if (
        sites.has(entry.conversionSite) ||
        (intermediary !== undefined && sites.has(intermediary))
      ) {
        txn.deleteLedger(entry.id);
      }
    }
  }

  // Step 4: remember when history was cleared.
  txn.setMeta('lastBrowsingHistoryClear', now);
}
