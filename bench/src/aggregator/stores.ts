// The stores the aggregator and load suites run on: SQLite files in a temporary directory, or
// fresh schemas on the PostgreSQL server, created per case and dropped afterwards.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** The PostgreSQL server of the bench: PM_TEST_PG_URL, else the local trust-auth server. */
export const PG_URL = process.env.PM_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A kind of store: an embedded SQLite file, or a schema on the shared PostgreSQL server. */
export type StoreKind = 'sqlite' | 'postgres';

/** Every store kind, in the order measured. */
export const STORE_KINDS: readonly StoreKind[] = ['sqlite', 'postgres'];

/**
 * Hands out fresh store URLs of one kind and removes what it handed out: SQLite files (with
 * their WAL and shared-memory files) or PostgreSQL schemas.
 */
export class StorePool {
  private dir: string | undefined;
  private readonly schemas: string[] = [];

  /**
   * @param kind - the store kind.
   * @param pgUrl - the PostgreSQL server, for kind "postgres".
   */
  constructor(
    readonly kind: StoreKind,
    private readonly pgUrl = PG_URL,
  ) {}

  /**
   * A new, empty store.
   *
   * @param name - a short label, part of the file or schema name (letters, digits, "_").
   * @returns its URL, for `openDatastore` or `createAggregator`.
   */
  fresh(name: string): string {
    const suffix = randomBytes(4).toString('hex');
    if (this.kind === 'sqlite') {
      this.dir ??= mkdtempSync(join(tmpdir(), 'pm-bench-store-'));
      return `sqlite:${join(this.dir, `${name}-${suffix}.db`)}`;
    }
    const schema = `pm_bench_${name}_${suffix}`;
    this.schemas.push(schema);
    const url = new URL(this.pgUrl);
    url.searchParams.set('schema', schema);
    return url.toString();
  }

  /**
   * Removes one store handed out earlier (its files, or its schema).
   *
   * @param url - the URL `fresh` returned.
   */
  async remove(url: string): Promise<void> {
    if (url.startsWith('sqlite:')) {
      const path = url.slice('sqlite:'.length);
      for (const x of ['', '-wal', '-shm']) rmSync(path + x, { force: true });
      return;
    }
    const schema = new URL(url).searchParams.get('schema');
    if (schema === null) return;
    await dropSchemas(this.pgUrl, [schema]);
    this.schemas.splice(this.schemas.indexOf(schema), 1);
  }

  /** Removes every store still handed out. */
  async removeAll(): Promise<void> {
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
    const schemas = this.schemas.splice(0);
    if (schemas.length > 0) await dropSchemas(this.pgUrl, schemas);
  }
}

/**
 * Drops schemas (and everything in them).
 *
 * @param pgUrl - the server.
 * @param schemas - schema names made by {@link StorePool.fresh}.
 * @throws {Error} when the server cannot be reached.
 */
export async function dropSchemas(pgUrl: string, schemas: readonly string[]): Promise<void> {
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    for (const s of schemas) {
      if (!/^pm_bench_[a-z0-9_]+$/.test(s)) continue;
      await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    }
  } finally {
    await client.end();
  }
}

/**
 * Checks that the PostgreSQL server answers.
 *
 * @param pgUrl - the server.
 * @returns undefined when it does, else why not (the message names the server, not a password).
 */
export async function postgresProblem(pgUrl = PG_URL): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (e) {
    const u = new URL(pgUrl);
    return `postgres at ${u.hostname}:${u.port || 5432} unreachable: ${(e as Error).message}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}
