// Runs the Datastore suite against SQLite, plus SQLite-only checks (file reopen, bad paths).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatastore } from '../src/store/open.js';
import { openSqliteDatastore } from '../src/store/sqlite.js';
import { datastoreSuite } from './store-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'pm-sqlite-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

datastoreSuite('sqlite', () => openSqliteDatastore(join(dir, `db-${n++}.sqlite`)));

describe('SQLite datastore', () => {
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
