// DAP-18 times, report IDs and the VDAF context string: times and durations are counted in
// `time_precision` units (draft-ietf-ppm-dap-18 §4.1.1), report IDs are 16 random bytes
// (§4.4.2), and the VDAF context is "dap-18" || task_id (§4.4.2.1).
import { ParamError } from '../errors.js';
import { DAP_VERSION, REPORT_ID_LENGTH, TASK_ID_LENGTH, type Interval } from './basic.js';
import { describe } from '../codec.js';

function checkPrecision(timePrecision: bigint): void {
  if (typeof timePrecision !== 'bigint' || timePrecision <= 0n) {
    throw new ParamError(
      `time_precision: expected a positive bigint, received ${describe(timePrecision)}`,
    );
  }
}

/**
 * Converts POSIX seconds to a DAP `Time`: the number of whole `time_precision` units since the
 * Epoch, rounded down (draft-ietf-ppm-dap-18 §4.1.1).
 *
 * @param seconds seconds since the Epoch, non-negative
 * @param timePrecision the task's `time_precision` in seconds
 * @returns the time in `time_precision` units
 * @throws {ParamError} when an argument is negative or not an integer
 * @example timeFromSeconds(1234567890n, 10n) // 123456789n
 */
export function timeFromSeconds(seconds: bigint | number, timePrecision: bigint): bigint {
  checkPrecision(timePrecision);
  if (typeof seconds === 'number') {
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw new ParamError(`seconds: expected a non-negative number, received ${seconds}`);
    }
    seconds = BigInt(Math.floor(seconds));
  }
  if (typeof seconds !== 'bigint' || seconds < 0n) {
    throw new ParamError(`seconds: expected a non-negative integer, received ${describe(seconds)}`);
  }
  return seconds / timePrecision;
}

/**
 * Converts a DAP `Time` or `Duration` back to seconds.
 *
 * @param units the value in `time_precision` units
 * @param timePrecision the task's `time_precision` in seconds
 * @returns seconds
 * @throws {ParamError} when an argument is out of range
 * @example timeToSeconds(123456789n, 10n) // 1234567890n
 */
export function timeToSeconds(units: bigint, timePrecision: bigint): bigint {
  checkPrecision(timePrecision);
  if (typeof units !== 'bigint' || units < 0n) {
    throw new ParamError(`time: expected a non-negative bigint, received ${describe(units)}`);
  }
  return units * timePrecision;
}

/**
 * The current DAP `Time` of a task.
 *
 * @param timePrecision the task's `time_precision` in seconds
 * @param nowMs the clock, in milliseconds since the Epoch (default `Date.now()`)
 * @returns the current time in `time_precision` units
 * @throws {ParamError} when `timePrecision` is not positive
 * @example currentTime(3600n)
 */
export function currentTime(timePrecision: bigint, nowMs: number = Date.now()): bigint {
  return timeFromSeconds(Math.floor(nowMs / 1000), timePrecision);
}

/**
 * Tells where a time lies relative to a half-open interval (draft-ietf-ppm-dap-18 §4.1.1).
 *
 * @param time a time in `time_precision` units
 * @param interval an interval in the same units
 * @returns `'before'`, `'inside'` or `'after'`
 * @example timeRelativeTo(5n, { start: 5n, duration: 1n }) // 'inside'
 */
export function timeRelativeTo(time: bigint, interval: Interval): 'before' | 'inside' | 'after' {
  if (time < interval.start) return 'before';
  return time >= interval.start + interval.duration ? 'after' : 'inside';
}

/**
 * Draws a report ID: 16 bytes from the platform CSPRNG (draft-ietf-ppm-dap-18 §4.4.2).
 *
 * @returns a fresh report ID
 * @example generateReportId().length // 16
 */
export function generateReportId(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(REPORT_ID_LENGTH));
}

/**
 * The VDAF application context of a task: the ASCII bytes of "dap-18" followed by the 32-byte
 * task ID, 38 bytes in all (draft-ietf-ppm-dap-18 §4.4.2.1, §4.5.3.1).
 *
 * @param taskId the 32-byte task ID
 * @returns the context string passed to `shard` and the verification methods
 * @throws {ParamError} when the task ID is not 32 bytes
 * @example vdafContext(taskId).length // 38
 */
export function vdafContext(taskId: Uint8Array): Uint8Array {
  if (!(taskId instanceof Uint8Array) || taskId.length !== TASK_ID_LENGTH) {
    throw new ParamError(`task_id: expected ${TASK_ID_LENGTH} bytes, received ${describe(taskId)}`);
  }
  const prefix = new TextEncoder().encode(DAP_VERSION);
  const out = new Uint8Array(prefix.length + taskId.length);
  out.set(prefix);
  out.set(taskId, prefix.length);
  return out;
}
