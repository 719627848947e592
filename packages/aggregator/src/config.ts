// Validation of the aggregator's configuration file and of task specifications: every field is
// checked and a bad one is reported by its path (e.g. `tasks[0].minBatchSize`).
import { ConfigError } from './errors.js';

/** A VDAF as written in a task specification (numbers for the draft's integers). */
export type VdafSpec =
  | { type: 'Prio3Count' }
  | { type: 'Prio3Sum'; maxMeasurement: number }
  | { type: 'Prio3SumVec'; length: number; maxMeasurement: number; chunkLength: number }
  | { type: 'Prio3Histogram'; length: number; chunkLength: number }
  | { type: 'Prio3MultihotCountVec'; length: number; chunkLength: number; maxWeight: number }
  | { type: 'Prio3L1BoundSum'; length: number; maxValue: number; chunkLength: number };

/** Differential privacy of a task's released aggregate shares. */
export interface DpSpec {
  /** `discrete-laplace` (pure epsilon-DP, default) or `discrete-gaussian` ((epsilon, delta)-DP). */
  mechanism: 'discrete-laplace' | 'discrete-gaussian';
  epsilon: number;
  /** Required for the Gaussian mechanism, in (0, 1). */
  delta?: number;
}

/** A task extension other than task_interval, as written in a task specification. */
export interface TaskExtensionSpec {
  /** The `extension_type`, 2 to 65535 (task_interval, 1, is written as `taskInterval`). */
  type: number;
  /** The `extension_data`, unpadded base64url (empty allowed). */
  data: string;
}

/** A task as provisioned (configuration file, admin API); bytes are unpadded base64url. */
export interface TaskSpec {
  taskId: string;
  role: 'leader' | 'helper';
  leaderEndpoint: string;
  helperEndpoint: string;
  /** `task_info` as UTF-8 text, 1 to 255 bytes. */
  taskInfo: string;
  /** Seconds per DAP time unit. */
  timePrecision: number;
  minBatchSize: number;
  batchMode: 'time_interval' | 'leader_selected';
  /** Leader-selected only: reports per batch the Leader aims for (default minBatchSize). */
  maxBatchSize?: number;
  /** The task_interval extension, in time_precision units. */
  taskInterval?: { start: number; duration: number };
  /**
   * Further task extensions, e.g. those of a task a W3C Attribution client derives. They enter
   * the encoded TaskConfiguration, hence every AAD; the aggregator does not interpret them.
   */
  taskExtensions?: TaskExtensionSpec[];
  /**
   * Report extension types this task accepts (e.g. the attribution `privacy_budget`); their
   * contents are not interpreted. Reports carrying any other type are rejected.
   */
  reportExtensions?: number[];
  vdaf: VdafSpec;
  /** 32 bytes, base64url. */
  vdafVerifyKey: string;
  /** The Collector's encoded `HpkeConfig`, base64url. */
  collectorHpkeConfig: string;
  /** Bearer token the Leader presents to the Helper. */
  aggregatorAuthToken: string;
  /** Leader only: bearer token the Collector presents. */
  collectorAuthToken?: string;
  dp: DpSpec;
  /**
   * Reports older than this (seconds, by report time) are rejected at upload and aggregation as
   * `report_dropped`, and the garbage collector deletes the task's stored reports and anti-replay
   * entries once they are older than this plus `gc.safetyMarginSeconds`. Absent: kept forever.
   */
  reportExpirySeconds?: number;
}

/** Garbage-collector settings (both roles). */
export interface GcConfig {
  /** Runs the collector in the driver loop; default true. */
  enabled: boolean;
  /** Pause between collections, ms; default 60 000. */
  intervalMs: number;
  /** Rows of each kind deleted per transaction, at most; default 1000. */
  batchSize: number;
  /** Transactions per task and pass, at most (the rest waits for the next pass); default 10. */
  maxBatchesPerPass: number;
  /**
   * Finished, failed or deleted jobs (aggregation, collection, aggregate-share) are deleted once
   * created this long ago (seconds); null (default) keeps them.
   */
  jobRetentionSeconds: number | null;
  /**
   * Extra age (seconds) beyond a task's `reportExpirySeconds` before its report state is
   * deleted: covers clocks that disagree between processes and a report checked for age just
   * before its replay entry would go; default 3600.
   */
  safetyMarginSeconds: number;
}

/** Back-pressure on uploads when aggregation falls behind. */
export interface BackpressureConfig {
  /**
   * Upload answers 503 with Retry-After while at least this many accepted reports are not yet
   * aggregated (pending, or in an unfinished aggregation job; over all tasks of the store); null
   * (default) never refuses.
   */
  maxPendingReports: number | null;
  /** How long a count of pending reports is reused, ms; default 1000. */
  checkIntervalMs: number;
  /** The Retry-After value of a refusal, seconds; default 30. */
  retryAfterSeconds: number;
  /**
   * Helper: aggregation jobs initialized at once by one process (their work is held in memory
   * until it commits); one more is refused with 503 and Retry-After; default 256.
   */
  maxHelperJobsInFlight: number;
}

/** The aggregator's configuration file. */
export interface AggregatorConfig {
  /** `sqlite:PATH` or a `postgres://` URL. */
  store: string;
  listen: { host: string; port: number };
  /** Path prefix under which the DAP resources are served, e.g. `/` or `/dap`. */
  pathPrefix: string;
  /** Bearer token of the admin API; the API is off when absent. */
  adminToken?: string;
  tasks: TaskSpec[];
  /** Largest accepted request body in bytes. */
  maxBodyBytes: number;
  /** Allowed clock skew for report times, seconds. */
  clockSkewSeconds: number;
  drivers: DriverConfig;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Test only: aggregate shares leave without DP noise. Reported in every collection. */
  unsafeDisableNoiseForTesting: boolean;
  gc: GcConfig;
  backpressure: BackpressureConfig;
  /**
   * After a key rotation, how long (seconds) the previous keys still open reports before the
   * garbage collector deletes them; default 172 800 (twice the one-day hpke_config cache life).
   */
  hpkeKeyGraceSeconds: number;
  /**
   * How long the Helper works on an aggregation job before answering "not ready" and finishing
   * it in the background while the Leader polls (draft-ietf-ppm-dap-18 §3.1), ms; default
   * 10 000; 0 always answers asynchronously.
   */
  aggregationSyncMs: number;
}

/** Leader job-driver settings. */
export interface DriverConfig {
  enabled: boolean;
  /** Pause between driver passes, ms. */
  intervalMs: number;
  /** Lease length, ms. */
  leaseMs: number;
  /** Reports per aggregation job, at most. */
  maxJobSize: number;
  /** Reports per aggregation job, at least (fewer wait for more uploads). */
  minJobSize: number;
  /**
   * Aggregation jobs one process drives at once; default 4. While the Helper works on one job,
   * the Leader prepares the next, so at least 2 keeps both busy.
   */
  jobsInFlight: number;
  /** Attempts at a job before it is abandoned. */
  maxAttempts: number;
  /** Largest backoff between attempts, ms. */
  maxBackoffMs: number;
  /** Timeout of one request to the peer, ms. */
  peerTimeoutMs: number;
}

type Json = Record<string, unknown>;

function fail(path: string, expected: string, received: unknown): never {
  const shown =
    typeof received === 'string'
      ? `a string of length ${received.length}`
      : received === undefined
        ? 'nothing'
        : JSON.stringify(received)?.slice(0, 40);
  throw new ConfigError(`${path}: expected ${expected}, received ${shown}`);
}

function obj(v: unknown, path: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'an object', v);
  return v as Json;
}

function noExtraKeys(o: Json, path: string, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw new ConfigError(`${path}.${k}: unknown field`);
  }
}

function str(o: Json, key: string, path: string, opt: { min?: number; max?: number } = {}): string {
  const v = o[key];
  const min = opt.min ?? 1;
  const max = opt.max ?? 4096;
  if (typeof v !== 'string' || v.length < min || v.length > max) {
    fail(`${path}.${key}`, `a string of ${min} to ${max} characters`, v);
  }
  return v;
}

function int(
  o: Json,
  key: string,
  path: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    fail(`${path}.${key}`, `an integer in [${min}, ${max}]`, v);
  }
  return v;
}

function optional<T>(o: Json, key: string, read: () => T): T | undefined {
  return o[key] === undefined ? undefined : read();
}

function oneOf<T extends string>(o: Json, key: string, path: string, values: readonly T[]): T {
  const v = o[key];
  if (typeof v !== 'string' || !values.includes(v as T))
    fail(`${path}.${key}`, `one of ${values.join(', ')}`, v);
  return v as T;
}

const B64URL = /^[A-Za-z0-9_-]*$/;

function b64(o: Json, key: string, path: string, bytes?: number): string {
  const v = str(o, key, path);
  const decoded = B64URL.test(v) ? Buffer.from(v, 'base64url') : undefined;
  if (decoded === undefined || decoded.toString('base64url') !== v)
    fail(`${path}.${key}`, 'unpadded base64url', v);
  if (bytes !== undefined && decoded.length !== bytes) {
    throw new ConfigError(`${path}.${key}: expected ${bytes} bytes, received ${decoded.length}`);
  }
  return v;
}

function token(o: Json, key: string, path: string): string {
  const v = o[key];
  if (typeof v !== 'string' || !/^[A-Za-z0-9\-._~+/]{16,512}=*$/.test(v)) {
    // The value is a secret: never echo it.
    throw new ConfigError(
      `${path}.${key}: expected a bearer token of 16 to 512 token68 characters`,
    );
  }
  return v;
}

function url(o: Json, key: string, path: string): string {
  const v = str(o, key, path, { max: 65535 });
  let parsed: URL;
  try {
    parsed = new URL(v);
  } catch {
    fail(`${path}.${key}`, 'an absolute http(s) URL', v);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    fail(`${path}.${key}`, 'an http(s) URL', v);
  if (!/^[\x21-\x7e]+$/.test(v)) fail(`${path}.${key}`, 'printable ASCII', v);
  return v;
}

const U32 = 0xffffffff;

/**
 * Validates a VDAF specification.
 *
 * @param v - the parsed JSON.
 * @param path - where it sits in the file, for messages.
 * @returns the typed VDAF specification.
 * @throws {ConfigError} naming the first bad field.
 */
export function parseVdafSpec(v: unknown, path: string): VdafSpec {
  const o = obj(v, path);
  const type = oneOf(o, 'type', path, [
    'Prio3Count',
    'Prio3Sum',
    'Prio3SumVec',
    'Prio3Histogram',
    'Prio3MultihotCountVec',
    'Prio3L1BoundSum',
  ] as const);
  switch (type) {
    case 'Prio3Count':
      noExtraKeys(o, path, ['type']);
      return { type };
    case 'Prio3Sum':
      noExtraKeys(o, path, ['type', 'maxMeasurement']);
      return { type, maxMeasurement: int(o, 'maxMeasurement', path, 1) };
    case 'Prio3SumVec':
      noExtraKeys(o, path, ['type', 'length', 'maxMeasurement', 'chunkLength']);
      return {
        type,
        length: int(o, 'length', path, 1, U32),
        maxMeasurement: int(o, 'maxMeasurement', path, 1),
        chunkLength: int(o, 'chunkLength', path, 1, U32),
      };
    case 'Prio3Histogram':
      noExtraKeys(o, path, ['type', 'length', 'chunkLength']);
      return {
        type,
        length: int(o, 'length', path, 1, U32),
        chunkLength: int(o, 'chunkLength', path, 1, U32),
      };
    case 'Prio3MultihotCountVec':
      noExtraKeys(o, path, ['type', 'length', 'chunkLength', 'maxWeight']);
      return {
        type,
        length: int(o, 'length', path, 1, U32),
        chunkLength: int(o, 'chunkLength', path, 1, U32),
        maxWeight: int(o, 'maxWeight', path, 1),
      };
    case 'Prio3L1BoundSum':
      noExtraKeys(o, path, ['type', 'length', 'maxValue', 'chunkLength']);
      return {
        type,
        length: int(o, 'length', path, 1, U32),
        maxValue: int(o, 'maxValue', path, 1),
        chunkLength: int(o, 'chunkLength', path, 1, U32),
      };
  }
}

function parseDp(v: unknown, path: string): DpSpec {
  const o = obj(v, path);
  noExtraKeys(o, path, ['mechanism', 'epsilon', 'delta']);
  const mechanism = oneOf(o, 'mechanism', path, ['discrete-laplace', 'discrete-gaussian'] as const);
  const epsilon = o.epsilon;
  if (typeof epsilon !== 'number' || !(epsilon > 0) || epsilon > 100)
    fail(`${path}.epsilon`, 'a number in (0, 100]', epsilon);
  const delta = o.delta;
  if (mechanism === 'discrete-gaussian') {
    if (typeof delta !== 'number' || !(delta > 0 && delta < 1))
      fail(`${path}.delta`, 'a number in (0, 1)', delta);
    return { mechanism, epsilon, delta };
  }
  if (delta !== undefined)
    throw new ConfigError(`${path}.delta: only allowed with discrete-gaussian`);
  return { mechanism, epsilon };
}

// Spec: draft-ietf-ppm-dap-18 §4.2.2 forbids taking part in tasks with unrecognized extensions;
// extensions listed by the operator are recognized as opaque bytes that only enter the AAD.
function parseTaskExtensions(v: unknown, path: string): TaskExtensionSpec[] {
  if (!Array.isArray(v)) fail(path, 'an array', v);
  const seen = new Set<number>();
  return v.map((item, i) => {
    const p = `${path}[${i}]`;
    const e = obj(item, p);
    noExtraKeys(e, p, ['type', 'data']);
    const type = int(e, 'type', p, 2, 0xffff);
    if (seen.has(type)) throw new ConfigError(`${p}.type: duplicate extension type ${type}`);
    seen.add(type);
    const data = e.data;
    if (typeof data !== 'string' || !B64URL.test(data))
      fail(`${p}.data`, 'unpadded base64url', data);
    const bytes = Buffer.from(data, 'base64url');
    if (bytes.toString('base64url') !== data) fail(`${p}.data`, 'unpadded base64url', data);
    if (bytes.length > 0xffff)
      throw new ConfigError(`${p}.data: expected at most 65535 bytes, received ${bytes.length}`);
    return { type, data };
  });
}

function parseReportExtensions(v: unknown, path: string): number[] {
  if (!Array.isArray(v)) fail(path, 'an array', v);
  const types = v.map((t: unknown, i) => {
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > 0xffff)
      fail(`${path}[${i}]`, 'an integer in [1, 65535]', t);
    return t;
  });
  if (new Set(types).size !== types.length) fail(path, 'distinct extension types', v);
  return types;
}

const TASK_KEYS = [
  'taskId',
  'role',
  'leaderEndpoint',
  'helperEndpoint',
  'taskInfo',
  'timePrecision',
  'minBatchSize',
  'batchMode',
  'maxBatchSize',
  'taskInterval',
  'taskExtensions',
  'reportExtensions',
  'vdaf',
  'vdafVerifyKey',
  'collectorHpkeConfig',
  'aggregatorAuthToken',
  'collectorAuthToken',
  'dp',
  'reportExpirySeconds',
];

/**
 * Validates a task specification.
 *
 * @param v - the parsed JSON.
 * @param path - where it sits, for messages (default `task`).
 * @returns the typed task specification.
 * @throws {ConfigError} naming the first bad field; secrets are never echoed.
 * @example
 * const spec = parseTaskSpec(JSON.parse(text));
 */
export function parseTaskSpec(v: unknown, path = 'task'): TaskSpec {
  const o = obj(v, path);
  noExtraKeys(o, path, TASK_KEYS);
  const role = oneOf(o, 'role', path, ['leader', 'helper'] as const);
  const taskInfo = str(o, 'taskInfo', path);
  if (Buffer.byteLength(taskInfo, 'utf8') > 255)
    fail(`${path}.taskInfo`, 'at most 255 UTF-8 bytes', taskInfo);
  const batchMode = oneOf(o, 'batchMode', path, ['time_interval', 'leader_selected'] as const);
  const minBatchSize = int(o, 'minBatchSize', path, 1);
  const maxBatchSize = optional(o, 'maxBatchSize', () =>
    int(o, 'maxBatchSize', path, minBatchSize),
  );
  if (maxBatchSize !== undefined && batchMode !== 'leader_selected') {
    throw new ConfigError(`${path}.maxBatchSize: only allowed with batchMode leader_selected`);
  }
  const spec: TaskSpec = {
    taskId: b64(o, 'taskId', path, 32),
    role,
    leaderEndpoint: url(o, 'leaderEndpoint', path),
    helperEndpoint: url(o, 'helperEndpoint', path),
    taskInfo,
    timePrecision: int(o, 'timePrecision', path, 1),
    minBatchSize,
    batchMode,
    vdaf: parseVdafSpec(o.vdaf, `${path}.vdaf`),
    vdafVerifyKey: b64(o, 'vdafVerifyKey', path, 32),
    collectorHpkeConfig: b64(o, 'collectorHpkeConfig', path),
    aggregatorAuthToken: token(o, 'aggregatorAuthToken', path),
    dp: parseDp(o.dp, `${path}.dp`),
  };
  if (maxBatchSize !== undefined) spec.maxBatchSize = maxBatchSize;
  const interval = optional(o, 'taskInterval', () => {
    const i = obj(o.taskInterval, `${path}.taskInterval`);
    noExtraKeys(i, `${path}.taskInterval`, ['start', 'duration']);
    return {
      start: int(i, 'start', `${path}.taskInterval`, 0),
      duration: int(i, 'duration', `${path}.taskInterval`, 1),
    };
  });
  if (interval !== undefined) spec.taskInterval = interval;
  const taskExtensions = optional(o, 'taskExtensions', () =>
    parseTaskExtensions(o.taskExtensions, `${path}.taskExtensions`),
  );
  if (taskExtensions !== undefined) spec.taskExtensions = taskExtensions;
  const reportExtensions = optional(o, 'reportExtensions', () =>
    parseReportExtensions(o.reportExtensions, `${path}.reportExtensions`),
  );
  if (reportExtensions !== undefined) spec.reportExtensions = reportExtensions;
  const expiry = optional(o, 'reportExpirySeconds', () =>
    int(o, 'reportExpirySeconds', path, 1, MAX_SECONDS),
  );
  if (expiry !== undefined) spec.reportExpirySeconds = expiry;
  if (role === 'leader') {
    spec.collectorAuthToken = token(o, 'collectorAuthToken', path);
  } else if (o.collectorAuthToken !== undefined) {
    throw new ConfigError(`${path}.collectorAuthToken: only allowed for the leader`);
  }
  return spec;
}

/** Defaults of the driver settings. */
export const DEFAULT_DRIVERS: DriverConfig = {
  enabled: true,
  intervalMs: 1000,
  leaseMs: 60_000,
  maxJobSize: 1000,
  minJobSize: 1,
  jobsInFlight: 4,
  maxAttempts: 10,
  maxBackoffMs: 60_000,
  peerTimeoutMs: 30_000,
};

/** Longest duration accepted by the settings below: 100 years, in seconds. */
const MAX_SECONDS = 100 * 366 * 86_400;

/** Defaults of the garbage-collector settings. */
export const DEFAULT_GC: GcConfig = {
  enabled: true,
  intervalMs: 60_000,
  batchSize: 1000,
  maxBatchesPerPass: 10,
  jobRetentionSeconds: null,
  safetyMarginSeconds: 3600,
};

/** Defaults of the back-pressure settings. */
export const DEFAULT_BACKPRESSURE: BackpressureConfig = {
  maxPendingReports: null,
  checkIntervalMs: 1000,
  retryAfterSeconds: 30,
  maxHelperJobsInFlight: 256,
};

/** Default grace period of rotated-out HPKE keys, seconds. */
export const DEFAULT_HPKE_KEY_GRACE_SECONDS = 2 * 86_400;

function nullableInt(o: Json, key: string, path: string, min: number, max: number): number | null {
  return o[key] === undefined || o[key] === null ? null : int(o, key, path, min, max);
}

/**
 * Validates garbage-collector settings, filling defaults.
 *
 * @param v - the parsed JSON (or options) object; undefined for all defaults.
 * @param path - where it sits, for messages (e.g. `config.gc`).
 * @returns the settings.
 * @throws {ConfigError} naming the first bad field.
 * @example
 * const gc = parseGcConfig({ intervalMs: 10_000, jobRetentionSeconds: 86_400 }, 'gc');
 */
export function parseGcConfig(v: unknown, path: string): GcConfig {
  const o = obj(v ?? {}, path);
  noExtraKeys(o, path, Object.keys(DEFAULT_GC));
  const gc: GcConfig = { ...DEFAULT_GC };
  if (o.enabled !== undefined) {
    if (typeof o.enabled !== 'boolean') fail(`${path}.enabled`, 'a boolean', o.enabled);
    gc.enabled = o.enabled;
  }
  if (o.intervalMs !== undefined) gc.intervalMs = int(o, 'intervalMs', path, 1, 86_400_000);
  if (o.batchSize !== undefined) gc.batchSize = int(o, 'batchSize', path, 1, 100_000);
  if (o.maxBatchesPerPass !== undefined)
    gc.maxBatchesPerPass = int(o, 'maxBatchesPerPass', path, 1, 10_000);
  gc.jobRetentionSeconds = nullableInt(o, 'jobRetentionSeconds', path, 1, MAX_SECONDS);
  if (o.safetyMarginSeconds !== undefined)
    gc.safetyMarginSeconds = int(o, 'safetyMarginSeconds', path, 0, MAX_SECONDS);
  return gc;
}

/**
 * Validates back-pressure settings, filling defaults.
 *
 * @param v - the parsed JSON (or options) object; undefined for all defaults.
 * @param path - where it sits, for messages (e.g. `config.backpressure`).
 * @returns the settings.
 * @throws {ConfigError} naming the first bad field.
 * @example
 * const bp = parseBackpressureConfig({ maxPendingReports: 1_000_000 }, 'backpressure');
 */
export function parseBackpressureConfig(v: unknown, path: string): BackpressureConfig {
  const o = obj(v ?? {}, path);
  noExtraKeys(o, path, Object.keys(DEFAULT_BACKPRESSURE));
  const bp: BackpressureConfig = { ...DEFAULT_BACKPRESSURE };
  bp.maxPendingReports = nullableInt(o, 'maxPendingReports', path, 1, Number.MAX_SAFE_INTEGER);
  if (o.checkIntervalMs !== undefined)
    bp.checkIntervalMs = int(o, 'checkIntervalMs', path, 0, 3_600_000);
  if (o.retryAfterSeconds !== undefined)
    bp.retryAfterSeconds = int(o, 'retryAfterSeconds', path, 1, 86_400);
  if (o.maxHelperJobsInFlight !== undefined)
    bp.maxHelperJobsInFlight = int(o, 'maxHelperJobsInFlight', path, 1, 1_000_000);
  return bp;
}

/**
 * Validates the grace period of rotated-out HPKE keys.
 *
 * @param v - seconds, or undefined for the default.
 * @param path - where it sits, for messages.
 * @returns seconds.
 * @throws {ConfigError} unless an integer in [0, 100 years].
 */
export function parseHpkeKeyGraceSeconds(v: unknown, path: string): number {
  if (v === undefined) return DEFAULT_HPKE_KEY_GRACE_SECONDS;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > MAX_SECONDS) {
    fail(path, `an integer in [0, ${MAX_SECONDS}]`, v);
  }
  return v;
}

/** Default of `aggregationSyncMs`: a third of the Leader's default peer timeout. */
export const DEFAULT_AGGREGATION_SYNC_MS = 10_000;

/**
 * Validates `aggregationSyncMs`.
 *
 * @param v - the value, or undefined for the default.
 * @param path - the field's name in messages.
 * @returns milliseconds.
 * @throws {ConfigError} unless an integer in [0, 3 600 000].
 */
export function parseAggregationSyncMs(v: unknown, path: string): number {
  if (v === undefined) return DEFAULT_AGGREGATION_SYNC_MS;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > 3_600_000) {
    fail(path, 'an integer in [0, 3600000]', v);
  }
  return v;
}

const CONFIG_KEYS = [
  'store',
  'listen',
  'pathPrefix',
  'adminToken',
  'tasks',
  'maxBodyBytes',
  'clockSkewSeconds',
  'drivers',
  'logLevel',
  'unsafeDisableNoiseForTesting',
  'gc',
  'backpressure',
  'hpkeKeyGraceSeconds',
  'aggregationSyncMs',
];

/**
 * Validates a parsed configuration file, filling defaults.
 *
 * @param v - the parsed JSON.
 * @returns the configuration.
 * @throws {ConfigError} naming the first bad field; secrets are never echoed.
 * @example
 * const config = parseConfig(JSON.parse(readFileSync('leader.json', 'utf8')));
 */
export function parseConfig(v: unknown): AggregatorConfig {
  const o = obj(v, 'config');
  noExtraKeys(o, 'config', CONFIG_KEYS);
  const store = str(o, 'store', 'config');
  if (!/^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(store))
    fail('config.store', 'sqlite:PATH or postgres://URL', store);
  const listenObj = obj(o.listen ?? {}, 'config.listen');
  noExtraKeys(listenObj, 'config.listen', ['host', 'port']);
  const listen = {
    host: listenObj.host === undefined ? '127.0.0.1' : str(listenObj, 'host', 'config.listen'),
    port: listenObj.port === undefined ? 8080 : int(listenObj, 'port', 'config.listen', 0, 65535),
  };
  const pathPrefix = o.pathPrefix === undefined ? '/' : str(o, 'pathPrefix', 'config');
  if (!pathPrefix.startsWith('/')) fail('config.pathPrefix', 'a path starting with /', pathPrefix);
  const tasksRaw = o.tasks ?? [];
  if (!Array.isArray(tasksRaw)) fail('config.tasks', 'an array', tasksRaw);
  const tasks = tasksRaw.map((t, i) => parseTaskSpec(t, `config.tasks[${i}]`));
  const ids = new Set<string>();
  for (const [i, t] of tasks.entries()) {
    if (ids.has(t.taskId)) throw new ConfigError(`config.tasks[${i}].taskId: duplicate task ID`);
    ids.add(t.taskId);
  }
  const d = obj(o.drivers ?? {}, 'config.drivers');
  noExtraKeys(d, 'config.drivers', Object.keys(DEFAULT_DRIVERS));
  const drivers: DriverConfig = { ...DEFAULT_DRIVERS };
  if (d.enabled !== undefined) {
    if (typeof d.enabled !== 'boolean') fail('config.drivers.enabled', 'a boolean', d.enabled);
    drivers.enabled = d.enabled;
  }
  for (const k of [
    'intervalMs',
    'leaseMs',
    'maxJobSize',
    'minJobSize',
    'jobsInFlight',
    'maxAttempts',
    'maxBackoffMs',
    'peerTimeoutMs',
  ] as const) {
    if (d[k] !== undefined) drivers[k] = int(d, k, 'config.drivers', 1, 86_400_000);
  }
  if (drivers.minJobSize > drivers.maxJobSize) {
    throw new ConfigError('config.drivers.minJobSize: expected at most drivers.maxJobSize');
  }
  const unsafe = o.unsafeDisableNoiseForTesting ?? false;
  if (typeof unsafe !== 'boolean') fail('config.unsafeDisableNoiseForTesting', 'a boolean', unsafe);
  const config: AggregatorConfig = {
    store,
    listen,
    pathPrefix,
    tasks,
    maxBodyBytes:
      o.maxBodyBytes === undefined
        ? 16 * 1024 * 1024
        : int(o, 'maxBodyBytes', 'config', 1024, 1 << 30),
    clockSkewSeconds:
      o.clockSkewSeconds === undefined ? 300 : int(o, 'clockSkewSeconds', 'config', 0, 86_400),
    drivers,
    logLevel:
      o.logLevel === undefined
        ? 'info'
        : oneOf(o, 'logLevel', 'config', [
            'fatal',
            'error',
            'warn',
            'info',
            'debug',
            'trace',
            'silent',
          ] as const),
    unsafeDisableNoiseForTesting: unsafe,
    gc: parseGcConfig(o.gc, 'config.gc'),
    backpressure: parseBackpressureConfig(o.backpressure, 'config.backpressure'),
    aggregationSyncMs: parseAggregationSyncMs(o.aggregationSyncMs, 'config.aggregationSyncMs'),
    hpkeKeyGraceSeconds: parseHpkeKeyGraceSeconds(
      o.hpkeKeyGraceSeconds,
      'config.hpkeKeyGraceSeconds',
    ),
  };
  if (o.adminToken !== undefined) config.adminToken = token(o, 'adminToken', 'config');
  return config;
}
