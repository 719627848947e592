// Group commit of uploads: concurrent upload requests are stored in shared transactions; each
// request still gets its own answer, a report sent in several of them is stored once, and a
// group whose transaction fails stores nothing and fails every request in it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeUploadErrors, ReportError } from '@private-measurement/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatastore } from '../src/store/open.js';
import type { Datastore } from '../src/store/types.js';
import { deploy, makeReports, upload, type Deployment } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'pm-upload-group-'));
let n = 0;
const store = () => `sqlite:${join(dir, `s${n++}.db`)}`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A datastore that counts `upload` transactions and can hold or fail them. */
async function watchedStore(): Promise<{
  ds: Datastore;
  uploads: () => number;
  holdFirstMs: (ms: number) => void;
  failing: (on: boolean) => void;
}> {
  const inner = await openDatastore(store());
  let uploads = 0;
  let hold = 0;
  let fail = false;
  const ds: Datastore = {
    dialect: inner.dialect,
    schemaVersion: () => inner.schemaVersion(),
    close: () => inner.close(),
    transaction: async (name, fn) => {
      if (name !== 'upload') return inner.transaction(name, fn);
      uploads++;
      if (hold > 0) {
        const ms = hold;
        hold = 0;
        await new Promise((r) => setTimeout(r, ms));
      }
      return inner.transaction(name, async (tx) => {
        const result = await fn(tx);
        // Fails after the group's reports were written, so that a rollback is what keeps them
        // out of the store.
        if (fail) throw new Error('injected store failure');
        return result;
      });
    },
  };
  return {
    ds,
    uploads: () => uploads,
    holdFirstMs: (ms) => (hold = ms),
    failing: (on) => (fail = on),
  };
}

async function storedCount(d: Deployment): Promise<number> {
  return d.leader.datastore.transaction('t', (tx) => tx.countClientReports(d.task.id, 'pending'));
}

const VDAF = { type: 'Prio3Count' } as const;

describe('group commit of uploads', () => {
  it('stores concurrent single-report requests in far fewer transactions', async () => {
    const w = await watchedStore();
    const d = await deploy({ vdaf: VDAF, leaderStore: w.ds, helperStore: store() });
    try {
      const reports = await makeReports(
        d,
        Array.from({ length: 64 }, (_, i) => i % 2 === 0),
      );
      // The first group's transaction waits 300 ms: the requests that arrive meanwhile are
      // stored together afterwards.
      w.holdFirstMs(300);
      const before = w.uploads();
      const answers = await Promise.all(reports.map((r) => upload(d, [r])));
      expect(answers.map((a) => a.status)).toEqual(reports.map(() => 200));
      for (const a of answers) expect((await a.arrayBuffer()).byteLength).toBe(0);
      expect(await storedCount(d)).toBe(64);
      expect(w.uploads() - before).toBeLessThan(32);
    } finally {
      await d.close();
      await w.ds.close();
    }
  });

  it('stores a report sent in several concurrent requests once', async () => {
    const w = await watchedStore();
    const d = await deploy({ vdaf: VDAF, leaderStore: w.ds, helperStore: store() });
    try {
      const [report, other] = await makeReports(d, [true, false]);
      w.holdFirstMs(200);
      const answers = await Promise.all([
        upload(d, [other]),
        ...Array.from({ length: 10 }, () => upload(d, [report])),
      ]);
      expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
      const bodies = await Promise.all(
        answers.map(async (a) => new Uint8Array(await a.arrayBuffer())),
      );
      const replayed = bodies
        .slice(1)
        .filter((b) => b.length > 0)
        .map((b) => decodeUploadErrors(b));
      // One of the ten stored it; the other nine were told report_replayed.
      expect(replayed).toHaveLength(9);
      for (const errs of replayed) {
        expect(errs).toEqual([
          { id: report.reportMetadata.reportId, error: ReportError.report_replayed },
        ]);
      }
      expect(bodies[0].length).toBe(0);
      expect(await storedCount(d)).toBe(2);
    } finally {
      await d.close();
      await w.ds.close();
    }
  });

  it('stores a report given twice in one request once, in request order', async () => {
    const w = await watchedStore();
    const d = await deploy({ vdaf: VDAF, leaderStore: w.ds, helperStore: store() });
    try {
      const [a, b, c] = await makeReports(d, [true, false, true]);
      const res = await upload(d, [a, b, a, c, b]);
      expect(res.status).toBe(200);
      const errors = decodeUploadErrors(new Uint8Array(await res.arrayBuffer()));
      expect(errors).toEqual([
        { id: a.reportMetadata.reportId, error: ReportError.report_replayed },
        { id: b.reportMetadata.reportId, error: ReportError.report_replayed },
      ]);
      expect(await storedCount(d)).toBe(3);
    } finally {
      await d.close();
      await w.ds.close();
    }
  });

  it('fails every request of a group whose transaction fails, storing none of them', async () => {
    const w = await watchedStore();
    const d = await deploy({ vdaf: VDAF, leaderStore: w.ds, helperStore: store() });
    try {
      const reports = await makeReports(
        d,
        Array.from({ length: 12 }, () => true),
      );
      w.failing(true);
      const failed = await Promise.all(reports.map((r) => upload(d, [r])));
      expect(failed.map((a) => a.status)).toEqual(reports.map(() => 500));
      for (const a of failed) {
        const text = await a.text();
        expect(a.headers.get('content-type')).toContain('application/problem+json');
        // The cause stays in the log; the answer names no report, share or key.
        expect(text).not.toContain('injected');
      }
      expect(await storedCount(d)).toBe(0);
      w.failing(false);
      const again = await Promise.all(reports.map((r) => upload(d, [r])));
      expect(again.map((a) => a.status)).toEqual(reports.map(() => 200));
      expect(await storedCount(d)).toBe(12);
    } finally {
      await d.close();
      await w.ds.close();
    }
  });
});
