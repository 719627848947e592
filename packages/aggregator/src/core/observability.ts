// Logs and metrics of one aggregator instance: a pino logger that redacts secrets, and a
// prom-client registry of its own (two aggregators in one process do not share counters).
import pino, { type Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { QueueDepths } from '../store/types.js';

/** Paths pino replaces with `[redacted]` wherever they appear in a log record. */
export const REDACT_PATHS = [
  'authorization',
  'token',
  '*.authorization',
  '*.token',
  'headers.authorization',
  'req.headers.authorization',
  'spec.aggregatorAuthToken',
  'spec.collectorAuthToken',
  'spec.vdafVerifyKey',
  '*.aggregatorAuthToken',
  '*.collectorAuthToken',
  '*.vdafVerifyKey',
  '*.privateKey',
  'adminToken',
];

/**
 * The default logger: JSON lines on stdout with secrets redacted.
 *
 * @param level - pino level name.
 * @returns the logger.
 */
export function createLogger(level = 'info'): Logger {
  return pino({
    level,
    base: { service: 'pm-aggregator' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  });
}

/** The counters and histograms an aggregator keeps. Label values are fixed tokens. */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'route' | 'status'>;
  httpDuration: Histogram<'route'>;
  problems: Counter<'label'>;
  reportsUploaded: Counter<'result'>;
  reportAggregations: Counter<'role' | 'result'>;
  jobs: Counter<'kind' | 'outcome'>;
  /** Reports in each batch whose aggregate share left this aggregator, by role. */
  batchReports: Histogram<'role'>;
  /** Work waiting in the store, read at each scrape through `queueDepthSource`. */
  queueDepth: Gauge<'queue'>;
  /** Jobs leased from a holder whose lease ran out, by job kind. */
  leaseTakeovers: Counter<'kind'>;
  /** Rows the garbage collector deleted, by kind (GcCounts field names, `hpke_keys`). */
  gcDeleted: Counter<'kind'>;
  /** Requests refused with 503 because the store fell behind, by route. */
  backpressure: Counter<'route'>;
  /** Reads the queue depths at scrape time; unset leaves the gauge at 0. */
  queueDepthSource?: () => Promise<QueueDepths>;
  /** Told when reading the queue depths failed (the gauge keeps its previous values). */
  onCollectError?: (err: unknown) => void;
}

/** The `queue` label of each QueueDepths field. */
const QUEUES: Record<keyof QueueDepths, string> = {
  pendingReports: 'pending_reports',
  claimedReports: 'claimed_reports',
  activeAggregationJobs: 'active_aggregation_jobs',
  pendingCollectionJobs: 'pending_collection_jobs',
};

/**
 * A fresh metrics registry.
 *
 * @returns the metrics.
 */
export function createMetrics(): Metrics {
  const registry = new Registry();
  const metrics: Metrics = {
    registry,
    httpRequests: new Counter({
      name: 'pm_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'pm_http_request_duration_seconds',
      help: 'HTTP request handling time',
      labelNames: ['route'],
      buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10],
      registers: [registry],
    }),
    problems: new Counter({
      name: 'pm_http_problems_total',
      help: 'Error responses by DAP problem type or HTTP status',
      labelNames: ['label'],
      registers: [registry],
    }),
    reportsUploaded: new Counter({
      name: 'pm_reports_uploaded_total',
      help: 'Uploaded reports by result (accepted or the report error)',
      labelNames: ['result'],
      registers: [registry],
    }),
    reportAggregations: new Counter({
      name: 'pm_report_aggregations_total',
      help: 'Reports through aggregation by role and result',
      labelNames: ['role', 'result'],
      registers: [registry],
    }),
    jobs: new Counter({
      name: 'pm_jobs_total',
      help: 'Job driver outcomes by job kind',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    }),
    batchReports: new Histogram({
      name: 'pm_batch_reports',
      help: 'Reports in each collected batch (per aggregate share released), by role',
      labelNames: ['role'],
      buckets: [10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'pm_queue_depth',
      help: 'Work waiting in the store (over every task and process sharing it), by queue',
      labelNames: ['queue'],
      registers: [registry],
      async collect() {
        if (metrics.queueDepthSource === undefined) return;
        try {
          const depths = await metrics.queueDepthSource();
          for (const [field, queue] of Object.entries(QUEUES)) {
            this.set({ queue }, depths[field as keyof QueueDepths]);
          }
        } catch (err) {
          metrics.onCollectError?.(err);
        }
      },
    }),
    leaseTakeovers: new Counter({
      name: 'pm_lease_takeovers_total',
      help: 'Jobs leased after the previous holder let its lease expire, by job kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    gcDeleted: new Counter({
      name: 'pm_gc_deleted_total',
      help: 'Rows deleted by the garbage collector, by kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    backpressure: new Counter({
      name: 'pm_backpressure_rejections_total',
      help: 'Requests refused with 503 and Retry-After because the store fell behind, by route',
      labelNames: ['route'],
      registers: [registry],
    }),
  };
  for (const queue of Object.values(QUEUES)) metrics.queueDepth.set({ queue }, 0);
  return metrics;
}
