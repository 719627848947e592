// Public API of @private-measurement/collector: DAP-18 collection jobs, decryption of the
// aggregate shares, unsharding, and noisy results with their 95% intervals.
export {
  Collector,
  type CollectOptions,
  type CollectionJob,
  type CollectorEvent,
  type CollectorOptions,
  type CollectorQuery,
  type PollResult,
} from './collector.js';
export type { CollectorHpkeKey } from './finalize.js';
export {
  CollectorError,
  DecryptError,
  HttpStatusError,
  ParamError,
  PollDeadlineError,
  ProblemError,
  ResponseError,
  TransportError,
  UnshardError,
} from './errors.js';
export { formatResult, noiseOffStatement, resultToJson, type ResultFormat } from './format.js';
export { noiseSummary, type NoiseSpec, type NoiseSummary } from './noise.js';
export { DEFAULT_POLL_POLICY, type PollPolicy } from './poll.js';
export {
  NOISE_HEADER,
  NOISE_OFF_FOR_TESTING,
  noiseOffAt,
  parseReportedNoise,
  type ReportedNoise,
} from './reported-noise.js';
export { toSigned, type Bucket, type CollectionResult } from './result.js';
