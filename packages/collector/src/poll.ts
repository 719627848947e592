// When to poll a collection job again: the Leader's Retry-After when it sends one
// (draft-ietf-ppm-dap-18 §3.1), otherwise exponential backoff, both bounded.
import { ParamError } from './errors.js';

/** How a collection job is polled. All durations in milliseconds. */
export interface PollPolicy {
  /** First delay when the Leader sends no Retry-After. */
  initialDelayMs: number;
  /** Factor applied to the delay after each pending answer without Retry-After. */
  multiplier: number;
  /** Shortest delay, even when Retry-After asks for less (a hostile 0 cannot busy-loop us). */
  minDelayMs: number;
  /** Longest delay, even when Retry-After asks for more. */
  maxDelayMs: number;
  /** Total time after which polling gives up with `PollDeadlineError`. */
  deadlineMs: number;
  /** Consecutive transient failures (network, timeout, 429, 502-504) tolerated while polling. */
  maxTransientRetries: number;
}

/** The default policy: 1 s doubling up to 1 min, at most 15 min in all, 5 transient retries. */
export const DEFAULT_POLL_POLICY: Readonly<PollPolicy> = Object.freeze({
  initialDelayMs: 1000,
  multiplier: 2,
  minDelayMs: 250,
  maxDelayMs: 60_000,
  deadlineMs: 15 * 60_000,
  maxTransientRetries: 5,
});

/**
 * Completes and checks a partial policy.
 *
 * @param partial - the fields to override.
 * @returns the policy.
 * @throws {ParamError} when a duration is negative or not finite, the multiplier is below 1,
 *   `minDelayMs` exceeds `maxDelayMs`, or the retry count is not a non-negative integer.
 */
export function pollPolicy(partial: Partial<PollPolicy> = {}): PollPolicy {
  const p: PollPolicy = { ...DEFAULT_POLL_POLICY, ...partial };
  for (const k of ['initialDelayMs', 'minDelayMs', 'maxDelayMs', 'deadlineMs'] as const) {
    if (typeof p[k] !== 'number' || !Number.isFinite(p[k]) || p[k] < 0) {
      throw new ParamError(`poll.${k}: expected a non-negative number of ms, received ${p[k]}`);
    }
  }
  if (typeof p.multiplier !== 'number' || !(p.multiplier >= 1) || !Number.isFinite(p.multiplier)) {
    throw new ParamError(`poll.multiplier: expected a number >= 1, received ${p.multiplier}`);
  }
  if (p.minDelayMs > p.maxDelayMs) {
    throw new ParamError(
      `poll.minDelayMs: expected at most maxDelayMs (${p.maxDelayMs}), received ${p.minDelayMs}`,
    );
  }
  if (!Number.isSafeInteger(p.maxTransientRetries) || p.maxTransientRetries < 0) {
    throw new ParamError(
      `poll.maxTransientRetries: expected a non-negative integer, received ${p.maxTransientRetries}`,
    );
  }
  return p;
}

/**
 * The delay before the next poll.
 *
 * @param policy - the policy.
 * @param attempt - how many polls without Retry-After came before, from 0.
 * @param retryAfterMs - the Leader's Retry-After in ms, when it sent a valid one.
 * @returns the delay in ms, within [minDelayMs, maxDelayMs].
 * @example nextDelay(DEFAULT_POLL_POLICY, 0, 30_000); // 30000: the Leader's suggestion
 */
export function nextDelay(policy: PollPolicy, attempt: number, retryAfterMs?: number): number {
  // draft-ietf-ppm-dap-18 §3.1: the client SHOULD use Retry-After to decide when to poll.
  const wanted =
    retryAfterMs ?? policy.initialDelayMs * Math.pow(policy.multiplier, Math.max(0, attempt));
  return Math.min(policy.maxDelayMs, Math.max(policy.minDelayMs, wanted));
}

/**
 * Waits, or stops early when the signal aborts.
 *
 * @param ms - milliseconds to wait.
 * @param signal - cancels the wait.
 * @returns a promise that resolves after `ms`, or rejects with the signal's reason.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
