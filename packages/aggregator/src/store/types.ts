// The Datastore interface: every piece of aggregator state (tasks, HPKE keys, client reports,
// aggregation jobs, batch aggregations, collection and aggregate-share jobs) behind one
// transactional API, implemented over SQLite and PostgreSQL.

/** The role this aggregator plays in a task. */
export type Role = 'leader' | 'helper';

/** A task as stored: its ID, role and the JSON text of its full specification. */
export interface TaskRecord {
  taskId: Uint8Array;
  role: Role;
  /** JSON text of the task specification; the store does not interpret it. */
  spec: string;
}

/**
 * An HPKE key pair of this aggregator, served by `hpke_config` while `active`. An `expired` key
 * is no longer advertised but still opens shares sealed to it until it is deleted.
 */
export interface HpkeKeyRecord {
  configId: number;
  /** The encoded DAP `HpkeConfig`. */
  config: Uint8Array;
  privateKey: Uint8Array;
  state: 'active' | 'expired';
  createdAt: number;
  /** Expired keys: when the key may be deleted (ms since the epoch); null or absent keeps it. */
  deleteAfter?: number | null;
}

/** Lifecycle of an uploaded report on the Leader. */
export type ClientReportState = 'pending' | 'claimed' | 'done';

/** A report uploaded to the Leader, kept as its encoded DAP `Report`. */
export interface ClientReportRecord {
  taskId: Uint8Array;
  reportId: Uint8Array;
  /** Report time in time_precision units. */
  time: number;
  /** The encoded DAP `Report`; emptied once the report reached a terminal state. */
  encoded: Uint8Array;
  state: ClientReportState;
}

/** A report just claimed for an aggregation job: a client report without its body. */
export type ClaimedReportRecord = Omit<ClientReportRecord, 'encoded'>;

/** Lifecycle of an aggregation job. */
export type AggregationJobState = 'active' | 'finished' | 'abandoned' | 'deleted';

/** An aggregation job (Leader: one it drives; Helper: one the Leader created). */
export interface AggregationJobRecord {
  taskId: Uint8Array;
  jobId: Uint8Array;
  aggParam: Uint8Array;
  /** The leader-selected batch ID, or null in time-interval tasks. */
  batchId: Uint8Array | null;
  state: AggregationJobState;
  step: number;
  /** Helper: SHA-256 of the last request body, for idempotent retries. */
  requestHash: Uint8Array | null;
  /** Helper: the encoded `AggregationJobResp` of the last step. */
  response: Uint8Array | null;
  /** Smallest and largest report time in the job, in time_precision units. */
  timeMin: number;
  timeMax: number;
  createdAt: number;
}

/** Per-report state inside an aggregation job. */
export type ReportAggregationState = 'init' | 'continued' | 'finished' | 'rejected';

/** One report's progress in an aggregation job. */
export interface ReportAggregationRecord {
  taskId: Uint8Array;
  jobId: Uint8Array;
  /** Position of the report in the job, from 0. */
  ord: number;
  reportId: Uint8Array;
  time: number;
  state: ReportAggregationState;
  /** DAP `ReportError` code when rejected, else null. */
  error: number | null;
  /** Opaque per-report payload (Helper: its report share until it is processed). */
  payload: Uint8Array | null;
}

/** A lease on a job: only the holder of `token` may change the job until `expiry`. */
export interface Lease {
  taskId: Uint8Array;
  jobId: Uint8Array;
  token: Uint8Array;
  /** Lease expiry, milliseconds since the epoch. */
  expiry: number;
  /** How many times the job has been leased, this lease included. */
  attempts: number;
  /** True when the previous lease ran out without being released (its holder died or stalled). */
  takeover?: boolean;
}

/** What one commit adds to a batch bucket. */
export interface BatchAggregationDelta {
  /** The encoded partial aggregate share. */
  aggShare: Uint8Array;
  count: number;
  /** XOR of SHA-256(report ID) over the added reports, 32 bytes. */
  checksum: Uint8Array;
  timeMin: number;
  timeMax: number;
}

/** One shard row of a batch bucket. */
export interface BatchAggregationRecord extends BatchAggregationDelta {
  bucket: Uint8Array;
  shard: number;
}

/** Merges two encoded aggregate shares of the same task (VDAF `merge`). */
export type MergeAggShares = (a: Uint8Array, b: Uint8Array) => Uint8Array;

/** A batch bucket's collection mark: null when not collected. */
export interface BucketStatus {
  bucket: Uint8Array;
  collectedBy: Uint8Array | null;
}

/** Totals of one batch bucket summed over its shards. */
export interface BucketSummary {
  bucket: Uint8Array;
  count: number;
  collectedBy: Uint8Array | null;
}

/** Lifecycle of a collection job on the Leader. */
export type CollectionJobState = 'start' | 'finished' | 'failed' | 'deleted';

/** A collection job on the Leader. */
export interface CollectionJobRecord {
  taskId: Uint8Array;
  jobId: Uint8Array;
  /** The Collector's encoded `CollectionJobReq`, forwarded unchanged to the Helper. */
  request: Uint8Array;
  state: CollectionJobState;
  /** Buckets of the batch (leader-selected: the chosen batch ID), once chosen. */
  buckets: Uint8Array[] | null;
  /** DAP problem type name when failed (e.g. `invalidBatchSize`). */
  error: string | null;
  reportCount: number;
  intervalStart: number;
  intervalDuration: number;
  /** The encoded `CollectionJobResp` once finished. */
  response: Uint8Array | null;
  /** How each aggregator noised its share (`pm-dp-noise` header value), once finished. */
  noise: string | null;
  createdAt: number;
}

/** An aggregate-share job on the Helper. */
export interface AggregateShareJobRecord {
  taskId: Uint8Array;
  jobId: Uint8Array;
  requestHash: Uint8Array;
  buckets: Uint8Array[];
  reportCount: number;
  checksum: Uint8Array;
  /** The encoded `AggregateShare` returned to the Leader. */
  response: Uint8Array;
  createdAt: number;
}

/** A leader-selected batch being filled with reports. */
export interface OutstandingBatchRecord {
  taskId: Uint8Array;
  batchId: Uint8Array;
  /** Reports assigned to aggregation jobs for this batch (rejections included). */
  assigned: number;
  closed: boolean;
  createdAt: number;
}

/** Work waiting in the store, for metrics and back-pressure. */
export interface QueueDepths {
  /** Uploaded reports not yet in an aggregation job. */
  pendingReports: number;
  /** Reports in aggregation jobs not yet finished. */
  claimedReports: number;
  /** Aggregation jobs still to be driven. */
  activeAggregationJobs: number;
  /** Collection jobs not yet finished or failed. */
  pendingCollectionJobs: number;
}

/** How many rows one garbage-collection call removed, by kind. */
export interface GcCounts {
  /** Uploaded reports (Leader), pending or done. */
  clientReports: number;
  /** Entries of the anti-replay set. */
  aggregatedReports: number;
  /** Aggregation jobs, each with its report aggregations. */
  aggregationJobs: number;
  collectionJobs: number;
  aggregateShareJobs: number;
  /** Leader-selected batches that are closed and collected. */
  outstandingBatches: number;
}

/** What `deleteExpired` may delete; a null bound deletes nothing of its kinds. */
export interface GcCutoffs {
  /**
   * Reports and anti-replay entries whose report time (time_precision units) is before this,
   * and inactive aggregation jobs whose newest report is before it.
   */
  reportTimeBefore: number | null;
  /**
   * Inactive aggregation, collection and aggregate-share jobs, and closed leader-selected
   * batches already collected, created before this (ms).
   */
  createdBefore: number | null;
}

/** The operations available inside one transaction. */
export interface Transaction {
  putTask(task: TaskRecord): Promise<void>;
  getTask(taskId: Uint8Array): Promise<TaskRecord | null>;
  listTasks(): Promise<TaskRecord[]>;
  deleteTask(taskId: Uint8Array): Promise<boolean>;

  putHpkeKey(key: HpkeKeyRecord): Promise<void>;
  getHpkeKey(configId: number): Promise<HpkeKeyRecord | null>;
  listHpkeKeys(): Promise<HpkeKeyRecord[]>;
  setHpkeKeyState(configId: number, state: HpkeKeyRecord['state']): Promise<boolean>;
  /** Stores a new key; false (and nothing changed) when its config ID is taken. */
  insertHpkeKey(key: HpkeKeyRecord): Promise<boolean>;
  /**
   * Expires every active key except `keepConfigId`; they stay usable for decryption until
   * `deleteAfter` (ms), when `deleteRetiredHpkeKeys` removes them.
   *
   * @returns the config IDs expired.
   */
  retireHpkeKeys(keepConfigId: number, deleteAfter: number): Promise<number[]>;
  /** Deletes expired keys whose `deleteAfter` is at or before `now`; returns their config IDs. */
  deleteRetiredHpkeKeys(now: number): Promise<number[]>;

  /** Stores a new pending report; false (and nothing changed) when its ID is known. */
  putClientReport(report: Omit<ClientReportRecord, 'state'>): Promise<boolean>;
  /**
   * Stores many new pending reports in a few statements (as `putClientReport` each); per
   * report, in order, true if it was stored. A report ID given twice is stored at its first
   * position only.
   */
  putClientReports(reports: readonly Omit<ClientReportRecord, 'state'>[]): Promise<boolean[]>;
  getClientReport(taskId: Uint8Array, reportId: Uint8Array): Promise<ClientReportRecord | null>;
  /** Reads many reports in a few queries; per ID, in order, the report or null. */
  getClientReports(
    taskId: Uint8Array,
    reportIds: readonly Uint8Array[],
  ): Promise<(ClientReportRecord | null)[]>;
  /**
   * Claims up to `limit` pending reports of a task, oldest first: their IDs and times, not
   * their encoded bodies (read with `getClientReports` when the job is driven).
   */
  claimPendingReports(taskId: Uint8Array, limit: number): Promise<ClaimedReportRecord[]>;
  /** Returns claimed reports to pending (their job was abandoned). */
  unclaimReports(taskId: Uint8Array, reportIds: Uint8Array[]): Promise<void>;
  /** Marks reports done and drops their shares; their IDs stay for anti-replay. */
  finishReports(taskId: Uint8Array, reportIds: Uint8Array[]): Promise<void>;
  /** Counts a task's reports in a state, optionally within [timeFrom, timeTo). */
  countClientReports(
    taskId: Uint8Array,
    state: ClientReportState,
    timeFrom?: number,
    timeTo?: number,
  ): Promise<number>;
  /** IDs of tasks having at least `minimum` pending reports. */
  tasksWithPendingReports(minimum: number): Promise<Uint8Array[]>;

  /** Creates an aggregation job with its report aggregations. */
  putAggregationJob(job: AggregationJobRecord, reports: ReportAggregationRecord[]): Promise<void>;
  getAggregationJob(taskId: Uint8Array, jobId: Uint8Array): Promise<AggregationJobRecord | null>;
  updateAggregationJob(job: AggregationJobRecord): Promise<void>;
  getReportAggregations(taskId: Uint8Array, jobId: Uint8Array): Promise<ReportAggregationRecord[]>;
  updateReportAggregation(report: ReportAggregationRecord): Promise<void>;
  /**
   * Updates many report aggregations of one job in a few statements (as
   * `updateReportAggregation` each); throws when one of them does not exist.
   */
  updateReportAggregations(reports: readonly ReportAggregationRecord[]): Promise<void>;
  /** Leases up to `limit` active aggregation jobs whose lease is free at `now`. */
  acquireAggregationJobs(now: number, leaseMs: number, limit: number): Promise<Lease[]>;
  /** Releases a lease, making the job available again at `availableAt`; false if not held. */
  releaseAggregationJob(lease: Lease, availableAt: number): Promise<boolean>;
  /** True while `lease` is the current lease of its job and has not expired at `now`. */
  holdsAggregationLease(lease: Lease, now: number): Promise<boolean>;
  /** Counts a task's active aggregation jobs touching [timeFrom, timeTo) or a batch ID. */
  countActiveAggregationJobs(
    taskId: Uint8Array,
    scope: { timeFrom: number; timeTo: number } | { batchId: Uint8Array },
  ): Promise<number>;

  /**
   * Inserts report IDs into the anti-replay set; per ID, true if it was new. `times` (report
   * times in time_precision units, parallel to `reportIds`) lets the garbage collector expire
   * the entries; an entry without a time is never garbage collected.
   */
  markReportsAggregated(
    taskId: Uint8Array,
    reportIds: Uint8Array[],
    times?: readonly number[],
  ): Promise<boolean[]>;
  /** Locks buckets against collection for the rest of the transaction (shared lock). */
  lockBucketsForCommit(taskId: Uint8Array, buckets: Uint8Array[]): Promise<BucketStatus[]>;
  /** Locks buckets exclusively, to mark them collected. */
  lockBucketsForCollect(taskId: Uint8Array, buckets: Uint8Array[]): Promise<BucketStatus[]>;
  markBucketsCollected(taskId: Uint8Array, buckets: Uint8Array[], by: Uint8Array): Promise<void>;
  /** Adds a delta to one random shard of `shardCount` shards of a bucket. */
  accumulate(
    taskId: Uint8Array,
    bucket: Uint8Array,
    shardCount: number,
    delta: BatchAggregationDelta,
    merge: MergeAggShares,
  ): Promise<void>;
  readBatchAggregations(
    taskId: Uint8Array,
    buckets: Uint8Array[],
  ): Promise<BatchAggregationRecord[]>;
  /** Per-bucket totals of a task, optionally for bucket keys in [from, to). */
  summarizeBuckets(taskId: Uint8Array): Promise<BucketSummary[]>;

  /** Creates a collection job; false when the ID already exists. */
  putCollectionJob(job: CollectionJobRecord): Promise<boolean>;
  getCollectionJob(taskId: Uint8Array, jobId: Uint8Array): Promise<CollectionJobRecord | null>;
  updateCollectionJob(job: CollectionJobRecord): Promise<void>;
  acquireCollectionJobs(now: number, leaseMs: number, limit: number): Promise<Lease[]>;
  releaseCollectionJob(lease: Lease, availableAt: number): Promise<boolean>;
  holdsCollectionLease(lease: Lease, now: number): Promise<boolean>;

  /** Creates an aggregate-share job; false when the ID already exists. */
  putAggregateShareJob(job: AggregateShareJobRecord): Promise<boolean>;
  getAggregateShareJob(
    taskId: Uint8Array,
    jobId: Uint8Array,
  ): Promise<AggregateShareJobRecord | null>;
  deleteAggregateShareJob(taskId: Uint8Array, jobId: Uint8Array): Promise<boolean>;

  putOutstandingBatch(batch: OutstandingBatchRecord): Promise<void>;
  /** The oldest open batch of a task, or null. */
  getOpenBatch(taskId: Uint8Array): Promise<OutstandingBatchRecord | null>;
  /** Adds to a batch's assigned count; closes it once `assigned >= closeAt`. */
  assignToBatch(
    taskId: Uint8Array,
    batchId: Uint8Array,
    count: number,
    closeAt: number,
  ): Promise<void>;
  listOutstandingBatches(taskId: Uint8Array): Promise<OutstandingBatchRecord[]>;

  /** Counts the work waiting in the store over every task. */
  queueDepths(): Promise<QueueDepths>;
  /**
   * Counts uploaded reports not yet aggregated, over every task (one query): pending ones and
   * those in unfinished aggregation jobs, the whole backlog that back-pressure bounds.
   */
  countUnaggregatedReports(): Promise<number>;
  /**
   * Garbage collection of one task: deletes up to `limit` rows of each kind. Client reports
   * that are pending or done (never claimed ones, which an active job still needs) and
   * anti-replay entries with a report time before `cutoffs.reportTimeBefore`; aggregation jobs
   * that are no longer active, created before `cutoffs.createdBefore` or whose newest report is
   * before `cutoffs.reportTimeBefore`, with their report aggregations; collection jobs that are
   * finished, failed or deleted, aggregate-share jobs, and leader-selected batches that are
   * closed and collected, created before `cutoffs.createdBefore`. Batch aggregations and
   * collection marks are never deleted. Rows another transaction holds
   * locked are skipped (PostgreSQL), not waited for.
   *
   * @returns how many rows of each kind were deleted.
   */
  deleteExpired(taskId: Uint8Array, cutoffs: GcCutoffs, limit: number): Promise<GcCounts>;
}

/** A transactional store of aggregator state. */
export interface Datastore {
  /** `sqlite` or `postgres`. */
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Runs `fn` in one transaction: everything it did is committed together, or nothing is
   * when it throws. May re-run `fn` after a serialization conflict, so `fn` must not have
   * side effects outside the transaction.
   */
  transaction<T>(name: string, fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** The schema version after migrations. */
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
}
