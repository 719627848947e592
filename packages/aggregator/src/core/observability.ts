// Logs and metrics of one aggregator instance: a pino logger that redacts secrets, and a
// prom-client registry of its own (two aggregators in one process do not share counters).
import pino, { type Logger } from 'pino';
import { Counter, Histogram, Registry } from 'prom-client';

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
}

/**
 * A fresh metrics registry.
 *
 * @returns the metrics.
 */
export function createMetrics(): Metrics {
  const registry = new Registry();
  return {
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
  };
}
