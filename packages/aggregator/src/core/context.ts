// What every handler and driver of one aggregator instance shares: the datastore, clock,
// logger, metrics, settings, and caches of tasks and HPKE keys loaded from the datastore.
import {
  decodeHpkeConfig,
  HpkeRecipientKeys,
  type HpkeKeypair,
} from '@private-measurement/protocol';
import type { Logger } from 'pino';
import type { BackpressureConfig, DriverConfig, GcConfig } from '../config.js';
import type { Datastore } from '../store/types.js';
import type { Metrics } from './observability.js';
import { SerialLane } from './serial-lane.js';
import { taskFromRecord, type Task } from './task.js';

/** Settings resolved from the options of `createAggregator`. */
export interface Settings {
  pathPrefix: string;
  adminToken: string | undefined;
  maxBodyBytes: number;
  clockSkewSeconds: number;
  drivers: DriverConfig;
  unsafeDisableNoiseForTesting: boolean;
  /** Shards per batch bucket (rows merged at collection), against write contention. */
  batchShards: number;
  gc: GcConfig;
  backpressure: BackpressureConfig;
  /** Grace period of rotated-out HPKE keys, seconds. */
  hpkeKeyGraceSeconds: number;
  /** Helper: how long an aggregation job may take before it is answered asynchronously, ms. */
  aggregationSyncMs: number;
}

/**
 * How long a cached task or key list is trusted before rereading the datastore. Processes
 * sharing one store see each other's key rotations and deletions within this time.
 */
export const CACHE_MS = 5_000;

/** A key list younger than this is not reread for an unknown config ID (hostile uploads). */
const KEY_REFRESH_MIN_MS = 1_000;

/** The shared state of one aggregator instance. */
export class AggregatorContext {
  /** The CPU-bound part of aggregation jobs (input-share opens, VDAF), one job at a time. */
  readonly reportLane = new SerialLane();
  private readonly taskCache = new Map<string, { task: Task | null; at: number }>();
  private keyCache:
    | {
        keys: HpkeKeypair[];
        active: HpkeKeypair[];
        at: number;
        /** The keys imported for HPKE opening, made on first use. */
        recipient?: Promise<HpkeRecipientKeys>;
      }
    | undefined;

  constructor(
    readonly ds: Datastore,
    readonly log: Logger,
    readonly metrics: Metrics,
    readonly settings: Settings,
    readonly now: () => number,
    readonly fetchPeer: typeof fetch,
  ) {}

  /**
   * The task with this ID, or undefined when it is not provisioned.
   *
   * @throws {ConfigError} when the stored specification is invalid.
   */
  async task(id: Uint8Array): Promise<Task | undefined> {
    const key = Buffer.from(id).toString('hex');
    const hit = this.taskCache.get(key);
    if (hit && this.now() - hit.at < CACHE_MS) return hit.task ?? undefined;
    const record = await this.ds.transaction('get-task', (tx) => tx.getTask(id));
    const task = record === null ? null : taskFromRecord(record);
    this.taskCache.set(key, { task, at: this.now() });
    return task ?? undefined;
  }

  /** Forgets cached tasks (after provisioning changes). */
  invalidateTasks(): void {
    this.taskCache.clear();
  }

  /** Forgets cached keys (after key changes). */
  invalidateKeys(): void {
    this.keyCache = undefined;
  }

  private async loadKeys(): Promise<NonNullable<typeof this.keyCache>> {
    if (this.keyCache && this.now() - this.keyCache.at < CACHE_MS) return this.keyCache;
    const records = await this.ds.transaction('list-keys', (tx) => tx.listHpkeKeys());
    const toPair = (r: (typeof records)[number]): HpkeKeypair => ({
      config: decodeHpkeConfig(r.config),
      privateKey: r.privateKey,
    });
    this.keyCache = {
      keys: records.map(toPair),
      active: records.filter((r) => r.state === 'active').map(toPair),
      at: this.now(),
    };
    return this.keyCache;
  }

  /** Every HPKE key pair this aggregator can still decrypt with. */
  async hpkeKeys(): Promise<HpkeKeypair[]> {
    return (await this.loadKeys()).keys;
  }

  /**
   * Every HPKE key pair, reread first when one of `configIds` is unknown and the cached list is
   * older than a second, so that a key another process sharing the store just created is
   * known at once.
   *
   * @param configIds - the config IDs a request uses.
   * @returns the key pairs.
   */
  async hpkeKeysFor(configIds: Iterable<number>): Promise<HpkeKeypair[]> {
    const cache = await this.loadKeys();
    const known = new Set(cache.keys.map((k) => k.config.id));
    const missing = [...configIds].some((id) => !known.has(id));
    if (missing && this.now() - cache.at >= KEY_REFRESH_MIN_MS) this.invalidateKeys();
    return (await this.loadKeys()).keys;
  }

  /**
   * Every HPKE key pair this aggregator can decrypt with, imported once into the protocol
   * package's HPKE for opening many input shares; reread first as {@link hpkeKeysFor} does
   * when one of `configIds` is unknown (a key another process sharing the store just created).
   *
   * @param configIds - the config IDs the shares to open name.
   * @returns the prepared keys (cached with the key list).
   */
  async hpkeRecipientKeys(configIds: Iterable<number> = []): Promise<HpkeRecipientKeys> {
    await this.hpkeKeysFor(configIds);
    const cache = await this.loadKeys();
    cache.recipient ??= HpkeRecipientKeys.prepare(cache.keys);
    return cache.recipient;
  }

  /** The key pairs advertised at `hpke_config`, preferred first. */
  async activeHpkeKeys(): Promise<HpkeKeypair[]> {
    return (await this.loadKeys()).active;
  }
}
