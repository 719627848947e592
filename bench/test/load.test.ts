// Tests of the load pipeline with real processes, at a few hundred reports: the aggregator
// process and the seal worker bundled with esbuild as the bench bundler does, a run on SQLite
// and one on PostgreSQL with two Leader processes giving the exact sum, a run whose expected
// sum is wrong failing the check, and settings that cannot run failing cleanly.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HISTOGRAM_16 } from '../src/aggregator/deployment.js';
import { PG_URL } from '../src/aggregator/stores.js';
import { AggregatorChild } from '../src/load/child.js';
import type { ChildRequest } from '../src/load/messages.js';
import { prepareLoad, runLoad, type PreparedLoad } from '../src/load/run-load.js';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

// npm packages stay external (better-sqlite3 is native), so the bundle must sit where node
// finds the repository's node_modules.
const externalNpm: esbuild.Plugin = {
  name: 'external-npm',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@private-measurement/')
        ? undefined
        : { path: args.path, external: true },
    );
  },
};

let dir: string;
let childScript: string;
let prepared: PreparedLoad;

async function schemasLike(prefix: string): Promise<number> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    const r = await c.query('SELECT count(*)::int AS n FROM pg_namespace WHERE nspname LIKE $1', [
      `${prefix}%`,
    ]);
    return (r.rows[0] as { n: number }).n;
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  const cache = here('../node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  dir = mkdtempSync(join(cache, 'bench-load-'));
  await esbuild.build({
    entryPoints: {
      'aggregator-process': here('../src/load/aggregator-process.ts'),
      'seal-worker': here('../src/load/seal-worker.ts'),
    },
    outdir: dir,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    conditions: ['source'],
    logLevel: 'silent',
    plugins: [externalNpm],
  });
  childScript = join(dir, 'aggregator-process.js');
  // Two seal workers, as on the bench machine, so that their interleaved writes are checked too.
  prepared = await prepareLoad({
    variant: HISTOGRAM_16,
    reports: 300,
    batch: 40,
    workers: 2,
    workerScript: join(dir, 'seal-worker.js'),
  });
}, 120_000);

afterAll(() => {
  prepared?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('aggregator process', () => {
  it('answers hostile and out-of-order requests with errors and stays usable', async () => {
    const child = await AggregatorChild.start(childScript, 'leader 1');
    try {
      // Before it is configured, the server refuses uploads as an overloaded one would.
      const early = await fetch(new URL('hpke_config', child.url));
      expect([early.status, early.headers.get('retry-after')]).toEqual([503, '1']);
      await expect(child.request({ type: 'start' })).rejects.toThrow(
        'leader 1: start: expected configure first',
      );
      await expect(child.request({ type: 'status', taskId: 'AAAA' })).rejects.toThrow(
        /status: expected configure first/,
      );
      const bogus = { type: 'drop tables' } as unknown as Omit<ChildRequest, 'id'>;
      await expect(child.request(bogus as never)).rejects.toThrow(
        /request: expected configure, start, status, rss or stop, received "drop tables"/,
      );
      const configure = {
        type: 'configure' as const,
        store: 'sqlite::memory:',
        task: prepared.task.spec,
        drivers: {},
      };
      await expect(child.request({ ...configure, store: 'mysql://x' })).rejects.toThrow(
        /store: expected a sqlite: or postgres:\/\/ URL/,
      );
      await expect(
        child.request({ ...configure, task: { ...prepared.task.spec, minBatchSize: -1 } }),
      ).rejects.toThrow(/minBatchSize/);
      await expect(
        child.request({ ...configure, hpkeKey: { config: 'AA', privateKey: 'AA' } }),
      ).rejects.toThrow();
      // After those failures, a good configuration still works.
      await child.request(configure);
      const ok = await fetch(new URL('hpke_config', child.url));
      expect(ok.status).toBe(200);
      expect(await child.request({ type: 'status', taskId: prepared.task.spec.taskId })).toEqual({
        aggregated: 0,
      });
      expect(await child.request({ type: 'rss' })).toBeGreaterThan(10e6);
    } finally {
      await child.stop();
    }
  });
});

describe('load pipeline', () => {
  it('sums 300 reports exactly on SQLite, uploads before aggregation, every phase measured', async () => {
    const f = await runLoad({
      prepared,
      store: 'sqlite',
      leaders: 1,
      mode: 'sequential',
      childScript,
      sampleMs: 100,
    });
    expect(f.error).toBeUndefined();
    expect(f.exact).toBe(true);
    expect(f.reports).toBe(300);
    expect(f.params).toEqual({ store: 'sqlite', leaders: 1, mode: 'sequential', reports: 300 });
    expect(f.phases.map((p) => p.phase)).toEqual(['generate', 'upload', 'aggregate', 'collect']);
    for (const p of f.phases) expect(p.seconds).toBeGreaterThan(0);
    expect(f.processes.map((p) => p.role)).toEqual(['runner', 'helper', 'leader 1']);
    for (const p of f.processes) {
      expect(p.samples).toBeGreaterThan(0);
      expect(p.rssPeak).toBeGreaterThanOrEqual(p.rssAt90);
      expect(p.rssAt10).toBeGreaterThan(10e6);
      expect(p.phases.map((x) => x.phase)).toEqual(['upload', 'aggregate']);
    }
    // The Leader and the Helper did the aggregation's work.
    for (const p of f.processes.slice(1)) expect(p.phases[1].cpuSeconds).toBeGreaterThan(0);
    expect(f.backPressure.retries).toBe(0);
  }, 120_000);

  it('sums them exactly with two Leader processes sharing one PostgreSQL schema', async () => {
    const before = await schemasLike('pm_bench_');
    const f = await runLoad({ prepared, store: 'postgres', leaders: 2, childScript });
    expect(f.error).toBeUndefined();
    expect(f.exact).toBe(true);
    expect(f.params.mode).toBe('concurrent');
    expect(f.processes.map((p) => p.role)).toEqual(['runner', 'helper', 'leader 1', 'leader 2']);
    // Both schemas (Leaders', Helper's) are dropped afterwards.
    expect(await schemasLike('pm_bench_')).toBe(before);
  }, 120_000);

  it('honours 503 and Retry-After when aggregation falls behind, losing and doubling nothing', async () => {
    // One waiting report is enough to refuse: after each accepted batch of 40, the next ones
    // are refused until the drivers have claimed it, and retried after Retry-After (1 s).
    const f = await runLoad({
      prepared,
      store: 'sqlite',
      leaders: 1,
      mode: 'concurrent',
      maxPending: 1,
      pendingCheckMs: 1,
      concurrency: 2,
      childScript,
    });
    expect(f.error).toBeUndefined();
    expect(f.backPressure.retries).toBeGreaterThan(0);
    expect(f.backPressure.waitedSeconds).toBeGreaterThanOrEqual(f.backPressure.retries);
    expect(f.exact).toBe(true);
  }, 120_000);

  it('fails the run when the collected sum differs from the expected one', async () => {
    const wrong: PreparedLoad = {
      ...prepared,
      generated: {
        ...prepared.generated,
        expected: prepared.generated.expected.map((v, i) => (i === 3 ? v + 1n : v)),
      },
    };
    const f = await runLoad({ prepared: wrong, store: 'sqlite', leaders: 1, childScript });
    expect(f.exact).toBe(false);
    expect(f.error).toMatch(/expected the exact sum of the measurements.*bucket 3/);
  }, 120_000);

  it('fails the run when the Leader rejects reports at upload, naming the report error', async () => {
    // A task interval that ended long ago: the Leader drops every report (DAP-18 §4.4.2.2).
    const expired: PreparedLoad = {
      ...prepared,
      task: {
        ...prepared.task,
        spec: { ...prepared.task.spec, taskInterval: { start: 0, duration: 1 } },
      },
    };
    const f = await runLoad({ prepared: expired, store: 'sqlite', leaders: 1, childScript });
    expect(f.error).toMatch(
      /^upload: expected every report accepted, received 40 rejected \(first: report_dropped\)$/,
    );
    expect(f.exact).toBe(false);
    expect(f.phases.map((p) => p.phase)).toEqual(['generate']);
  });

  it('refuses two Leaders on SQLite and an unreachable PostgreSQL, starting nothing', async () => {
    const two = await runLoad({ prepared, store: 'sqlite', leaders: 2, childScript });
    expect(two.error).toMatch(/leaders: expected 1 on sqlite, received 2/);
    expect(two.processes).toEqual([]);
    const down = await runLoad({
      prepared,
      store: 'postgres',
      leaders: 1,
      childScript,
      pgUrl: 'postgres://postgres@127.0.0.1:1/test',
    });
    expect(down.error).toMatch(/^postgres at 127\.0\.0\.1:1 unreachable/);
    expect(down.exact).toBe(false);
  });

  it('reports a missing aggregator script as a failed run', async () => {
    const f = await runLoad({
      prepared,
      store: 'sqlite',
      leaders: 1,
      childScript: join(dir, 'missing.js'),
    });
    expect(f.error).toMatch(/helper: exited with 1 before listening/);
  });

  it('refuses a report count that is not a positive integer', async () => {
    for (const reports of [0, -1, 1.5, Number.NaN]) {
      await expect(
        prepareLoad({ variant: HISTOGRAM_16, reports, batch: 10, workers: 0 }),
      ).rejects.toThrow(/reports: expected a positive integer/);
    }
  });
});
