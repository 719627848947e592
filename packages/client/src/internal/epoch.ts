// Privacy budget epochs: the per-device randomized epoch start, the epoch index of a moment,
// and the starting epoch for attribution after a history clear (W3C Attribution §4.2.3, §7.2.4).

import type { Transaction } from './state.js';

/** Milliseconds in a day (W3C Attribution §4.2.3: a day is 86400 seconds). */
export const DAY_MS = 86_400_000;

const HOUR_MS = 3_600_000;

/** What the epoch algorithms need besides the state. */
export interface EpochContext {
  /** Epoch length in days. */
  epochDays: number;
  /** Maximum lookback in days. */
  maxLookbackDays: number;
  /** Uniform random number in [0, 1), drawn once to place the epoch start. */
  epochRandom: () => number;
}

/**
 * Get the current epoch of moment `t`, choosing the epoch start time on first use
 * (W3C Attribution §4.2.3).
 *
 * @param txn - state; the epoch start time is written through it when first chosen
 * @param ctx - epoch length and randomness
 * @param t - the moment, ms since 1970
 * @returns the epoch index (may be negative for moments before the epoch start)
 */
export function currentEpoch(txn: Transaction, ctx: EpochContext, t: number): number {
  const period = ctx.epochDays * DAY_MS;

  let start = txn.getMeta('epochStartTime');
  if (start === null) {
    // W3C Attribution §4.2.3: a duration drawn from [0, period).
    const fraction = ctx.epochRandom();
    const rand = t - Math.floor(fraction * period);

    // Spec: "rounded towards zero" equals floor for moments after 1970; we floor so the start
    // is always the beginning of an hour at or before rand, also for moments before 1970.
    start = Math.floor(rand / HOUR_MS) * HOUR_MS;
    txn.setMeta('epochStartTime', start);
  }

  // W3C Attribution §4.2.3: elapsed periods, rounded towards negative infinity.
  return Math.floor((t - start) / period);
}

/**
 * Get the starting epoch for attribution at `now` (W3C Attribution §4.2.4).
 *
 * @param txn - state
 * @param ctx - epoch parameters
 * @param now - ms since 1970
 * @returns the first epoch whose impressions may be queried
 */
export function startingEpoch(txn: Transaction, ctx: EpochContext, now: number): number {
  const earliestEpochIndex = currentEpoch(txn, ctx, now - ctx.maxLookbackDays * DAY_MS);
  const startEpoch = earliestEpochIndex;

  const lastClear = txn.getMeta('lastBrowsingHistoryClear');
  if (lastClear !== null) {
    // W3C Attribution §4.2.4: never query an epoch that overlaps the clear.
    const clearEpoch = currentEpoch(txn, ctx, lastClear) + 1;
    if (clearEpoch > startEpoch) return clearEpoch;
  }
  return startEpoch;
}
