// Crash tests with real processes: Leaders and a Helper SIGKILLed mid-upload, mid-aggregation and
// mid-collection; the collected result (noise off) is exact, and a batch is collected only once.
//
// The processes run the built package (dist/): `npm test` builds it first (turbo's test task
// depends on build); run alone, `ensureBuilt` rebuilds it when missing or older than src/.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKillScenario } from './kill-scenario.js';
import { dropSchema, freshSchema, PG_URL } from './pg-test-url.js';
import { ensureBuilt } from './support/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'pm-kill-'));
beforeAll(() => ensureBuilt(), 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SIGKILL of aggregator processes', () => {
  it('two leaders sharing PostgreSQL and a helper: kills lose and double nothing', async () => {
    const [ls, hs] = [freshSchema(), freshSchema()];
    try {
      const report = await runKillScenario({
        dir,
        leaderStore: `${PG_URL}?schema=${ls}`,
        helperStore: `${PG_URL}?schema=${hs}`,
        leaders: 2,
        reports: 2000,
      });
      expect(report.killed.filter((n) => n.startsWith('leader'))).toHaveLength(3);
      expect(report.killed).toContain('helper');
    } finally {
      await dropSchema(ls);
      await dropSchema(hs);
    }
  }, 80_000);

  it('one leader and a helper on SQLite: kills and restarts lose and double nothing', async () => {
    const report = await runKillScenario({
      dir,
      leaderStore: `sqlite:${join(dir, 'leader.db')}`,
      helperStore: `sqlite:${join(dir, 'helper.db')}`,
      leaders: 1,
      reports: 1000,
    });
    expect(report.killed.filter((n) => n.startsWith('leader'))).toHaveLength(3);
    expect(report.killed).toContain('helper');
  }, 80_000);
});
