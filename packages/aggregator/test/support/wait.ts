// Bounded waiting for the kill tests: poll a condition until it holds or a deadline passes.

/**
 * Polls `check` until it returns a value other than `undefined`/`false`, or fails at `timeoutMs`.
 *
 * @param what - what is awaited, for the failure message.
 * @param check - the condition; may be async.
 * @param timeoutMs - the bound.
 * @param everyMs - the pause between polls.
 * @returns the first truthy value of `check`.
 * @throws {Error} naming `what` when the deadline passes.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | false | undefined | Promise<T | false | undefined>,
  timeoutMs = 20_000,
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/**
 * A pause (between retries, never as a substitute for waiting on a condition).
 *
 * @param ms - milliseconds.
 * @returns after `ms`.
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
