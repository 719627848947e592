// Public API of @private-measurement/client: the W3C Attribution API with its on-device privacy
// budget, stores, report encoders, explainability and the conformance runner.
export { AttributionClient } from './client.js';
export type {
  AttributionClientOptions,
  AttributionConversionResult,
  CallerContext,
} from './client.js';
export {
  DEFAULT_ATTRIBUTION_CONFIG,
  DEFAULT_DAP_ATTRIBUTION_CODEPOINTS,
  MAX_EPSILON,
  MAX_UNSIGNED_LONG,
  resolveConfig,
} from './config.js';
export type {
  AggregationServiceConfig,
  AggregatorEndpoint,
  AttributionAggregationProtocol,
  AttributionConfig,
  DapAttributionCodepoints,
} from './config.js';
export type {
  AttributionConversionOptions,
  AttributionImpressionOptions,
} from './internal/options.js';
export {
  AttributionRangeError,
  AttributionReferenceError,
  AttributionTypeError,
  ClientError,
  ConfigError,
  ReportError,
  StorageError,
  UploadError,
  siteSyntaxError,
} from './errors.js';
export { fairlyAllocateCredit } from './credit.js';
export { defaultRegistrableDomain, parseSite } from './site.js';
export type { RegistrableDomainFn } from './site.js';
export { describePrivacy } from './explain.js';
export type { LedgerSiteEpoch, LedgerView } from './ledger.js';
export { ClearTextReportEncoder, decodeClearTextReport } from './report/encoder.js';
export { DapReportEncoder, privacyBudgetExtension } from './report/dap.js';
export type { DapReportEncoderOptions } from './report/dap.js';
export {
  ATTRIBUTION_MIN_BATCH_SIZE,
  ATTRIBUTION_TASK_INFO,
  ATTRIBUTION_TIME_PRECISION,
  attributionChunkLength,
  attributionTask,
  taskprovTaskId,
} from './report/task.js';
export type { AttributionTask, AttributionTaskParams } from './report/task.js';
export type { ReportEncoder, ReportRequest } from './report/encoder.js';
export { MemoryStore } from './store/memory.js';
export { IndexedDbStore } from './store/indexeddb.js';
export type {
  AttributionStore,
  BudgetKind,
  BudgetRecord,
  ChangeSet,
  LedgerEntry,
  ReportOutcome,
  StateMeta,
  StoredImpression,
  StoredState,
} from './store/types.js';
export { DapClient } from './dap-client.js';
export type {
  DapClientOptions,
  DapClientTask,
  RejectedReport,
  SendResult,
  ShardingVdaf,
} from './dap-client.js';
export { uploadReports } from './dap/upload.js';
export type { RetryPolicy, UploadOptions } from './dap/upload.js';
export { fetchHpkeConfig } from './dap/hpke-config.js';
export { runE2eCase } from './conformance.js';
export type { E2eConfig, E2eResult } from './conformance.js';
