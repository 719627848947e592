// The user-facing ledger: which reports left the device, for which site, and how much privacy
// budget each site spent in each epoch, as data and as text a person can read
// (W3C Attribution §10.3 "Visibility").

import type { AttributionConfig } from './config.js';
import { DAY_MS } from './internal/epoch.js';
import type { AttributionState } from './internal/state.js';
import type { LedgerEntry, ReportOutcome } from './store/types.js';

/** Budget use of one conversion site in one epoch. */
export interface LedgerSiteEpoch {
  site: string;
  epoch: number;
  /** Epoch start and end, ms since 1970 (null before the epoch start is chosen). */
  epochStart: number | null;
  epochEnd: number | null;
  /** The per-site budget of an epoch, micro-epsilon. */
  budget: number;
  /** Charged by reports, micro-epsilon. */
  spent: number;
  /** Left in the store, micro-epsilon (zero after the user cleared the site's data). */
  remaining: number;
  /** Reports that charged this epoch. */
  reports: number;
}

/** A snapshot of the ledger. */
export interface LedgerView {
  /** Every report that left the device, oldest first. */
  entries: readonly LedgerEntry[];
  /** Budget use per conversion site and epoch, by site then epoch. */
  bySiteAndEpoch: readonly LedgerSiteEpoch[];
  /** The same, as plain text for a person. */
  text: string;
}

const OUTCOME_TEXT: Record<ReportOutcome, string> = {
  attributed: 'carried a measured value',
  'no-match': 'carried nothing: no matching ad views',
  'budget-exhausted': 'carried nothing: the privacy budget was used up',
  disabled: 'carried nothing: attribution was turned off',
};

function eps(micro: number): string {
  return `${(micro / 1e6).toLocaleString('en-US', { maximumFractionDigits: 6 })}`;
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function minute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * Build the ledger view from the client's state.
 *
 * @param state - the client's state
 * @param config - configuration (per-site budget, epoch length)
 * @returns the view
 */
export function buildLedgerView(
  state: AttributionState,
  config: Readonly<AttributionConfig>,
): LedgerView {
  const entries = state.ledger.map((e) => structuredClone(e));
  const period = config.privacyBudgetEpochDays * DAY_MS;
  const start = state.meta.epochStartTime;

  const rows = new Map<string, LedgerSiteEpoch>();
  for (const entry of entries) {
    for (const charge of entry.charges) {
      const key = `${entry.conversionSite}|${charge.epoch}`;
      let row = rows.get(key);
      if (row === undefined) {
        const remaining =
          state.budgets.get(`site|${charge.epoch}|${entry.conversionSite}`)?.value ??
          config.perSitePrivacyBudget;
        row = {
          site: entry.conversionSite,
          epoch: charge.epoch,
          epochStart: start === null ? null : start + charge.epoch * period,
          epochEnd: start === null ? null : start + (charge.epoch + 1) * period,
          budget: config.perSitePrivacyBudget,
          spent: 0,
          remaining,
          reports: 0,
        };
        rows.set(key, row);
      }
      row.spent += charge.microEpsilon;
      row.reports += 1;
    }
  }
  const bySiteAndEpoch = [...rows.values()].sort(
    (a, b) => a.site.localeCompare(b.site) || a.epoch - b.epoch,
  );
  return { entries, bySiteAndEpoch, text: formatLedger(entries, bySiteAndEpoch) };
}

/** Plain-text rendering of the ledger. */
function formatLedger(entries: readonly LedgerEntry[], rows: readonly LedgerSiteEpoch[]): string {
  const lines: string[] = [];
  lines.push('Attribution reports that left this device');
  if (entries.length === 0) lines.push('  none');
  for (const e of entries) {
    const via = e.intermediarySite === undefined ? '' : ` (through ${e.intermediarySite})`;
    const charged =
      e.charges.length === 0
        ? 'no privacy budget spent'
        : `spent ${e.charges.map((c) => `${eps(c.microEpsilon)} epsilon of epoch ${c.epoch}`).join(', ')}`;
    lines.push(
      `  ${minute(e.time)}  asked by ${e.conversionSite}${via} for ${e.aggregationService}: ` +
        `an encrypted ${e.histogramSize}-bucket report (${e.reportBytes} bytes) that ` +
        `${OUTCOME_TEXT[e.outcome]}; ${charged}.`,
    );
  }
  lines.push('', 'Privacy budget spent, by site and epoch');
  if (rows.length === 0) lines.push('  none');
  for (const r of rows) {
    const span = r.epochStart === null ? '' : ` (${day(r.epochStart)} to ${day(r.epochEnd!)})`;
    lines.push(
      `  ${r.site}, epoch ${r.epoch}${span}: spent ${eps(r.spent)} of ${eps(r.budget)} epsilon ` +
        `in ${r.reports} report(s); ${eps(r.remaining)} left.`,
    );
  }
  return lines.join('\n');
}
