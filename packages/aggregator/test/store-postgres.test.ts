// Runs the Datastore suite against PostgreSQL, each test in a fresh schema dropped afterwards.
import { describe, expect, it } from 'vitest';
import { openDatastore } from '../src/store/open.js';
import { openPostgresDatastore } from '../src/store/postgres.js';
import type { Datastore } from '../src/store/types.js';
import { datastoreSuite } from './store-suite.js';
import { dropSchema, freshSchema, PG_URL } from './pg-test-url.js';

const schemas = new WeakMap<Datastore, string>();

datastoreSuite(
  'postgres',
  async () => {
    const schema = freshSchema();
    const ds = await openPostgresDatastore(PG_URL, { schema });
    schemas.set(ds, schema);
    return ds;
  },
  async (ds) => {
    await ds.close();
    await dropSchema(schemas.get(ds)!);
  },
);

describe('PostgreSQL datastore', () => {
  it('migrates a schema once even with concurrent openers, via a store URL', async () => {
    const schema = freshSchema();
    try {
      const [a, b] = await Promise.all([
        openDatastore(`${PG_URL}?schema=${schema}`),
        openDatastore(`${PG_URL}?schema=${schema}`),
      ]);
      expect(await a.schemaVersion()).toBe(3);
      expect(await b.schemaVersion()).toBe(3);
      await a.close();
      await b.close();
    } finally {
      await dropSchema(schema);
    }
  });

  it('rejects a bad schema name and an unreachable server', async () => {
    await expect(openPostgresDatastore(PG_URL, { schema: 'x; drop' })).rejects.toMatchObject({
      code: 'STORE',
    });
    await expect(
      openPostgresDatastore('postgres://postgres@127.0.0.1:1/test'),
    ).rejects.toMatchObject({
      code: 'STORE',
    });
  });
});
