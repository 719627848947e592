// Shared fixtures for the client tests: a deterministic client on a memory store.
import {
  AttributionClient,
  ClearTextReportEncoder,
  MemoryStore,
  type AttributionClientOptions,
  type AttributionConfig,
} from '../src/index.js';

export const SERVICE = 'https://agg.example';
export const DAY = 86_400_000;

/** A client with a settable clock, fixed randomness and the cleartext encoder. */
export async function testClient(
  config: Partial<AttributionConfig> = {},
  options: Partial<AttributionClientOptions> = {},
): Promise<{ client: AttributionClient; store: MemoryStore; clock: { now: number } }> {
  const clock = { now: 1_800_000_000_000 };
  const store = (options.store as MemoryStore | undefined) ?? new MemoryStore();
  const client = await AttributionClient.open({
    config: { aggregationServices: { [SERVICE]: { protocol: 'dap-18-histogram' } }, ...config },
    store,
    encoder: new ClearTextReportEncoder(),
    includeUnencryptedHistogram: true,
    now: () => clock.now,
    epochStartRandom: () => 0.5,
    creditRandom: () => 0.5,
    ...options,
  });
  return { client, store, clock };
}
