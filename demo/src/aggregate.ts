// Aggregation: runs the Leader's job drivers (which drive the Helper over HTTP) until every
// accepted report went through verification, and reads the outcome from the Leader's metrics.
import type { Aggregator } from '@private-measurement/aggregator';

/** Reports through aggregation at the Leader. */
export interface AggregationSummary {
  /** Verified and added to the batch. */
  committed: number;
  /** Rejected during aggregation, by DAP report error (e.g. `vdaf_verify_error`). */
  rejected: Record<string, number>;
  /** Driver passes it took. */
  passes: number;
}

/** The Leader's per-report aggregation outcomes so far. */
export async function aggregationOutcomes(leader: Aggregator): Promise<AggregationSummary> {
  const summary: AggregationSummary = { committed: 0, rejected: {}, passes: 0 };
  const metrics = await leader.metrics.getMetricsAsJSON();
  const counter = metrics.find((m) => m.name === 'pm_report_aggregations_total');
  for (const v of counter?.values ?? []) {
    if (v.labels.role !== 'leader') continue;
    const result = String(v.labels.result);
    if (result === 'committed') summary.committed += v.value;
    else summary.rejected[result] = (summary.rejected[result] ?? 0) + v.value;
  }
  return summary;
}

const total = (s: AggregationSummary): number =>
  s.committed + Object.values(s.rejected).reduce((a, b) => a + b, 0);

/**
 * Runs driver passes until `expected` reports are through aggregation.
 *
 * @param leader - the Leader.
 * @param expected - reports the Leader accepted at upload.
 * @param onProgress - called after each pass with the number of reports done.
 * @param stallMs - gives up when no report finished for this long.
 * @returns the outcome.
 * @throws {Error} when aggregation stalls.
 */
export async function aggregateAll(
  leader: Aggregator,
  expected: number,
  onProgress?: (done: number) => void,
  stallMs = 60_000,
): Promise<AggregationSummary> {
  let passes = 0;
  let done = 0;
  let lastProgress = Date.now();
  while (done < expected) {
    const pass = await leader.runDriversOnce();
    passes++;
    const now = total(await aggregationOutcomes(leader));
    if (now > done) lastProgress = Date.now();
    done = now;
    onProgress?.(done);
    if (Date.now() - lastProgress > stallMs) {
      throw new Error(`aggregation stalled at ${done} of ${expected} reports`);
    }
    // Nothing to do yet (a job waits for a retry): pause instead of spinning.
    if (pass.created + pass.aggregation === 0) await new Promise((r) => setTimeout(r, 20));
  }
  return { ...(await aggregationOutcomes(leader)), passes };
}
