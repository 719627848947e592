// The `hpke_config` resource (draft-ietf-ppm-dap-18 §4.4.1) and the key management behind it:
// an aggregator generates its first key pair when it has none.
import {
  encodeHpkeConfig,
  encodeHpkeConfigList,
  generateHpkeKeypair,
  MediaType,
} from '@private-measurement/protocol';
import type { AggregatorContext } from '../core/context.js';
import { HttpFailure } from '../http/problem.js';
import type { Datastore, HpkeKeyRecord } from '../store/types.js';
import { dapResponse } from './common.js';

/**
 * Generates and stores a new active HPKE key pair under an unused config ID.
 *
 * @param ds - the datastore.
 * @param now - creation time, ms.
 * @returns the stored record.
 * @throws {StoreError} when all 256 config IDs are taken.
 */
export async function generateAndStoreKey(ds: Datastore, now: number): Promise<HpkeKeyRecord> {
  const used = new Set(
    (await ds.transaction('list-keys', (tx) => tx.listHpkeKeys())).map((k) => k.configId),
  );
  const free = Array.from({ length: 256 }, (_, i) => i).filter((i) => !used.has(i));
  if (free.length === 0) throw new HttpFailure(500, 'hpke keys: every config ID is in use');
  const id = free[Math.floor(Math.random() * free.length)];
  const pair = await generateHpkeKeypair(id);
  const record: HpkeKeyRecord = {
    configId: id,
    config: encodeHpkeConfig(pair.config),
    privateKey: pair.privateKey,
    state: 'active',
    createdAt: now,
  };
  await ds.transaction('put-key', (tx) => tx.putHpkeKey(record));
  return record;
}

/**
 * Makes sure at least one active key exists.
 *
 * @returns true when a key was generated.
 */
export async function ensureHpkeKey(ds: Datastore, now: number): Promise<boolean> {
  const keys = await ds.transaction('list-keys', (tx) => tx.listHpkeKeys());
  if (keys.some((k) => k.state === 'active')) return false;
  await generateAndStoreKey(ds, now);
  return true;
}

/**
 * GET `{aggregator}/hpke_config`: the active configurations, newest first.
 *
 * @returns the `HpkeConfigList` with a one-day cache lifetime.
 */
export async function handleHpkeConfig(ctx: AggregatorContext): Promise<Response> {
  const keys = await ctx.activeHpkeKeys();
  if (keys.length === 0) throw new HttpFailure(503, 'hpke_config: no active key');
  // draft-ietf-ppm-dap-18 §4.4.1: aggregators SHOULD let clients cache the list for long.
  return dapResponse(encodeHpkeConfigList(keys.map((k) => k.config)), MediaType.hpkeConfigList, {
    'cache-control': 'max-age=86400',
  });
}
