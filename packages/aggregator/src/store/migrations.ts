// Versioned schema migrations shared by the SQLite and PostgreSQL datastores. A migration is
// a list of statements written once, with {BYTES} and {INT} standing for the dialect's types.

/** One schema migration. Versions start at 1 and increase by 1. */
export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

/** Every migration, in order. Never edit a released one: append a new version instead. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    statements: [
      `CREATE TABLE tasks (
        task_id {BYTES} PRIMARY KEY,
        role TEXT NOT NULL,
        spec TEXT NOT NULL)`,
      `CREATE TABLE hpke_keys (
        config_id INTEGER PRIMARY KEY,
        config {BYTES} NOT NULL,
        private_key {BYTES} NOT NULL,
        state TEXT NOT NULL,
        created_at {INT} NOT NULL)`,
      `CREATE TABLE client_reports (
        task_id {BYTES} NOT NULL,
        report_id {BYTES} NOT NULL,
        time {INT} NOT NULL,
        encoded {BYTES} NOT NULL,
        state TEXT NOT NULL,
        PRIMARY KEY (task_id, report_id))`,
      `CREATE INDEX client_reports_by_state ON client_reports (task_id, state, time)`,
      `CREATE TABLE aggregation_jobs (
        task_id {BYTES} NOT NULL,
        job_id {BYTES} NOT NULL,
        agg_param {BYTES} NOT NULL,
        batch_id {BYTES},
        state TEXT NOT NULL,
        step INTEGER NOT NULL,
        request_hash {BYTES},
        response {BYTES},
        time_min {INT} NOT NULL,
        time_max {INT} NOT NULL,
        created_at {INT} NOT NULL,
        lease_expiry {INT} NOT NULL DEFAULT 0,
        lease_token {BYTES},
        lease_attempts INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (task_id, job_id))`,
      `CREATE INDEX aggregation_jobs_by_lease ON aggregation_jobs (state, lease_expiry)`,
      `CREATE TABLE report_aggregations (
        task_id {BYTES} NOT NULL,
        job_id {BYTES} NOT NULL,
        ord INTEGER NOT NULL,
        report_id {BYTES} NOT NULL,
        time {INT} NOT NULL,
        state TEXT NOT NULL,
        error INTEGER,
        payload {BYTES},
        PRIMARY KEY (task_id, job_id, ord))`,
      `CREATE TABLE aggregated_reports (
        task_id {BYTES} NOT NULL,
        report_id {BYTES} NOT NULL,
        PRIMARY KEY (task_id, report_id))`,
      `CREATE TABLE batch_buckets (
        task_id {BYTES} NOT NULL,
        bucket {BYTES} NOT NULL,
        collected_by {BYTES},
        PRIMARY KEY (task_id, bucket))`,
      `CREATE TABLE batch_aggregations (
        task_id {BYTES} NOT NULL,
        bucket {BYTES} NOT NULL,
        shard INTEGER NOT NULL,
        agg_share {BYTES} NOT NULL,
        report_count {INT} NOT NULL,
        checksum {BYTES} NOT NULL,
        time_min {INT} NOT NULL,
        time_max {INT} NOT NULL,
        PRIMARY KEY (task_id, bucket, shard))`,
      `CREATE TABLE collection_jobs (
        task_id {BYTES} NOT NULL,
        job_id {BYTES} NOT NULL,
        request {BYTES} NOT NULL,
        state TEXT NOT NULL,
        buckets {BYTES},
        error TEXT,
        report_count {INT} NOT NULL,
        interval_start {INT} NOT NULL,
        interval_duration {INT} NOT NULL,
        response {BYTES},
        created_at {INT} NOT NULL,
        lease_expiry {INT} NOT NULL DEFAULT 0,
        lease_token {BYTES},
        lease_attempts INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (task_id, job_id))`,
      `CREATE INDEX collection_jobs_by_lease ON collection_jobs (state, lease_expiry)`,
      `CREATE TABLE aggregate_share_jobs (
        task_id {BYTES} NOT NULL,
        job_id {BYTES} NOT NULL,
        request_hash {BYTES} NOT NULL,
        buckets {BYTES} NOT NULL,
        report_count {INT} NOT NULL,
        checksum {BYTES} NOT NULL,
        response {BYTES} NOT NULL,
        created_at {INT} NOT NULL,
        PRIMARY KEY (task_id, job_id))`,
      `CREATE TABLE outstanding_batches (
        task_id {BYTES} NOT NULL,
        batch_id {BYTES} NOT NULL,
        assigned {INT} NOT NULL,
        closed INTEGER NOT NULL,
        created_at {INT} NOT NULL,
        PRIMARY KEY (task_id, batch_id))`,
    ],
  },
  {
    version: 2,
    name: 'noise status of collection jobs',
    statements: [`ALTER TABLE collection_jobs ADD COLUMN noise TEXT`],
  },
  {
    version: 3,
    name: 'garbage collection and key rotation',
    statements: [
      // Report time of anti-replay entries; NULL (rows written before this migration) is
      // unknown, and such an entry is kept until its task is deleted.
      `ALTER TABLE aggregated_reports ADD COLUMN time {INT}`,
      `CREATE INDEX aggregated_reports_by_time ON aggregated_reports (task_id, time)`,
      `CREATE INDEX client_reports_by_time ON client_reports (task_id, time)`,
      `CREATE INDEX aggregation_jobs_by_created ON aggregation_jobs (task_id, created_at)`,
      `CREATE INDEX collection_jobs_by_created ON collection_jobs (task_id, created_at)`,
      `CREATE INDEX aggregate_share_jobs_by_created ON aggregate_share_jobs (task_id, created_at)`,
      // When an expired HPKE key may be deleted (ms since the epoch); NULL keeps it.
      `ALTER TABLE hpke_keys ADD COLUMN delete_after {INT}`,
    ],
  },
];

/**
 * The statements of a migration in one dialect.
 *
 * @param migration - the migration.
 * @param dialect - `sqlite` or `postgres`.
 * @returns the SQL statements with the type placeholders replaced.
 */
export function migrationSql(migration: Migration, dialect: 'sqlite' | 'postgres'): string[] {
  const bytes = dialect === 'sqlite' ? 'BLOB' : 'BYTEA';
  const int = dialect === 'sqlite' ? 'INTEGER' : 'BIGINT';
  return migration.statements.map((s) => s.replaceAll('{BYTES}', bytes).replaceAll('{INT}', int));
}
