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

  it('runs queries issued together in a transaction in order, not queued on pg', async () => {
    const schema = freshSchema();
    const ds = await openPostgresDatastore(PG_URL, { schema });
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const taskId = new Uint8Array(32).fill(7);
      const ids = Array.from({ length: 20 }, (_, i) => new Uint8Array(16).fill(i + 1));
      const stored = await ds.transaction('test', (tx) =>
        Promise.all(
          ids.map((reportId, i) =>
            tx.putClientReport({ taskId, reportId, time: i, encoded: new Uint8Array([i]) }),
          ),
        ),
      );
      expect(stored).toEqual(ids.map(() => true));
      const read = await ds.transaction('test', (tx) =>
        Promise.all(ids.map((reportId) => tx.getClientReport(taskId, reportId))),
      );
      expect(read.map((r) => r?.time)).toEqual(ids.map((_, i) => i));
      // pg warns (asynchronously) when a query is queued on a client that is busy.
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(warnings.filter((w) => w.includes('already executing a query'))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await ds.close();
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
