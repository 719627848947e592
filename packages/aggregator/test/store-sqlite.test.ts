// Runs the Datastore suite against SQLite, plus SQLite-only checks (file reopen, bad paths).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatastore } from '../src/store/open.js';
import { openSqliteDatastore } from '../src/store/sqlite.js';
import { datastoreSuite } from './store-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'pm-sqlite-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

datastoreSuite('sqlite', () => openSqliteDatastore(join(dir, `db-${n++}.sqlite`)));

describe('SQLite datastore', () => {
  it('stores a Uint8Array view into a larger buffer as exactly the bytes it views', async () => {
    const ds = await openSqliteDatastore(join(dir, `views-${n++}.sqlite`));
    try {
      const backing = new Uint8Array(200).map((_, i) => i);
      const taskId = backing.subarray(10, 42);
      const reportId = backing.subarray(100, 116);
      const encoded = backing.subarray(120, 190);
      await ds.transaction('t', (tx) => tx.putClientReport({ taskId, reportId, time: 7, encoded }));
      const [got] = await ds.transaction('t', (tx) =>
        tx.getClientReports(new Uint8Array(taskId), [new Uint8Array(reportId)]),
      );
      expect(got).not.toBeNull();
      expect([...got!.taskId]).toEqual([...taskId]);
      expect([...got!.reportId]).toEqual([...reportId]);
      expect([...got!.encoded]).toEqual([...encoded]);
    } finally {
      await ds.close();
    }
  });

  it('keeps committed state across a close and reopen', async () => {
    const path = join(dir, 'reopen.sqlite');
    const taskId = new Uint8Array(32).fill(1);
    const a = await openDatastore(`sqlite:${path}`);
    await a.transaction('t', (tx) => tx.putTask({ taskId, role: 'leader', spec: '{}' }));
    await a.close();
    const b = await openDatastore(`sqlite:${path}`);
    expect(await b.transaction('t', (tx) => tx.getTask(taskId))).not.toBeNull();
    expect(await b.schemaVersion()).toBe(3);
    await b.close();
    await expect(b.transaction('t', (tx) => tx.listTasks())).rejects.toMatchObject({
      code: 'STORE',
    });
  });

  it('opens in WAL mode with a long checkpoint interval and a WAL size limit', async () => {
    const path = join(dir, 'pragmas.sqlite');
    const ds = await openSqliteDatastore(path);
    await ds.close();
    // The journal mode is a property of the file, read here from a separate handle; the others
    // belong to a connection, so they are read through the datastore's own connection (the
    // transaction's private `c`, the one SQL connection it runs on).
    const db = new Database(path);
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
    const again = await openSqliteDatastore(path);
    try {
      const pragmas = await again.transaction('t', async (tx) => {
        const conn = tx as unknown as { c: { query(sql: string): Promise<{ rows: unknown[] }> } };
        const read = async (name: string) =>
          Object.values((await conn.c.query(`PRAGMA ${name}`)).rows[0] as object)[0];
        return {
          checkpoint: await read('wal_autocheckpoint'),
          limit: await read('journal_size_limit'),
          synchronous: await read('synchronous'),
        };
      });
      // synchronous 1 is NORMAL.
      expect(pragmas).toEqual({ checkpoint: 10000, limit: 67108864, synchronous: 1 });
    } finally {
      await again.close();
    }
  });

  it('claims reports of one time in upload order, whatever their IDs', async () => {
    const ds = await openSqliteDatastore(join(dir, 'claim-order.sqlite'));
    try {
      const taskId = new Uint8Array(32).fill(2);
      // IDs in decreasing order, so that ID order and upload order disagree.
      const ids = Array.from({ length: 12 }, (_, i) => new Uint8Array(16).fill(200 - i));
      await ds.transaction('t', async (tx) => {
        for (const reportId of ids)
          await tx.putClientReport({ taskId, reportId, time: 7, encoded: new Uint8Array(1) });
      });
      const claimed = await ds.transaction('t', (tx) => tx.claimPendingReports(taskId, 5));
      const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
      expect(new Set(claimed.map((r) => hex(r.reportId)))).toEqual(
        new Set(ids.slice(0, 5).map(hex)),
      );
    } finally {
      await ds.close();
    }
  });

  it('rejects unusable store URLs with typed errors', async () => {
    await expect(openDatastore('mysql://x')).rejects.toMatchObject({ code: 'CONFIG' });
    await expect(openDatastore('sqlite:')).rejects.toMatchObject({ code: 'CONFIG' });
    await expect(
      openDatastore(`sqlite:${join(dir, 'missing', 'dir', 'x.db')}`),
    ).rejects.toMatchObject({
      code: 'STORE',
    });
  });
});
