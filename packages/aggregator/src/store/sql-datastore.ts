// The Datastore written once in SQL for both dialects; a small driver (SQLite or PostgreSQL)
// supplies connections, transactions and the row-locking clauses only PostgreSQL needs.
import { randomBytes, randomInt } from 'node:crypto';
import { StoreError } from '../errors.js';
import { MIGRATIONS, migrationSql } from './migrations.js';
import type {
  AggregateShareJobRecord,
  AggregationJobRecord,
  BatchAggregationDelta,
  BatchAggregationRecord,
  BucketStatus,
  BucketSummary,
  ClaimedReportRecord,
  ClientReportRecord,
  ClientReportState,
  CollectionJobRecord,
  Datastore,
  GcCounts,
  GcCutoffs,
  HpkeKeyRecord,
  Lease,
  MergeAggShares,
  OutstandingBatchRecord,
  QueueDepths,
  ReportAggregationRecord,
  TaskRecord,
  Transaction,
} from './types.js';

/** A row as returned by a driver: column name to value. */
export type Row = Record<string, unknown>;

/** A connection inside a transaction. SQL uses `?` placeholders in both dialects. */
export interface SqlConnection {
  query(sql: string, params?: readonly unknown[]): Promise<{ rows: Row[]; changes: number }>;
}

/** What a dialect provides to the shared datastore. */
export interface SqlDriver {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs `fn` in a transaction, re-running it after a serialization failure. */
  transaction<T>(name: string, fn: (conn: SqlConnection) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const EMPTY = new Uint8Array(0);

/**
 * Rows per multi-row statement (an IN list, a VALUES list): few enough to stay far below both
 * dialects' bound-parameter limits, and few distinct statement texts to prepare.
 */
const CHUNK = 100;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** `(?, ?, ...)` with `n` placeholders. */
function placeholders(n: number): string {
  return `(${Array.from({ length: n }, () => '?').join(', ')})`;
}

const hex = (b: Uint8Array): string =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

function bytes(value: unknown): Uint8Array {
  // A plain Uint8Array view of the driver's Buffer, not a copy: both drivers make a new Buffer
  // for every blob they return (pg's small ones inside Node's shared pool, which a view still
  // covers only its own bytes of), so no other value shares these bytes.
  if (value instanceof Uint8Array) {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  throw new StoreError(`column value: expected bytes, received ${typeof value}`);
}

function maybeBytes(value: unknown): Uint8Array | null {
  return value === null || value === undefined ? null : bytes(value);
}

function num(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint' || typeof value === 'string') return Number(value);
  throw new StoreError(`column value: expected a number, received ${typeof value}`);
}

/**
 * Packs a list of bucket keys into one column value: each key with a one-byte length.
 *
 * @param buckets - keys of at most 255 bytes.
 * @returns the packed bytes.
 */
export function packBuckets(buckets: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(buckets.reduce((n, b) => n + 1 + b.length, 0));
  let at = 0;
  for (const b of buckets) {
    if (b.length > 255)
      throw new StoreError(`bucket key length: expected <= 255, received ${b.length}`);
    out[at] = b.length;
    out.set(b, at + 1);
    at += 1 + b.length;
  }
  return out;
}

/**
 * Unpacks a column value written by `packBuckets`.
 *
 * @param packed - the packed bytes.
 * @returns the bucket keys.
 */
export function unpackBuckets(packed: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < packed.length) {
    const len = packed[at];
    if (at + 1 + len > packed.length) throw new StoreError('bucket list: truncated');
    out.push(packed.slice(at + 1, at + 1 + len));
    at += 1 + len;
  }
  return out;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function xor32(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = a[i] ^ b[i];
  return out;
}

/** Rows of `client_reports` to records. */
function toClientReport(r: Row): ClientReportRecord {
  return {
    taskId: bytes(r.task_id),
    reportId: bytes(r.report_id),
    time: num(r.time),
    encoded: bytes(r.encoded),
    state: r.state as ClientReportState,
  };
}

function toAggregationJob(r: Row): AggregationJobRecord {
  return {
    taskId: bytes(r.task_id),
    jobId: bytes(r.job_id),
    aggParam: bytes(r.agg_param),
    batchId: maybeBytes(r.batch_id),
    state: r.state as AggregationJobRecord['state'],
    step: num(r.step),
    requestHash: maybeBytes(r.request_hash),
    response: maybeBytes(r.response),
    timeMin: num(r.time_min),
    timeMax: num(r.time_max),
    createdAt: num(r.created_at),
  };
}

function toReportAggregation(r: Row): ReportAggregationRecord {
  return {
    taskId: bytes(r.task_id),
    jobId: bytes(r.job_id),
    ord: num(r.ord),
    reportId: bytes(r.report_id),
    time: num(r.time),
    state: r.state as ReportAggregationRecord['state'],
    error: r.error === null || r.error === undefined ? null : num(r.error),
    payload: maybeBytes(r.payload),
  };
}

function toCollectionJob(r: Row): CollectionJobRecord {
  return {
    taskId: bytes(r.task_id),
    jobId: bytes(r.job_id),
    request: bytes(r.request),
    state: r.state as CollectionJobRecord['state'],
    buckets: r.buckets === null ? null : unpackBuckets(bytes(r.buckets)),
    error: (r.error as string | null) ?? null,
    reportCount: num(r.report_count),
    intervalStart: num(r.interval_start),
    intervalDuration: num(r.interval_duration),
    response: maybeBytes(r.response),
    noise: (r.noise as string | null) ?? null,
    createdAt: num(r.created_at),
  };
}

function toBatchAggregation(r: Row): BatchAggregationRecord {
  return {
    bucket: bytes(r.bucket),
    shard: num(r.shard),
    aggShare: bytes(r.agg_share),
    count: num(r.report_count),
    checksum: bytes(r.checksum),
    timeMin: num(r.time_min),
    timeMax: num(r.time_max),
  };
}

/** The Transaction implementation: one connection and the dialect's locking clauses. */
class SqlTransaction implements Transaction {
  constructor(
    private readonly c: SqlConnection,
    private readonly pg: boolean,
  ) {}

  /** A row-locking clause in PostgreSQL; SQLite's single writer makes it unnecessary. */
  private lock(clause: string): string {
    return this.pg ? ` ${clause}` : '';
  }

  private async rows(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return (await this.c.query(sql, params)).rows;
  }

  private async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.c.query(sql, params)).changes;
  }

  async putTask(task: TaskRecord): Promise<void> {
    await this.run(
      `INSERT INTO tasks (task_id, role, spec) VALUES (?, ?, ?)
       ON CONFLICT (task_id) DO UPDATE SET role = excluded.role, spec = excluded.spec`,
      [task.taskId, task.role, task.spec],
    );
  }

  async getTask(taskId: Uint8Array): Promise<TaskRecord | null> {
    const [r] = await this.rows('SELECT task_id, role, spec FROM tasks WHERE task_id = ?', [
      taskId,
    ]);
    return r
      ? { taskId: bytes(r.task_id), role: r.role as TaskRecord['role'], spec: String(r.spec) }
      : null;
  }

  async listTasks(): Promise<TaskRecord[]> {
    const rows = await this.rows('SELECT task_id, role, spec FROM tasks ORDER BY task_id');
    return rows.map((r) => ({
      taskId: bytes(r.task_id),
      role: r.role as TaskRecord['role'],
      spec: String(r.spec),
    }));
  }

  async deleteTask(taskId: Uint8Array): Promise<boolean> {
    return (await this.run('DELETE FROM tasks WHERE task_id = ?', [taskId])) > 0;
  }

  async putHpkeKey(key: HpkeKeyRecord): Promise<void> {
    await this.run(
      `INSERT INTO hpke_keys (config_id, config, private_key, state, created_at, delete_after)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (config_id) DO UPDATE SET config = excluded.config,
         private_key = excluded.private_key, state = excluded.state,
         created_at = excluded.created_at, delete_after = excluded.delete_after`,
      [key.configId, key.config, key.privateKey, key.state, key.createdAt, key.deleteAfter ?? null],
    );
  }

  private toHpkeKey(r: Row): HpkeKeyRecord {
    return {
      configId: num(r.config_id),
      config: bytes(r.config),
      privateKey: bytes(r.private_key),
      state: r.state as HpkeKeyRecord['state'],
      createdAt: num(r.created_at),
      deleteAfter:
        r.delete_after === null || r.delete_after === undefined ? null : num(r.delete_after),
    };
  }

  async getHpkeKey(configId: number): Promise<HpkeKeyRecord | null> {
    const [r] = await this.rows('SELECT * FROM hpke_keys WHERE config_id = ?', [configId]);
    return r ? this.toHpkeKey(r) : null;
  }

  async listHpkeKeys(): Promise<HpkeKeyRecord[]> {
    const rows = await this.rows('SELECT * FROM hpke_keys ORDER BY created_at DESC, config_id');
    return rows.map((r) => this.toHpkeKey(r));
  }

  async setHpkeKeyState(configId: number, state: HpkeKeyRecord['state']): Promise<boolean> {
    return (
      (await this.run('UPDATE hpke_keys SET state = ? WHERE config_id = ?', [state, configId])) > 0
    );
  }

  async insertHpkeKey(key: HpkeKeyRecord): Promise<boolean> {
    const changes = await this.run(
      `INSERT INTO hpke_keys (config_id, config, private_key, state, created_at, delete_after)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (config_id) DO NOTHING`,
      [key.configId, key.config, key.privateKey, key.state, key.createdAt, key.deleteAfter ?? null],
    );
    return changes > 0;
  }

  async retireHpkeKeys(keepConfigId: number, deleteAfter: number): Promise<number[]> {
    const rows = await this.rows(
      `UPDATE hpke_keys SET state = 'expired', delete_after = ?
       WHERE state = 'active' AND config_id <> ? RETURNING config_id`,
      [deleteAfter, keepConfigId],
    );
    return rows.map((r) => num(r.config_id)).sort((a, b) => a - b);
  }

  async deleteRetiredHpkeKeys(now: number): Promise<number[]> {
    const rows = await this.rows(
      `DELETE FROM hpke_keys
       WHERE state = 'expired' AND delete_after IS NOT NULL AND delete_after <= ?
       RETURNING config_id`,
      [now],
    );
    return rows.map((r) => num(r.config_id)).sort((a, b) => a - b);
  }

  async putClientReport(report: Omit<ClientReportRecord, 'state'>): Promise<boolean> {
    const changes = await this.run(
      `INSERT INTO client_reports (task_id, report_id, time, encoded, state)
       VALUES (?, ?, ?, ?, 'pending')
       ON CONFLICT (task_id, report_id) DO NOTHING`,
      [report.taskId, report.reportId, report.time, report.encoded],
    );
    return changes > 0;
  }

  async putClientReports(
    reports: readonly Omit<ClientReportRecord, 'state'>[],
  ): Promise<boolean[]> {
    const stored = new Set<string>();
    for (const part of chunks(reports)) {
      const rows = await this.rows(
        `INSERT INTO client_reports (task_id, report_id, time, encoded, state)
         VALUES ${part.map(() => "(?, ?, ?, ?, 'pending')").join(', ')}
         ON CONFLICT (task_id, report_id) DO NOTHING RETURNING task_id, report_id`,
        part.flatMap((r) => [r.taskId, r.reportId, r.time, r.encoded]),
      );
      for (const r of rows) stored.add(`${hex(bytes(r.task_id))}/${hex(bytes(r.report_id))}`);
    }
    return reports.map((r) => stored.delete(`${hex(r.taskId)}/${hex(r.reportId)}`));
  }

  async getClientReport(
    taskId: Uint8Array,
    reportId: Uint8Array,
  ): Promise<ClientReportRecord | null> {
    const [r] = await this.rows(
      'SELECT * FROM client_reports WHERE task_id = ? AND report_id = ?',
      [taskId, reportId],
    );
    return r ? toClientReport(r) : null;
  }

  async getClientReports(
    taskId: Uint8Array,
    reportIds: readonly Uint8Array[],
  ): Promise<(ClientReportRecord | null)[]> {
    const found = new Map<string, ClientReportRecord>();
    const ownTaskId = new Uint8Array(taskId);
    for (const part of chunks(reportIds)) {
      // The task ID is known: not read back for every row.
      const rows = await this.rows(
        `SELECT report_id, time, encoded, state FROM client_reports
         WHERE task_id = ? AND report_id IN ${placeholders(part.length)}`,
        [taskId, ...part],
      );
      for (const r of rows) {
        // One copy of the task ID for the records of this call, not the caller's array.
        const report = toClientReport({ ...r, task_id: ownTaskId });
        found.set(hex(report.reportId), report);
      }
    }
    return reportIds.map((id) => found.get(hex(id)) ?? null);
  }

  async claimPendingReports(taskId: Uint8Array, limit: number): Promise<ClaimedReportRecord[]> {
    // Oldest first; within one time SQLite takes the reports in upload order (rowid), so that a
    // job's rows sit on neighbouring pages and claiming and finishing them dirty a few pages
    // rather than one page per report (random report IDs in ID order): on the aggregator bench
    // the Leader's commit of a finished job of 250 went from about 13 ms to 2 ms. PostgreSQL
    // takes them in no particular order within a time.
    const within = this.pg ? '' : ', rowid';
    const rows = await this.rows(
      `UPDATE client_reports SET state = 'claimed'
       WHERE (task_id, report_id) IN (
         SELECT task_id, report_id FROM client_reports WHERE task_id = ? AND state = 'pending'
         ORDER BY time${within} LIMIT ?${this.lock('FOR UPDATE SKIP LOCKED')})
       RETURNING report_id, time`,
      [taskId, limit],
    );
    // The encoded reports stay in the table: the driver reads them when it drives the job.
    const ownTaskId = new Uint8Array(taskId);
    return rows
      .map((r): ClaimedReportRecord => ({
        taskId: ownTaskId,
        reportId: bytes(r.report_id),
        time: num(r.time),
        state: 'claimed',
      }))
      .sort((a, b) => a.time - b.time || compareBytes(a.reportId, b.reportId));
  }

  async unclaimReports(taskId: Uint8Array, reportIds: Uint8Array[]): Promise<void> {
    for (const part of chunks(reportIds)) {
      await this.run(
        `UPDATE client_reports SET state = 'pending'
         WHERE task_id = ? AND state = 'claimed' AND report_id IN ${placeholders(part.length)}`,
        [taskId, ...part],
      );
    }
  }

  async finishReports(taskId: Uint8Array, reportIds: Uint8Array[]): Promise<void> {
    for (const part of chunks(reportIds)) {
      await this.run(
        `UPDATE client_reports SET state = 'done', encoded = ?
         WHERE task_id = ? AND report_id IN ${placeholders(part.length)}`,
        [EMPTY, taskId, ...part],
      );
    }
  }

  async countClientReports(
    taskId: Uint8Array,
    state: ClientReportState,
    timeFrom = 0,
    timeTo = Number.MAX_SAFE_INTEGER,
  ): Promise<number> {
    const [r] = await this.rows(
      `SELECT COUNT(*) AS n FROM client_reports
       WHERE task_id = ? AND state = ? AND time >= ? AND time < ?`,
      [taskId, state, timeFrom, timeTo],
    );
    return num(r.n);
  }

  async tasksWithPendingReports(minimum: number): Promise<Uint8Array[]> {
    // The driver asks on every pass, and finished reports stay in the table until their
    // retention ends, so this must not read every row: the task IDs are walked one index seek
    // at a time (a recursive query), and each task's pending reports are counted only up to
    // `minimum`, through the (task_id, state, time) index.
    const enough = Math.max(1, minimum);
    const rows = await this.rows(
      `WITH RECURSIVE ids(task_id) AS (
         SELECT (SELECT task_id FROM client_reports ORDER BY task_id LIMIT 1)
         UNION ALL
         SELECT (SELECT c.task_id FROM client_reports c WHERE c.task_id > ids.task_id
                 ORDER BY c.task_id LIMIT 1)
         FROM ids WHERE ids.task_id IS NOT NULL)
       SELECT task_id FROM ids
       WHERE task_id IS NOT NULL AND (
         SELECT COUNT(*) FROM (
           SELECT 1 FROM client_reports p WHERE p.task_id = ids.task_id AND p.state = 'pending'
           LIMIT ?) AS pending) >= ?
       ORDER BY task_id`,
      [enough, enough],
    );
    return rows.map((r) => bytes(r.task_id));
  }

  async putAggregationJob(
    job: AggregationJobRecord,
    reports: ReportAggregationRecord[],
  ): Promise<void> {
    await this.run(
      `INSERT INTO aggregation_jobs (task_id, job_id, agg_param, batch_id, state, step,
         request_hash, response, time_min, time_max, created_at, lease_expiry)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
      [
        job.taskId,
        job.jobId,
        job.aggParam,
        job.batchId,
        job.state,
        job.step,
        job.requestHash,
        job.response,
        job.timeMin,
        job.timeMax,
        job.createdAt,
      ],
    );
    for (const part of chunks(reports)) {
      await this.run(
        `INSERT INTO report_aggregations
           (task_id, job_id, ord, report_id, time, state, error, payload)
         VALUES ${part.map(() => placeholders(8)).join(', ')}`,
        part.flatMap((ra) => [
          ra.taskId,
          ra.jobId,
          ra.ord,
          ra.reportId,
          ra.time,
          ra.state,
          ra.error,
          ra.payload,
        ]),
      );
    }
  }

  async getAggregationJob(
    taskId: Uint8Array,
    jobId: Uint8Array,
  ): Promise<AggregationJobRecord | null> {
    const [r] = await this.rows('SELECT * FROM aggregation_jobs WHERE task_id = ? AND job_id = ?', [
      taskId,
      jobId,
    ]);
    return r ? toAggregationJob(r) : null;
  }

  async updateAggregationJob(job: AggregationJobRecord): Promise<void> {
    const changes = await this.run(
      `UPDATE aggregation_jobs SET state = ?, step = ?, request_hash = ?, response = ?
       WHERE task_id = ? AND job_id = ?`,
      [job.state, job.step, job.requestHash, job.response, job.taskId, job.jobId],
    );
    if (changes !== 1)
      throw new StoreError('aggregation job: expected an existing job, received none');
  }

  async getReportAggregations(
    taskId: Uint8Array,
    jobId: Uint8Array,
  ): Promise<ReportAggregationRecord[]> {
    // Task and job IDs are known: not read back for every row.
    const rows = await this.rows(
      `SELECT ord, report_id, time, state, error, payload FROM report_aggregations
       WHERE task_id = ? AND job_id = ? ORDER BY ord`,
      [taskId, jobId],
    );
    // One copy of each ID for the records of this call, not the caller's arrays.
    const ids = { task_id: new Uint8Array(taskId), job_id: new Uint8Array(jobId) };
    return rows.map((r) => toReportAggregation({ ...r, ...ids }));
  }

  async updateReportAggregation(ra: ReportAggregationRecord): Promise<void> {
    const changes = await this.run(
      `UPDATE report_aggregations SET state = ?, error = ?, payload = ?
       WHERE task_id = ? AND job_id = ? AND ord = ?`,
      [ra.state, ra.error, ra.payload, ra.taskId, ra.jobId, ra.ord],
    );
    if (changes !== 1)
      throw new StoreError('report aggregation: expected an existing row, received none');
  }

  async updateReportAggregations(reports: readonly ReportAggregationRecord[]): Promise<void> {
    // Rows that end the same way (the common case: every report finished, no payload) go in
    // one statement per job and chunk; a row with a payload goes on its own.
    const groups = new Map<string, ReportAggregationRecord[]>();
    // The rows of one job usually share their ID arrays: each array is turned to hex once.
    const hexOf = new Map<Uint8Array, string>();
    const idHex = (id: Uint8Array): string => {
      let h = hexOf.get(id);
      if (h === undefined) hexOf.set(id, (h = hex(id)));
      return h;
    };
    for (const ra of reports) {
      if (ra.payload !== null) {
        await this.updateReportAggregation(ra);
        continue;
      }
      const key = `${idHex(ra.taskId)}/${idHex(ra.jobId)}/${ra.state}/${ra.error ?? ''}`;
      const group = groups.get(key);
      if (group === undefined) groups.set(key, [ra]);
      else group.push(ra);
    }
    for (const group of groups.values()) {
      const { taskId, jobId, state, error } = group[0];
      for (const part of chunks(group)) {
        const changes = await this.run(
          `UPDATE report_aggregations SET state = ?, error = ?, payload = NULL
           WHERE task_id = ? AND job_id = ? AND ord IN ${placeholders(part.length)}`,
          [state, error, taskId, jobId, ...part.map((ra) => ra.ord)],
        );
        if (changes !== new Set(part.map((ra) => ra.ord)).size) {
          throw new StoreError('report aggregation: expected existing rows, some are missing');
        }
      }
    }
  }

  private async acquire(
    table: string,
    active: string,
    now: number,
    leaseMs: number,
    limit: number,
  ) {
    const token = randomBytes(16);
    const expiry = now + leaseMs;
    // A job still carrying a token was never released: its holder's lease ran out.
    const free = await this.rows(
      `SELECT task_id, job_id, lease_token FROM ${table}
       WHERE state = '${active}' AND lease_expiry <= ?
       ORDER BY lease_expiry LIMIT ?${this.lock('FOR UPDATE SKIP LOCKED')}`,
      [now, limit],
    );
    const leases: Lease[] = [];
    for (const f of free) {
      const [r] = await this.rows(
        `UPDATE ${table} SET lease_expiry = ?, lease_token = ?, lease_attempts = lease_attempts + 1
         WHERE task_id = ? AND job_id = ? RETURNING lease_attempts`,
        [expiry, token, f.task_id, f.job_id],
      );
      leases.push({
        taskId: bytes(f.task_id),
        jobId: bytes(f.job_id),
        token: new Uint8Array(token),
        expiry,
        attempts: num(r.lease_attempts),
        takeover: f.lease_token !== null && f.lease_token !== undefined,
      });
    }
    return leases;
  }

  private async release(table: string, lease: Lease, availableAt: number): Promise<boolean> {
    const changes = await this.run(
      `UPDATE ${table} SET lease_token = NULL, lease_expiry = ?
       WHERE task_id = ? AND job_id = ? AND lease_token = ?`,
      [availableAt, lease.taskId, lease.jobId, lease.token],
    );
    return changes > 0;
  }

  private async holds(table: string, lease: Lease, now: number): Promise<boolean> {
    const rows = await this.rows(
      `SELECT job_id FROM ${table}
       WHERE task_id = ? AND job_id = ? AND lease_token = ? AND lease_expiry > ?
       ${this.lock('FOR UPDATE')}`,
      [lease.taskId, lease.jobId, lease.token, now],
    );
    return rows.length === 1;
  }

  acquireAggregationJobs(now: number, leaseMs: number, limit: number): Promise<Lease[]> {
    return this.acquire('aggregation_jobs', 'active', now, leaseMs, limit);
  }

  releaseAggregationJob(lease: Lease, availableAt: number): Promise<boolean> {
    return this.release('aggregation_jobs', lease, availableAt);
  }

  holdsAggregationLease(lease: Lease, now: number): Promise<boolean> {
    return this.holds('aggregation_jobs', lease, now);
  }

  async countActiveAggregationJobs(
    taskId: Uint8Array,
    scope: { timeFrom: number; timeTo: number } | { batchId: Uint8Array },
  ): Promise<number> {
    const [r] =
      'batchId' in scope
        ? await this.rows(
            `SELECT COUNT(*) AS n FROM aggregation_jobs
             WHERE task_id = ? AND state = 'active' AND batch_id = ?`,
            [taskId, scope.batchId],
          )
        : await this.rows(
            `SELECT COUNT(*) AS n FROM aggregation_jobs WHERE task_id = ? AND state = 'active'
             AND time_min < ? AND time_max >= ?`,
            [taskId, scope.timeTo, scope.timeFrom],
          );
    return num(r.n);
  }

  async markReportsAggregated(
    taskId: Uint8Array,
    reportIds: Uint8Array[],
    times?: readonly number[],
  ): Promise<boolean[]> {
    // One multi-row insert per chunk; RETURNING names the IDs that were new. An ID given twice
    // is new at most at its first position.
    const inserted = new Set<string>();
    const indexed = reportIds.map((id, i) => ({ id, time: times?.[i] ?? null }));
    for (const part of chunks(indexed)) {
      const rows = await this.rows(
        `INSERT INTO aggregated_reports (task_id, report_id, time)
         VALUES ${part.map(() => placeholders(3)).join(', ')}
         ON CONFLICT DO NOTHING RETURNING report_id`,
        part.flatMap((p) => [taskId, p.id, p.time]),
      );
      for (const r of rows) inserted.add(hex(bytes(r.report_id)));
    }
    return reportIds.map((id) => inserted.delete(hex(id)));
  }

  private async lockBuckets(
    taskId: Uint8Array,
    buckets: Uint8Array[],
    mode: string,
  ): Promise<BucketStatus[]> {
    // Locks are taken in one global order (sorted keys) so that two transactions cannot deadlock.
    const sorted = [...buckets].sort(compareBytes);
    const out: BucketStatus[] = [];
    for (const bucket of sorted) {
      await this.run(
        `INSERT INTO batch_buckets (task_id, bucket, collected_by) VALUES (?, ?, NULL)
         ON CONFLICT DO NOTHING`,
        [taskId, bucket],
      );
      const [r] = await this.rows(
        `SELECT collected_by FROM batch_buckets WHERE task_id = ? AND bucket = ?${this.lock(mode)}`,
        [taskId, bucket],
      );
      out.push({ bucket: new Uint8Array(bucket), collectedBy: maybeBytes(r.collected_by) });
    }
    return out;
  }

  lockBucketsForCommit(taskId: Uint8Array, buckets: Uint8Array[]): Promise<BucketStatus[]> {
    return this.lockBuckets(taskId, buckets, 'FOR SHARE');
  }

  lockBucketsForCollect(taskId: Uint8Array, buckets: Uint8Array[]): Promise<BucketStatus[]> {
    return this.lockBuckets(taskId, buckets, 'FOR UPDATE');
  }

  async markBucketsCollected(
    taskId: Uint8Array,
    buckets: Uint8Array[],
    by: Uint8Array,
  ): Promise<void> {
    for (const bucket of buckets) {
      await this.run(
        `INSERT INTO batch_buckets (task_id, bucket, collected_by) VALUES (?, ?, ?)
         ON CONFLICT (task_id, bucket) DO UPDATE SET collected_by = excluded.collected_by`,
        [taskId, bucket, by],
      );
    }
  }

  async accumulate(
    taskId: Uint8Array,
    bucket: Uint8Array,
    shardCount: number,
    delta: BatchAggregationDelta,
    merge: MergeAggShares,
  ): Promise<void> {
    if (delta.checksum.length !== 32) {
      throw new StoreError(`checksum length: expected 32, received ${delta.checksum.length}`);
    }
    const shard = randomInt(Math.max(1, shardCount));
    const inserted = await this.run(
      `INSERT INTO batch_aggregations
         (task_id, bucket, shard, agg_share, report_count, checksum, time_min, time_max)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      [
        taskId,
        bucket,
        shard,
        delta.aggShare,
        delta.count,
        delta.checksum,
        delta.timeMin,
        delta.timeMax,
      ],
    );
    if (inserted > 0) return;

    const [r] = await this.rows(
      `SELECT * FROM batch_aggregations
       WHERE task_id = ? AND bucket = ? AND shard = ?${this.lock('FOR UPDATE')}`,
      [taskId, bucket, shard],
    );
    const old = toBatchAggregation(r);
    await this.run(
      `UPDATE batch_aggregations
       SET agg_share = ?, report_count = ?, checksum = ?, time_min = ?, time_max = ?
       WHERE task_id = ? AND bucket = ? AND shard = ?`,
      [
        merge(old.aggShare, delta.aggShare),
        old.count + delta.count,
        xor32(old.checksum, delta.checksum),
        Math.min(old.timeMin, delta.timeMin),
        Math.max(old.timeMax, delta.timeMax),
        taskId,
        bucket,
        shard,
      ],
    );
  }

  async readBatchAggregations(
    taskId: Uint8Array,
    buckets: Uint8Array[],
  ): Promise<BatchAggregationRecord[]> {
    const out: BatchAggregationRecord[] = [];
    for (const bucket of buckets) {
      const rows = await this.rows(
        'SELECT * FROM batch_aggregations WHERE task_id = ? AND bucket = ? ORDER BY shard',
        [taskId, bucket],
      );
      out.push(...rows.map(toBatchAggregation));
    }
    return out;
  }

  async summarizeBuckets(taskId: Uint8Array): Promise<BucketSummary[]> {
    const rows = await this.rows(
      `SELECT b.bucket AS bucket, b.collected_by AS collected_by,
         CAST(COALESCE(SUM(a.report_count), 0) AS BIGINT) AS n
       FROM batch_buckets b
       LEFT JOIN batch_aggregations a ON a.task_id = b.task_id AND a.bucket = b.bucket
       WHERE b.task_id = ? GROUP BY b.bucket, b.collected_by ORDER BY b.bucket`,
      [taskId],
    );
    return rows.map((r) => ({
      bucket: bytes(r.bucket),
      count: num(r.n),
      collectedBy: maybeBytes(r.collected_by),
    }));
  }

  async putCollectionJob(job: CollectionJobRecord): Promise<boolean> {
    const changes = await this.run(
      `INSERT INTO collection_jobs (task_id, job_id, request, state, buckets, error, report_count,
         interval_start, interval_duration, response, noise, created_at, lease_expiry)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0) ON CONFLICT DO NOTHING`,
      [
        job.taskId,
        job.jobId,
        job.request,
        job.state,
        job.buckets === null ? null : packBuckets(job.buckets),
        job.error,
        job.reportCount,
        job.intervalStart,
        job.intervalDuration,
        job.response,
        job.noise,
        job.createdAt,
      ],
    );
    return changes > 0;
  }

  async getCollectionJob(
    taskId: Uint8Array,
    jobId: Uint8Array,
  ): Promise<CollectionJobRecord | null> {
    const [r] = await this.rows('SELECT * FROM collection_jobs WHERE task_id = ? AND job_id = ?', [
      taskId,
      jobId,
    ]);
    return r ? toCollectionJob(r) : null;
  }

  async updateCollectionJob(job: CollectionJobRecord): Promise<void> {
    const changes = await this.run(
      `UPDATE collection_jobs SET state = ?, buckets = ?, error = ?, report_count = ?,
         interval_start = ?, interval_duration = ?, response = ?, noise = ?
       WHERE task_id = ? AND job_id = ?`,
      [
        job.state,
        job.buckets === null ? null : packBuckets(job.buckets),
        job.error,
        job.reportCount,
        job.intervalStart,
        job.intervalDuration,
        job.response,
        job.noise,
        job.taskId,
        job.jobId,
      ],
    );
    if (changes !== 1)
      throw new StoreError('collection job: expected an existing job, received none');
  }

  acquireCollectionJobs(now: number, leaseMs: number, limit: number): Promise<Lease[]> {
    return this.acquire('collection_jobs', 'start', now, leaseMs, limit);
  }

  releaseCollectionJob(lease: Lease, availableAt: number): Promise<boolean> {
    return this.release('collection_jobs', lease, availableAt);
  }

  holdsCollectionLease(lease: Lease, now: number): Promise<boolean> {
    return this.holds('collection_jobs', lease, now);
  }

  async putAggregateShareJob(job: AggregateShareJobRecord): Promise<boolean> {
    const changes = await this.run(
      `INSERT INTO aggregate_share_jobs
         (task_id, job_id, request_hash, buckets, report_count, checksum, response, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      [
        job.taskId,
        job.jobId,
        job.requestHash,
        packBuckets(job.buckets),
        job.reportCount,
        job.checksum,
        job.response,
        job.createdAt,
      ],
    );
    return changes > 0;
  }

  async getAggregateShareJob(
    taskId: Uint8Array,
    jobId: Uint8Array,
  ): Promise<AggregateShareJobRecord | null> {
    const [r] = await this.rows(
      'SELECT * FROM aggregate_share_jobs WHERE task_id = ? AND job_id = ?',
      [taskId, jobId],
    );
    if (!r) return null;
    return {
      taskId: bytes(r.task_id),
      jobId: bytes(r.job_id),
      requestHash: bytes(r.request_hash),
      buckets: unpackBuckets(bytes(r.buckets)),
      reportCount: num(r.report_count),
      checksum: bytes(r.checksum),
      response: bytes(r.response),
      createdAt: num(r.created_at),
    };
  }

  async deleteAggregateShareJob(taskId: Uint8Array, jobId: Uint8Array): Promise<boolean> {
    return (
      (await this.run('DELETE FROM aggregate_share_jobs WHERE task_id = ? AND job_id = ?', [
        taskId,
        jobId,
      ])) > 0
    );
  }

  private toBatch(r: Row): OutstandingBatchRecord {
    return {
      taskId: bytes(r.task_id),
      batchId: bytes(r.batch_id),
      assigned: num(r.assigned),
      closed: num(r.closed) !== 0,
      createdAt: num(r.created_at),
    };
  }

  async putOutstandingBatch(batch: OutstandingBatchRecord): Promise<void> {
    await this.run(
      `INSERT INTO outstanding_batches (task_id, batch_id, assigned, closed, created_at)
       VALUES (?, ?, ?, ?, ?)`,
      [batch.taskId, batch.batchId, batch.assigned, batch.closed ? 1 : 0, batch.createdAt],
    );
  }

  async getOpenBatch(taskId: Uint8Array): Promise<OutstandingBatchRecord | null> {
    // Batch formation is serialised per task by the task row's lock (held until commit): two
    // processes that both found no open batch would each open one, splitting a batch's reports.
    if (this.pg)
      await this.rows('SELECT task_id FROM tasks WHERE task_id = ? FOR UPDATE', [taskId]);
    const [r] = await this.rows(
      `SELECT * FROM outstanding_batches WHERE task_id = ? AND closed = 0
       ORDER BY created_at, batch_id LIMIT 1${this.lock('FOR UPDATE')}`,
      [taskId],
    );
    return r ? this.toBatch(r) : null;
  }

  async assignToBatch(
    taskId: Uint8Array,
    batchId: Uint8Array,
    count: number,
    closeAt: number,
  ): Promise<void> {
    await this.run(
      `UPDATE outstanding_batches SET assigned = assigned + ?,
         closed = CASE WHEN assigned + ? >= ? THEN 1 ELSE closed END
       WHERE task_id = ? AND batch_id = ?`,
      [count, count, closeAt, taskId, batchId],
    );
  }

  async listOutstandingBatches(taskId: Uint8Array): Promise<OutstandingBatchRecord[]> {
    const rows = await this.rows(
      'SELECT * FROM outstanding_batches WHERE task_id = ? ORDER BY created_at, batch_id',
      [taskId],
    );
    return rows.map((r) => this.toBatch(r));
  }

  async queueDepths(): Promise<QueueDepths> {
    const reports = await this.rows(
      `SELECT state, COUNT(*) AS n FROM client_reports WHERE state IN ('pending', 'claimed')
       GROUP BY state`,
    );
    const count = (state: string) => num(reports.find((r) => r.state === state)?.n ?? 0);
    const [jobs] = await this.rows(
      `SELECT COUNT(*) AS n FROM aggregation_jobs WHERE state = 'active'`,
    );
    const [collections] = await this.rows(
      `SELECT COUNT(*) AS n FROM collection_jobs WHERE state = 'start'`,
    );
    return {
      pendingReports: count('pending'),
      claimedReports: count('claimed'),
      activeAggregationJobs: num(jobs.n),
      pendingCollectionJobs: num(collections.n),
    };
  }

  async countUnaggregatedReports(): Promise<number> {
    const [r] = await this.rows(
      `SELECT COUNT(*) AS n FROM client_reports WHERE state IN ('pending', 'claimed')`,
    );
    return num(r.n);
  }

  async deleteExpired(taskId: Uint8Array, cutoffs: GcCutoffs, limit: number): Promise<GcCounts> {
    const counts: GcCounts = {
      clientReports: 0,
      aggregatedReports: 0,
      aggregationJobs: 0,
      collectionJobs: 0,
      aggregateShareJobs: 0,
      outstandingBatches: 0,
    };
    // The batch is chosen once, in a CTE: PostgreSQL may rescan a locking IN subquery per row
    // and so exceed the limit. The outer conditions repeat the inner ones, so that a row another
    // transaction changed meanwhile (a report claimed into a job) is rechecked and left alone.
    const skipLocked = this.lock('FOR UPDATE SKIP LOCKED');
    const { reportTimeBefore: before, createdBefore } = cutoffs;
    if (before !== null) {
      counts.clientReports = await this.run(
        `WITH doomed AS (SELECT report_id FROM client_reports
           WHERE task_id = ? AND time < ? AND state IN ('pending', 'done') LIMIT ?${skipLocked})
         DELETE FROM client_reports WHERE task_id = ? AND time < ? AND state IN ('pending', 'done')
           AND report_id IN (SELECT report_id FROM doomed)`,
        [taskId, before, limit, taskId, before],
      );
      counts.aggregatedReports = await this.run(
        `WITH doomed AS (SELECT report_id FROM aggregated_reports
           WHERE task_id = ? AND time < ? LIMIT ?${skipLocked})
         DELETE FROM aggregated_reports WHERE task_id = ? AND time < ?
           AND report_id IN (SELECT report_id FROM doomed)`,
        [taskId, before, limit, taskId, before],
      );
    }
    if (before !== null || createdBefore !== null) {
      const jobs = await this.rows(
        `SELECT job_id FROM aggregation_jobs WHERE task_id = ? AND state <> 'active'
         AND (time_max < ? OR created_at < ?) LIMIT ?${skipLocked}`,
        [taskId, before ?? -1, createdBefore ?? -1, limit],
      );
      for (const j of jobs) {
        await this.run('DELETE FROM report_aggregations WHERE task_id = ? AND job_id = ?', [
          taskId,
          j.job_id,
        ]);
        counts.aggregationJobs += await this.run(
          `DELETE FROM aggregation_jobs WHERE task_id = ? AND job_id = ? AND state <> 'active'`,
          [taskId, j.job_id],
        );
      }
    }
    if (createdBefore !== null) {
      counts.collectionJobs = await this.run(
        `WITH doomed AS (SELECT job_id FROM collection_jobs
           WHERE task_id = ? AND state <> 'start' AND created_at < ? LIMIT ?${skipLocked})
         DELETE FROM collection_jobs WHERE task_id = ? AND state <> 'start' AND created_at < ?
           AND job_id IN (SELECT job_id FROM doomed)`,
        [taskId, createdBefore, limit, taskId, createdBefore],
      );
      counts.aggregateShareJobs = await this.run(
        `WITH doomed AS (SELECT job_id FROM aggregate_share_jobs
           WHERE task_id = ? AND created_at < ? LIMIT ?${skipLocked})
         DELETE FROM aggregate_share_jobs WHERE task_id = ? AND created_at < ?
           AND job_id IN (SELECT job_id FROM doomed)`,
        [taskId, createdBefore, limit, taskId, createdBefore],
      );
      // A leader-selected batch's bucket key is its batch ID; only collected ones go, so the
      // collection driver never misses a batch still to be collected.
      counts.outstandingBatches = await this.run(
        `WITH doomed AS (SELECT o.batch_id FROM outstanding_batches o
           JOIN batch_buckets b ON b.task_id = o.task_id AND b.bucket = o.batch_id
           WHERE o.task_id = ? AND o.closed = 1 AND o.created_at < ?
             AND b.collected_by IS NOT NULL LIMIT ?${this.lock('FOR UPDATE OF o SKIP LOCKED')})
         DELETE FROM outstanding_batches WHERE task_id = ? AND closed = 1 AND created_at < ?
           AND batch_id IN (SELECT batch_id FROM doomed)`,
        [taskId, createdBefore, limit, taskId, createdBefore],
      );
    }
    return counts;
  }
}

/** The Datastore over a SQL driver; `open()` applies pending migrations. */
export class SqlDatastore implements Datastore {
  readonly dialect: 'sqlite' | 'postgres';

  constructor(private readonly driver: SqlDriver) {
    this.dialect = driver.dialect;
  }

  /**
   * Applies every migration not yet applied, each in its own transaction.
   *
   * @returns the schema version afterwards.
   * @throws {StoreError} when a migration fails (the failed one is rolled back).
   */
  async migrate(): Promise<number> {
    for (const migration of MIGRATIONS) {
      await this.driver.transaction('migrate', async (c) => {
        if (this.dialect === 'postgres') {
          // Serialises concurrent migrators sharing one schema.
          await c.query('SELECT pg_advisory_xact_lock(727201)');
        }
        await c.query(
          `CREATE TABLE IF NOT EXISTS pm_schema_migrations (
             version INTEGER PRIMARY KEY, name TEXT NOT NULL,
             applied_at ${this.dialect === 'sqlite' ? 'INTEGER' : 'BIGINT'} NOT NULL)`,
        );
        const { rows } = await c.query(
          'SELECT version FROM pm_schema_migrations WHERE version = ?',
          [migration.version],
        );
        if (rows.length > 0) return;
        for (const sql of migrationSql(migration, this.dialect)) await c.query(sql);
        await c.query(
          'INSERT INTO pm_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
          [migration.version, migration.name, Date.now()],
        );
      });
    }
    return this.schemaVersion();
  }

  async schemaVersion(): Promise<number> {
    return this.driver.transaction('schema-version', async (c) => {
      const { rows } = await c.query('SELECT MAX(version) AS v FROM pm_schema_migrations');
      return rows[0]?.v === null || rows[0]?.v === undefined ? 0 : num(rows[0].v);
    });
  }

  transaction<T>(name: string, fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.driver.transaction(name, (c) =>
      fn(new SqlTransaction(c, this.dialect === 'postgres')),
    );
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}
