// Per-report checks shared by both aggregators: report time against the clock and the task
// interval, report extensions (draft-ietf-ppm-dap-18 §4.5.3.4), and the opening of an input
// share with those checks around it.
import {
  ReportError,
  extensionsStrictlyIncreasing,
  inputShareReportError,
  type Extension,
  type HpkeCiphertext,
  type HpkeOpenKeys,
  type ReportMetadata,
} from '@private-measurement/protocol';
import type { Task } from './task.js';

/**
 * The current time in a task's time_precision units.
 *
 * @param task - the task.
 * @param nowMs - the clock, ms since the epoch.
 * @returns floor(now / time_precision).
 */
export function nowUnits(task: Task, nowMs: number): number {
  return Math.floor(nowMs / 1000 / task.timePrecision);
}

/**
 * Whether a report is older than its task's `reportExpirySeconds`: the garbage collector may
 * have deleted the state that would detect its replay.
 *
 * @param task - the task.
 * @param time - report time in time_precision units.
 * @param nowMs - the clock, ms since the epoch.
 * @returns true when the task sets an expiry and the report is older.
 */
export function isExpired(task: Task, time: number, nowMs: number): boolean {
  const expiry = task.spec.reportExpirySeconds;
  return expiry !== undefined && (time + 1) * task.timePrecision * 1000 <= nowMs - expiry * 1000;
}

/**
 * Checks a report's time at upload (draft-ietf-ppm-dap-18 §4.4.2.2).
 *
 * @returns `report_too_early`, `report_dropped` (outside the task interval, or expired), or
 *   undefined.
 */
export function uploadTimeError(
  task: Task,
  time: number,
  nowMs: number,
  skewSeconds: number,
): number | undefined {
  // draft-ietf-ppm-dap-18 §4.4.2.2: the Leader discards reports outside the task interval.
  if (task.interval !== undefined) {
    if (time < task.interval.start || time >= task.interval.start + task.interval.duration) {
      return ReportError.report_dropped;
    }
  }
  if (time * task.timePrecision * 1000 > nowMs + skewSeconds * 1000)
    return ReportError.report_too_early;
  // Spec: draft-ietf-ppm-dap-18 §4.4.2.2 names no error for a report older than the state an
  // Aggregator keeps; we answer report_dropped, the error §4.5.3.4 step 8 gives at aggregation.
  if (isExpired(task, time, nowMs)) return ReportError.report_dropped;
  return undefined;
}

/**
 * Checks a report's time before aggregation (draft-ietf-ppm-dap-18 §4.5.3.4).
 *
 * @returns `report_too_early`, `task_not_started`, `task_expired`, `report_dropped` (older
 *   than the task's report expiry), or undefined.
 */
export function aggregationTimeError(
  task: Task,
  time: number,
  nowMs: number,
  skewSeconds: number,
): number | undefined {
  // draft-ietf-ppm-dap-18 §4.5.3.4 step 2: more than a few minutes ahead of the current time.
  if (time * task.timePrecision * 1000 > nowMs + skewSeconds * 1000)
    return ReportError.report_too_early;
  if (task.interval !== undefined) {
    // draft-ietf-ppm-dap-18 §4.5.3.4 steps 3 and 4.
    if (time < task.interval.start) return ReportError.task_not_started;
    if (time >= task.interval.start + task.interval.duration) return ReportError.task_expired;
  }
  // draft-ietf-ppm-dap-18 §4.5.3.4 step 8: replay state for so old a report may be evicted.
  if (isExpired(task, time, nowMs)) return ReportError.report_dropped;
  return undefined;
}

/**
 * Checks the public and private report extensions (draft-ietf-ppm-dap-18 §4.5.3.4 steps 5-7).
 * This draft defines no report extension; a task may list types it accepts (their contents are
 * not interpreted), every other type is unrecognized.
 *
 * @param publicExtensions - the report's public extensions.
 * @param privateExtensions - the input share's private extensions.
 * @param recognized - the task's accepted report extension types.
 * @returns `invalid_message` or undefined.
 */
export function extensionError(
  publicExtensions: readonly Extension[],
  privateExtensions: readonly Extension[],
  recognized: ReadonlySet<number> = new Set(),
): number | undefined {
  const all = [...publicExtensions, ...privateExtensions];
  // Step 5: an unrecognized type.
  if (all.some((e) => !recognized.has(e.extensionType))) return ReportError.invalid_message;
  // Step 6: the same type twice across public and private extensions.
  if (new Set(all.map((e) => e.extensionType)).size !== all.length)
    return ReportError.invalid_message;
  // Step 7: each vector in strictly increasing order.
  if (!extensionsStrictlyIncreasing(publicExtensions)) return ReportError.invalid_message;
  if (!extensionsStrictlyIncreasing(privateExtensions)) return ReportError.invalid_message;
  return undefined;
}

/**
 * An aggregator's own input share of a report, opened and checked before the VDAF runs
 * (draft-ietf-ppm-dap-18 §4.5.3.1 for the Leader, §4.5.3.3 and §4.5.3.4 for both): the report
 * time, the HPKE open (a failure is `hpke_decrypt_error` unless the share decodes wrongly), and
 * the report extensions. The share is the task's own role's (`task.inputShares`).
 *
 * @returns the VDAF payload of the share, or the report error.
 */
export async function openCheckedInputShare(
  task: Task,
  share: {
    keys: HpkeOpenKeys;
    reportMetadata: ReportMetadata;
    publicShare: Uint8Array;
    encryptedInputShare: HpkeCiphertext;
  },
  nowMs: number,
  skewSeconds: number,
): Promise<{ payload: Uint8Array } | { error: number }> {
  const meta = share.reportMetadata;
  const timeError = aggregationTimeError(task, Number(meta.time), nowMs, skewSeconds);
  if (timeError !== undefined) return { error: timeError };
  let plaintext;
  try {
    plaintext = await task.inputShares.open(share);
  } catch (e) {
    return { error: inputShareReportError(e) ?? ReportError.hpke_decrypt_error };
  }
  const extError = extensionError(
    meta.publicExtensions,
    plaintext.privateExtensions,
    task.reportExtensions,
  );
  return extError === undefined ? { payload: plaintext.payload } : { error: extError };
}
