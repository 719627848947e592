// Bounded concurrency over a list: at most `limit` calls of an async function in flight, results
// kept in input order. Used to open an aggregation job's input shares (WebCrypto HPKE work runs
// off the main thread) while the main thread runs the VDAF on the shares already opened.

/**
 * How many input shares of one aggregation job are opened at once. HPKE through WebCrypto does
 * its X25519, HKDF and AES-GCM work on libuv's thread pool, so opens in flight overlap with each
 * other and with VDAF verification on the main thread; more than this gains nothing measurable
 * and only holds more plaintexts.
 */
export const INPUT_SHARE_CONCURRENCY = 32;

/**
 * Maps `fn` over `items` with at most `limit` calls pending at a time.
 *
 * @param items - the inputs.
 * @param limit - the most calls in flight (an integer of at least 1).
 * @param fn - the async function, given the item and its index.
 * @returns the results, in the order of `items`.
 * @throws {RangeError} when `limit` is not a positive integer.
 * @throws whatever `fn` throws first; no further calls start after a failure.
 * @example const opened = await mapBounded(shares, 32, (s) => open(s));
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`limit: expected a positive integer, received ${String(limit)}`);
  }
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i], i);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  const workers = Array.from({ length: Math.min(limit, items.length) }, worker);
  await Promise.all(workers);
  return results;
}
