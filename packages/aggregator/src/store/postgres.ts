// The PostgreSQL driver (pg pool): the shared store that lets several stateless aggregator
// processes serve one deployment. Jobs are leased with FOR UPDATE SKIP LOCKED.
import pg from 'pg';
import { AggregatorError, StoreError } from '../errors.js';
import { SqlDatastore, type Row, type SqlConnection, type SqlDriver } from './sql-datastore.js';

/** Options of `openPostgresDatastore`. */
export interface PostgresOptions {
  /** Schema holding the tables (created if missing); default `public`. */
  schema?: string;
  /** Pool size; default 10. */
  maxConnections?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 5;

function toPositional(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function bind(params: readonly unknown[]): unknown[] {
  return params.map((p) =>
    p instanceof Uint8Array && !Buffer.isBuffer(p)
      ? Buffer.from(p.buffer, p.byteOffset, p.byteLength)
      : p,
  );
}

// int8 columns (times, counts) fit in a double here: they are below 2^53 by construction.
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === 20
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;

  constructor(private readonly pool: pg.Pool) {}

  async transaction<T>(name: string, fn: (conn: SqlConnection) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (e) {
        throw new StoreError(`postgres connect failed in ${name}: ${(e as Error).message}`, {
          cause: e,
        });
      }
      // A transaction is one connection: queries issued together run one after the other, in
      // the order issued (pg deprecates queueing them on the client itself).
      let tail: Promise<unknown> = Promise.resolve();
      const conn: SqlConnection = {
        query: (sql, params = []) => {
          const run = tail.then(() => client.query(toPositional(sql), bind(params)));
          tail = run.catch(() => undefined);
          return run.then((r) => ({ rows: r.rows as Row[], changes: r.rowCount ?? 0 }));
        },
      };
      try {
        await client.query('BEGIN');
        const result = await fn(conn);
        await client.query('COMMIT');
        client.release();
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        client.release();
        const code = (e as { code?: string }).code;
        if (code !== undefined && RETRYABLE.has(code) && attempt < MAX_ATTEMPTS) continue;
        // Only driver errors (SQLSTATE codes) become StoreErrors; the package's own errors, whose
        // `code` is theirs (e.g. a DAP abort raised by `fn`), reach the caller unchanged.
        if (e instanceof AggregatorError || code === undefined) throw e;
        throw new StoreError(`postgres transaction ${name} failed: ${(e as Error).message}`, {
          cause: e,
        });
      }
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/**
 * Opens a PostgreSQL datastore and applies pending migrations in its schema.
 *
 * @param url - connection URL, e.g. `postgres://postgres@127.0.0.1:5432/test`.
 * @param options - schema and pool size.
 * @returns the migrated datastore.
 * @throws {StoreError} for a bad schema name or when the server cannot be reached or migrated.
 * @example
 * const ds = await openPostgresDatastore('postgres://pm@db/pm', { schema: 'leader' });
 */
export async function openPostgresDatastore(
  url: string,
  options: PostgresOptions = {},
): Promise<SqlDatastore> {
  const schema = options.schema ?? 'public';
  if (!SCHEMA_NAME.test(schema)) {
    throw new StoreError(
      `schema: expected a lowercase SQL identifier, received ${JSON.stringify(schema)}`,
    );
  }
  const setup = new pg.Client({ connectionString: url });
  try {
    await setup.connect();
    await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`).catch((e: { code?: string }) => {
      // A concurrent opener created it between the check and the insert.
      if (e.code !== '23505') throw e;
    });
  } catch (e) {
    throw new StoreError(`postgres setup failed: ${(e as Error).message}`, { cause: e });
  } finally {
    await setup.end().catch(() => undefined);
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    options: `-c search_path=${schema}`,
    types,
  });
  // An idle client's error (server restart) must not crash the process.
  pool.on('error', () => undefined);
  const ds = new SqlDatastore(new PostgresDriver(pool));
  await ds.migrate();
  return ds;
}
