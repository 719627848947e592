// The SQLite driver (better-sqlite3, WAL): the embedded default store. One connection per
// process; transactions are serialised by an async lock and use BEGIN IMMEDIATE.
import Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import { SqlDatastore, type Row, type SqlConnection, type SqlDriver } from './sql-datastore.js';

// better-sqlite3 binds any Uint8Array as a BLOB of exactly the bytes it views (its binding
// takes every ArrayBufferView; the SQLite tests check a view into a larger buffer), so IDs and
// report bodies go in as they are, without a Buffer made per parameter (a job's statements bind
// hundreds). Booleans become 0 and 1, as SQLite has no boolean type.
function bind(params: readonly unknown[]): unknown[] {
  for (const p of params) {
    if (typeof p === 'boolean') return params.map((q) => (typeof q === 'boolean' ? +q : q));
  }
  return params as unknown[];
}

class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  private readonly statements = new Map<string, Database.Statement>();
  private tail: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly db: Database.Database) {}

  private statement(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private readonly conn: SqlConnection = {
    query: async (sql, params = []) => {
      try {
        const s = this.statement(sql);
        if (s.reader) {
          const rows = s.all(...bind(params)) as Row[];
          return { rows, changes: rows.length };
        }
        const info = s.run(...bind(params));
        return { rows: [], changes: info.changes };
      } catch (e) {
        if (e instanceof StoreError) throw e;
        throw new StoreError(`sqlite query failed: ${(e as Error).message}`, { cause: e });
      }
    },
  };

  async transaction<T>(name: string, fn: (conn: SqlConnection) => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release = (): void => {};
    this.tail = new Promise<void>((r) => (release = r));
    await previous;
    try {
      if (this.closed) throw new StoreError(`transaction ${name}: datastore is closed`);
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.conn);
        this.db.exec('COMMIT');
        return result;
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw e;
      }
    } finally {
      release();
    }
  }

  async close(): Promise<void> {
    await this.transaction('close', async () => undefined).catch(() => undefined);
    if (!this.closed) {
      this.closed = true;
      this.db.close();
    }
  }
}

/**
 * Opens (creating if needed) a SQLite datastore and applies pending migrations.
 *
 * @param path - database file path, or `:memory:`.
 * @returns the migrated datastore.
 * @throws {StoreError} when the file cannot be opened or migrated.
 * @example
 * const ds = await openSqliteDatastore('/var/lib/pm/leader.db');
 */
export async function openSqliteDatastore(path: string): Promise<SqlDatastore> {
  let db: Database.Database;
  try {
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // Checkpoint the WAL every 10 000 pages (40 MB) rather than SQLite's 1 000: an upload of a
    // few thousand reports otherwise triggers a checkpoint (a copy into the database file and a
    // sync) in the middle of the aggregation transactions that follow; measured on the
    // aggregator bench, this took the Leader's job-creation commits from about 9 ms to 3 ms.
    // The WAL file is truncated back to 64 MB after a checkpoint that left it larger.
    db.pragma('wal_autocheckpoint = 10000');
    db.pragma('journal_size_limit = 67108864');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
  } catch (e) {
    throw new StoreError(`sqlite open failed: ${(e as Error).message}`, { cause: e });
  }
  const ds = new SqlDatastore(new SqliteDriver(db));
  await ds.migrate();
  return ds;
}
