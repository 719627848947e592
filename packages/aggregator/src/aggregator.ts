// createAggregator: one embeddable DAP-18 aggregator (Leader for some tasks, Helper for others)
// exposing a WHATWG fetch handler, a Node listener, and start/stop for the Leader's drivers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import {
  DEFAULT_DRIVERS,
  parseAggregationSyncMs,
  parseBackpressureConfig,
  parseGcConfig,
  parseHpkeKeyGraceSeconds,
  parseTaskSpec,
  type BackpressureConfig,
  type DriverConfig,
  type GcConfig,
  type TaskSpec,
} from './config.js';
import { AggregatorContext, type Settings } from './core/context.js';
import { createLogger, createMetrics } from './core/observability.js';
import { collectGarbage, type GcResult } from './drivers/gc.js';
import { DriverLoop, runDriversOnce } from './drivers/loop.js';
import { ConfigError } from './errors.js';
import { putTask } from './handlers/admin.js';
import { ensureHpkeKey, rotateHpkeKey, type KeyRotation } from './handlers/hpke-config.js';
import { toNodeListener } from './http/node.js';
import { serve } from './http/router.js';
import { observeDatastore } from './store/instrumented.js';
import { openDatastore } from './store/open.js';
import type { Datastore } from './store/types.js';

/** Options of `createAggregator`. */
export interface AggregatorOptions {
  /** A datastore, or its URL (`sqlite:PATH`, `postgres://...`). */
  store: Datastore | string;
  /** Tasks to provision (validated, stored, replacing same-ID tasks). */
  tasks?: readonly TaskSpec[];
  /** Path prefix of the DAP resources; default `/`. */
  pathPrefix?: string;
  /** Enables the admin API under `/admin` with this bearer token. */
  adminToken?: string;
  /** Largest request body, bytes; default 16 MiB. */
  maxBodyBytes?: number;
  /** Allowed clock skew for report times, seconds; default 300. */
  clockSkewSeconds?: number;
  /** Leader driver settings. */
  drivers?: Partial<DriverConfig>;
  /** Shards per batch bucket; default 8. */
  batchShards?: number;
  /** Garbage-collector settings (see `GcConfig`); validated like the configuration file's. */
  gc?: Partial<GcConfig>;
  /** Back-pressure settings (see `BackpressureConfig`); off by default. */
  backpressure?: Partial<BackpressureConfig>;
  /** Grace period of rotated-out HPKE keys, seconds; default 172 800. */
  hpkeKeyGraceSeconds?: number;
  /**
   * Helper: how long it works on an aggregation job before answering "not ready" and
   * finishing in the background while the Leader polls, ms; default 10 000, 0 always.
   */
  aggregationSyncMs?: number;
  /** Logger; default JSON on stdout at `logLevel`. */
  logger?: Logger;
  logLevel?: string;
  /** Clock in ms since the epoch; default `Date.now`. */
  now?: () => number;
  /** fetch used to reach the peer aggregator; default global fetch. */
  fetch?: typeof fetch;
  /**
   * Test only: aggregate shares leave WITHOUT differential-privacy noise. Logged at startup and
   * reported to the Collector in the `pm-dp-noise` header of every collection job response.
   */
  unsafeDisableNoiseForTesting?: boolean;
}

/** An aggregator instance. */
export interface Aggregator {
  /** Serves one request. */
  fetch: (request: Request) => Promise<Response>;
  /** The same as a Node `http` request listener. */
  listener: (req: IncomingMessage, res: ServerResponse) => void;
  /** Starts the background loop: the job drivers and the garbage collector. */
  start(): void;
  /** Stops the drivers, waiting for the pass in flight. */
  stop(): Promise<void>;
  /** Runs one pass of every driver now (tests, tools). */
  runDriversOnce(): Promise<{ created: number; aggregation: number; collection: number }>;
  /** Runs one garbage-collection pass now, whatever `gc.enabled` says (tests, tools). */
  collectGarbage(): Promise<GcResult>;
  /**
   * Rotates the HPKE key (see `rotateHpkeKey`); every process sharing the store advertises
   * the new key within 5 s.
   *
   * @param graceSeconds - how long the retired keys still open reports; default
   *   `hpkeKeyGraceSeconds`.
   */
  rotateHpkeKey(graceSeconds?: number): Promise<KeyRotation>;
  /** Stops the drivers and closes the datastore if this aggregator opened it. */
  close(): Promise<void>;
  readonly datastore: Datastore;
  readonly metrics: Registry;
}

/**
 * Creates an aggregator: opens (and migrates) the store, provisions the given tasks, and makes
 * sure an HPKE key exists.
 *
 * @param options - see `AggregatorOptions`.
 * @returns the aggregator; call `start()` to run the Leader's drivers.
 * @throws {ConfigError} for invalid options or tasks; {StoreError} when the store fails.
 * @example
 * const agg = await createAggregator({ store: 'sqlite:./leader.db', tasks: [spec] });
 * http.createServer(agg.listener).listen(8080);
 * agg.start();
 */
export async function createAggregator(options: AggregatorOptions): Promise<Aggregator> {
  const log = options.logger ?? createLogger(options.logLevel ?? 'info');
  const prefix = options.pathPrefix ?? '/';
  if (!prefix.startsWith('/')) throw new ConfigError('pathPrefix: expected a path starting with /');
  const settings: Settings = {
    pathPrefix: prefix,
    adminToken: options.adminToken,
    maxBodyBytes: options.maxBodyBytes ?? 16 * 1024 * 1024,
    clockSkewSeconds: options.clockSkewSeconds ?? 300,
    drivers: { ...DEFAULT_DRIVERS, ...options.drivers },
    unsafeDisableNoiseForTesting: options.unsafeDisableNoiseForTesting === true,
    batchShards: options.batchShards ?? 8,
    gc: parseGcConfig(options.gc, 'gc'),
    backpressure: parseBackpressureConfig(options.backpressure, 'backpressure'),
    aggregationSyncMs: parseAggregationSyncMs(options.aggregationSyncMs, 'aggregationSyncMs'),
    hpkeKeyGraceSeconds: parseHpkeKeyGraceSeconds(
      options.hpkeKeyGraceSeconds,
      'hpkeKeyGraceSeconds',
    ),
  };
  const tasks = (options.tasks ?? []).map((t, i) => parseTaskSpec(t, `tasks[${i}]`));
  const ownsStore = typeof options.store === 'string';
  const ds = typeof options.store === 'string' ? await openDatastore(options.store) : options.store;
  const now = options.now ?? Date.now;
  const metrics = createMetrics();
  const observed = observeDatastore(ds, {
    onLeaseTakeover: (kind, count) => metrics.leaseTakeovers.inc({ kind }, count),
  });
  metrics.queueDepthSource = () => ds.transaction('queue-depths', (tx) => tx.queueDepths());
  metrics.onCollectError = (err) => log.error({ err }, 'queue depths unavailable');
  const ctx = new AggregatorContext(observed, log, metrics, settings, now, options.fetch ?? fetch);

  for (const spec of tasks) await putTask(ctx, spec);
  if (await ensureHpkeKey(ds, now())) log.info('hpke key generated');
  if (settings.unsafeDisableNoiseForTesting) {
    log.warn('differential privacy noise is DISABLED for testing: results are not private');
  }

  const loop = new DriverLoop(ctx);
  const handler = (request: Request): Promise<Response> => serve(ctx, request);
  return {
    fetch: handler,
    listener: toNodeListener(handler),
    start: () => loop.start(),
    stop: () => loop.stop(),
    runDriversOnce: () => runDriversOnce(ctx),
    collectGarbage: () => collectGarbage(ctx),
    rotateHpkeKey: async (graceSeconds) => {
      const grace =
        graceSeconds === undefined
          ? settings.hpkeKeyGraceSeconds
          : parseHpkeKeyGraceSeconds(graceSeconds, 'graceSeconds');
      const rotation = await rotateHpkeKey(ctx.ds, now(), grace);
      ctx.invalidateKeys();
      return rotation;
    },
    close: async () => {
      await loop.stop();
      if (ownsStore) await ds.close();
    },
    datastore: ds,
    metrics: metrics.registry,
  };
}
