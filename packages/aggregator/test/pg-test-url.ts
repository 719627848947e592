// Where the PostgreSQL suites connect: PM_TEST_PG_URL, else the local trust-auth server.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Connection URL of the test server. */
export const PG_URL = process.env.PM_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh schema name for one test. */
export function freshSchema(): string {
  return `pm_test_${randomBytes(6).toString('hex')}`;
}

/** Drops a schema created by a test. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}
