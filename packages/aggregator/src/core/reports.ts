// Per-report checks shared by both aggregators: report time against the clock and the task
// interval, and report extensions (draft-ietf-ppm-dap-18 §4.5.3.4).
import { ReportError, type Extension } from '@private-measurement/protocol';
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
 * Checks a report's time at upload (draft-ietf-ppm-dap-18 §4.4.2.2).
 *
 * @returns `report_too_early`, `report_dropped` (outside the task interval), or undefined.
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
  return undefined;
}

/**
 * Checks a report's time before aggregation (draft-ietf-ppm-dap-18 §4.5.3.4).
 *
 * @returns `report_too_early`, `task_not_started`, `task_expired`, or undefined.
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
  return undefined;
}

/**
 * Checks the public and private report extensions (draft-ietf-ppm-dap-18 §4.5.3.4 steps 5-7).
 * No report extension is defined by this draft, so any extension is unrecognized.
 *
 * @returns `invalid_message` or undefined.
 */
export function extensionError(
  publicExtensions: readonly Extension[],
  privateExtensions: readonly Extension[],
): number | undefined {
  if (publicExtensions.length > 0 || privateExtensions.length > 0)
    return ReportError.invalid_message;
  return undefined;
}
