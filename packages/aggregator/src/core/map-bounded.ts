// Bounded concurrency over a list: at most `limit` calls of an async function in flight, results
// kept in input order. Used to open an aggregation job's input shares and verify them.

/**
 * How many input shares of one aggregation job are opened at once. On the node:crypto HPKE
 * backend an open is synchronous but for one turn of the event loop, so the bound only keeps
 * I/O flowing between opens; on the WebCrypto backend the X25519, HKDF and AES-GCM work runs on
 * libuv's thread pool and opens in flight overlap with the VDAF on the main thread. More than
 * this gains nothing measurable and only holds more plaintexts.
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
