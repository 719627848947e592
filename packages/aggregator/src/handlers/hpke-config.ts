// The `hpke_config` resource (draft-ietf-ppm-dap-18 §4.4.1) and the key management behind it:
// an aggregator generates its first key pair when it has none, and rotates keys on request.
import { randomInt } from 'node:crypto';
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

/** Attempts at finding a free config ID when other processes create keys at the same time. */
const KEY_ID_ATTEMPTS = 8;

/**
 * Generates a new active key pair under a config ID no stored key uses and stores it; with
 * `retireOthers`, the same transaction expires every other active key.
 */
async function createKey(
  ds: Datastore,
  now: number,
  retireOthers: { deleteAfter: number } | undefined,
): Promise<{ record: HpkeKeyRecord; retired: number[] }> {
  for (let attempt = 0; attempt < KEY_ID_ATTEMPTS; attempt++) {
    const used = new Set(
      (await ds.transaction('list-keys', (tx) => tx.listHpkeKeys())).map((k) => k.configId),
    );
    const free = Array.from({ length: 256 }, (_, i) => i).filter((i) => !used.has(i));
    if (free.length === 0) throw new HttpFailure(500, 'hpke keys: every config ID is in use');
    const id = free[randomInt(free.length)];
    const pair = await generateHpkeKeypair(id);
    const record: HpkeKeyRecord = {
      configId: id,
      config: encodeHpkeConfig(pair.config),
      privateKey: pair.privateKey,
      state: 'active',
      createdAt: now,
      deleteAfter: null,
    };
    // Another process may have taken the ID since it was read: then nothing changed, try again.
    const retired = await ds.transaction('put-key', async (tx) => {
      if (!(await tx.insertHpkeKey(record))) return undefined;
      return retireOthers === undefined ? [] : tx.retireHpkeKeys(id, retireOthers.deleteAfter);
    });
    if (retired !== undefined) return { record, retired };
  }
  throw new HttpFailure(503, 'hpke keys: config IDs taken concurrently, try again');
}

/**
 * Generates and stores a new active HPKE key pair under an unused config ID; keys already
 * active stay active.
 *
 * @param ds - the datastore.
 * @param now - creation time, ms.
 * @returns the stored record.
 * @throws {HttpFailure} 500 when all 256 config IDs are taken.
 */
export async function generateAndStoreKey(ds: Datastore, now: number): Promise<HpkeKeyRecord> {
  return (await createKey(ds, now, undefined)).record;
}

/** The outcome of a key rotation. */
export interface KeyRotation {
  /** The new active key. */
  created: HpkeKeyRecord;
  /** Config IDs of the keys that were active and are now expired. */
  retired: number[];
  /** When the garbage collector may delete the retired keys, ms since the epoch. */
  deleteAfter: number;
}

/**
 * Rotates the HPKE key: a new key becomes the only active one (the only one `hpke_config`
 * advertises), and the previously active keys expire; they still open reports sealed to them
 * until `now + graceSeconds`, after which the garbage collector deletes them
 * (draft-ietf-ppm-dap-18 §4.4.1: accept old keys for twice the cache lifetime).
 * Another process sharing the store advertises the new key within 5 s, and rereads its keys at
 * once (at most once a second) when an upload or aggregation job names a config ID it does not
 * know.
 *
 * @param ds - the datastore.
 * @param now - the clock, ms since the epoch.
 * @param graceSeconds - how long retired keys stay usable, seconds.
 * @returns the new key, the retired config IDs and their deletion time.
 * @throws {HttpFailure} 500 when all 256 config IDs are taken (delete retired keys first).
 * @example
 * const { created, retired } = await rotateHpkeKey(ds, Date.now(), 2 * 86_400);
 */
export async function rotateHpkeKey(
  ds: Datastore,
  now: number,
  graceSeconds: number,
): Promise<KeyRotation> {
  const deleteAfter = now + graceSeconds * 1000;
  const { record, retired } = await createKey(ds, now, { deleteAfter });
  return { created: record, retired, deleteAfter };
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
