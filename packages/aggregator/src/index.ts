// Public API of @private-measurement/aggregator: the DAP-18 Leader and Helper, their
// datastores (SQLite, PostgreSQL) and errors.
export { AggregatorError, ConfigError, PeerError, StoreError } from './errors.js';
export type {
  AggregateShareJobRecord,
  AggregationJobRecord,
  AggregationJobState,
  BatchAggregationDelta,
  BatchAggregationRecord,
  BucketStatus,
  BucketSummary,
  ClaimedReportRecord,
  ClientReportRecord,
  ClientReportState,
  CollectionJobRecord,
  CollectionJobState,
  Datastore,
  GcCounts,
  GcCutoffs,
  HpkeKeyRecord,
  Lease,
  MergeAggShares,
  OutstandingBatchRecord,
  QueueDepths,
  ReportAggregationRecord,
  ReportAggregationState,
  Role,
  TaskRecord,
  Transaction,
} from './store/types.js';
export { MIGRATIONS } from './store/migrations.js';
export { openDatastore } from './store/open.js';
export { openSqliteDatastore } from './store/sqlite.js';
export { openPostgresDatastore, type PostgresOptions } from './store/postgres.js';
export { observeDatastore, type DatastoreEvents } from './store/instrumented.js';
export { rotateHpkeKey, type KeyRotation } from './handlers/hpke-config.js';
export type { GcResult } from './drivers/gc.js';
export { createAggregator, type Aggregator, type AggregatorOptions } from './aggregator.js';
export {
  DEFAULT_BACKPRESSURE,
  DEFAULT_DRIVERS,
  DEFAULT_GC,
  DEFAULT_HPKE_KEY_GRACE_SECONDS,
  parseBackpressureConfig,
  parseConfig,
  parseGcConfig,
  parseHpkeKeyGraceSeconds,
  parseTaskSpec,
  parseVdafSpec,
  type AggregatorConfig,
  type BackpressureConfig,
  type DpSpec,
  type DriverConfig,
  type GcConfig,
  type TaskSpec,
  type VdafSpec,
} from './config.js';
export { NOISE_HEADER, calibrateNoise, reportSensitivity, type NoiseParams } from './core/noise.js';
