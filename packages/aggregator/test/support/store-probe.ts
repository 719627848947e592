// Read-only looks into an aggregator's store while its processes run (SQLite through a second
// connection in WAL mode, PostgreSQL through its schema): progress of reports, jobs and buckets.
import Database from 'better-sqlite3';
import pg from 'pg';

/** What the kill tests read from a store. */
export interface StoreCounts {
  /** Leader: uploaded reports by state (pending, claimed, done). */
  reports: Record<string, number>;
  /** Aggregation jobs by state (active, finished, abandoned, deleted). */
  jobs: Record<string, number>;
  /** Active aggregation jobs whose lease has not expired. */
  leasedJobs: number;
  /** Collection jobs by state (Leader). */
  collectionJobs: Record<string, number>;
  /** Reports in the batch aggregations (summed over buckets and shards). */
  aggregatedCount: number;
  /** Entries of the anti-replay set of aggregated report IDs. */
  aggregatedIds: number;
  /** Buckets marked collected. */
  collectedBuckets: number;
  /** Aggregate-share jobs (Helper). */
  shareJobs: number;
}

/** A read-only view of one store. */
export interface StoreProbe {
  counts(): Promise<StoreCounts>;
  close(): Promise<void>;
}

type Query = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

function byState(rows: Record<string, unknown>[]): Record<string, number> {
  return Object.fromEntries(rows.map((r) => [String(r.state), Number(r.n)]));
}

async function countsWith(q: Query): Promise<StoreCounts> {
  const now = Date.now();
  const one = async (sql: string, params: unknown[] = []) => Number((await q(sql, params))[0].n);
  return {
    reports: byState(await q('SELECT state, COUNT(*) AS n FROM client_reports GROUP BY state')),
    jobs: byState(await q('SELECT state, COUNT(*) AS n FROM aggregation_jobs GROUP BY state')),
    leasedJobs: await one(
      `SELECT COUNT(*) AS n FROM aggregation_jobs WHERE state = 'active' AND lease_token IS NOT NULL AND lease_expiry > ${now}`,
    ),
    collectionJobs: byState(
      await q('SELECT state, COUNT(*) AS n FROM collection_jobs GROUP BY state'),
    ),
    aggregatedCount: await one(
      'SELECT COALESCE(SUM(report_count), 0) AS n FROM batch_aggregations',
    ),
    aggregatedIds: await one('SELECT COUNT(*) AS n FROM aggregated_reports'),
    collectedBuckets: await one(
      'SELECT COUNT(*) AS n FROM batch_buckets WHERE collected_by IS NOT NULL',
    ),
    shareJobs: await one('SELECT COUNT(*) AS n FROM aggregate_share_jobs'),
  };
}

/**
 * Opens a probe on a store URL as the aggregators use it (`sqlite:PATH`,
 * `postgres://...?schema=NAME`).
 *
 * @param url - the store URL.
 * @returns the probe; the store must have been created (migrated) by an aggregator already.
 */
export async function openStoreProbe(url: string): Promise<StoreProbe> {
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length), { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    const q: Query = async (sql, params = []) =>
      db.prepare(sql).all(...params) as Record<string, unknown>[];
    return {
      counts: () => countsWith(q),
      close: async () => {
        db.close();
      },
    };
  }
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? 'public';
  parsed.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: parsed.toString() });
  await client.connect();
  await client.query(`SET search_path TO ${client.escapeIdentifier(schema)}`);
  const q: Query = async (sql, params = []) => (await client.query(sql, params)).rows;
  return { counts: () => countsWith(q), close: () => client.end() };
}
