// HPKE key rotation: hpke_config serves only the new key, reports sealed to a retired key are
// accepted and aggregated during the grace period and refused once the key is deleted
// (outdated_config at upload, hpke_decrypt_error at the Helper), processes sharing a store see
// a rotation, and the admin API and CLI rotate and list keys and refuse bad input.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  decodeHpkeConfigList,
  decodeUploadErrors,
  encodeUploadRequest,
  MediaType,
  ReportError,
  ResourcePath,
  sealReport,
  type HpkeConfig,
  type Report,
} from '@private-measurement/protocol';
import type { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAggregator, type Aggregator } from '../src/aggregator.js';
import { parseConfig } from '../src/config.js';
import { openSqliteDatastore } from '../src/store/sqlite.js';
import type { Datastore } from '../src/store/types.js';
import {
  awaitCollection,
  deploy,
  openResult,
  postCollection,
  quietLogger,
  timeIntervalCollectionReq,
  upload,
  type Deployment,
  type DeployOptions,
} from './harness.js';
import { dropSchema, freshSchema, PG_URL } from './pg-test-url.js';

const run = promisify(execFile);
const pkg = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'pm-keys-'));
let n = 0;
const sqlite = () => `sqlite:${join(dir, `s${n++}.db`)}`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const COUNT: DeployOptions['vdaf'] = { type: 'Prio3Count' };
const ADMIN = 'admin-token-0123456789abcdef';

async function hpkeConfigs(agg: Aggregator): Promise<{ configs: HpkeConfig[]; res: Response }> {
  const res = await agg.fetch(new Request('http://agg.test/hpke_config'));
  return { configs: decodeHpkeConfigList(new Uint8Array(await res.arrayBuffer())), res };
}

/** Seals Prio3Count reports to the given configurations. */
async function seal(
  d: Deployment,
  leaderHpkeConfig: HpkeConfig,
  helperHpkeConfig: HpkeConfig,
  measurements: boolean[],
  timeMs: number,
): Promise<Report[]> {
  const t = d.task;
  const out: Report[] = [];
  for (const m of measurements) {
    const reportId = new Uint8Array(randomBytes(16));
    const { publicShare, inputShares } = t.vdaf.shard(
      t.ctx,
      m,
      reportId,
      new Uint8Array(randomBytes(t.vdaf.randSize)),
    );
    out.push(
      await sealReport({
        taskId: t.id,
        taskConfiguration: t.config,
        leaderHpkeConfig,
        helperHpkeConfig,
        reportId,
        time: BigInt(Math.floor(timeMs / 1000 / t.timePrecision)),
        publicShare: t.vdaf.encodePublicShare(publicShare),
        leaderInputShare: t.vdaf.encodeInputShare(inputShares[0]),
        helperInputShare: t.vdaf.encodeInputShare(inputShares[1]),
      }),
    );
  }
  return out;
}

async function counter(registry: Registry, name: string, labels: Record<string, string>) {
  const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
  const hit = values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x));
  return hit?.value ?? 0;
}

describe('HPKE key rotation', () => {
  it('accepts the old key during the grace period and refuses it after deletion', async () => {
    let clock = Date.now();
    const now = () => clock;
    const d = await deploy({
      vdaf: COUNT,
      leaderStore: sqlite(),
      helperStore: sqlite(),
      leaderOptions: { now },
      helperOptions: { now },
    });
    try {
      const [oldLeader] = (await hpkeConfigs(d.leader)).configs;
      const [oldHelper] = (await hpkeConfigs(d.helper)).configs;
      const before = await seal(d, oldLeader, oldHelper, [true, true, false], clock);

      const rl = await d.leader.rotateHpkeKey(3600);
      const rh = await d.helper.rotateHpkeKey(3600);
      expect(rl.retired).toEqual([oldLeader.id]);
      expect(rh.retired).toEqual([oldHelper.id]);
      expect(rl.deleteAfter).toBe(clock + 3_600_000);

      // draft-ietf-ppm-dap-18 §4.4.1: only the active key is advertised.
      const served = await hpkeConfigs(d.leader);
      expect(served.configs.map((c) => c.id)).toEqual([rl.created.configId]);
      expect(served.res.headers.get('cache-control')).toBe('max-age=86400');
      const [newLeader] = served.configs;
      const [newHelper] = (await hpkeConfigs(d.helper)).configs;
      expect(newHelper.id).toBe(rh.created.configId);

      // Grace period: reports sealed to the retired keys still upload and aggregate.
      const after = await seal(d, newLeader, newHelper, [true], clock);
      const res = await upload(d, [...before, ...after]);
      expect(res.status).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBe(0);
      await d.leader.runDriversOnce();
      const unit = Math.floor(clock / 1000 / d.task.timePrecision);
      const req = timeIntervalCollectionReq(BigInt(unit), 1n);
      const done = await awaitCollection(
        d,
        (await postCollection(d, req)).headers.get('location')!,
      );
      expect(done.status).toBe(200);
      const out = await openResult(d, req, new Uint8Array(await done.arrayBuffer()));
      expect(out.reportCount).toBe(4n);
      expect(out.result).toBe(3n);

      // Grace over: the garbage collector deletes the retired keys.
      clock += 3_600_000;
      expect((await d.leader.collectGarbage()).hpkeKeys).toEqual([oldLeader.id]);
      expect((await d.helper.collectGarbage()).hpkeKeys).toEqual([oldHelper.id]);
      expect(await counter(d.leader.metrics, 'pm_gc_deleted_total', { kind: 'hpke_keys' })).toBe(1);

      // draft-ietf-ppm-dap-18 §4.4.2.2: an unknown config_id at upload is outdated_config, and
      // nothing of it is stored.
      const stale = await seal(d, oldLeader, newHelper, [true], clock);
      const refused = await upload(d, stale);
      const [status] = decodeUploadErrors(new Uint8Array(await refused.arrayBuffer()));
      expect(status.error).toBe(ReportError.outdated_config);
      expect(
        await d.leader.datastore.transaction('t', (tx) =>
          tx.getClientReport(d.task.id, stale[0].reportMetadata.reportId),
        ),
      ).toBeNull();

      // draft-ietf-ppm-dap-18 §4.5.3.3: the Helper marks a share for an unknown config ID
      // hpke_decrypt_error (this draft's error for it; hpke_unknown_config_id is not used).
      const helperStale = await seal(d, newLeader, oldHelper, [true], clock);
      expect((await upload(d, helperStale)).status).toBe(200);
      await d.leader.runDriversOnce();
      const errs = { role: 'helper', result: 'hpke_decrypt_error' };
      expect(await counter(d.helper.metrics, 'pm_report_aggregations_total', errs)).toBe(1);
      expect(
        await counter(d.leader.metrics, 'pm_report_aggregations_total', {
          role: 'leader',
          result: 'hpke_decrypt_error',
        }),
      ).toBe(1);
    } finally {
      await d.close();
    }
  });

  it('is seen by another process sharing the PostgreSQL store', async () => {
    const schema = freshSchema();
    let clock = Date.now();
    const now = () => clock;
    const d = await deploy({
      vdaf: COUNT,
      leaderStore: `${PG_URL}?schema=${schema}`,
      helperStore: sqlite(),
      leaderOptions: { now },
    });
    const other = await createAggregator({
      store: `${PG_URL}?schema=${schema}`,
      logger: quietLogger,
      now,
    });
    try {
      const [before] = (await hpkeConfigs(other)).configs;
      const [helperConfig] = (await hpkeConfigs(d.helper)).configs;
      clock += 1000;
      const { created } = await d.leader.rotateHpkeKey(600);
      const [fresh] = (await hpkeConfigs(d.leader)).configs;
      expect(fresh.id).toBe(created.configId);

      // The other process has not reread its keys yet, but an upload sealed to the new key
      // makes it look (its list is a second old), so the report is accepted at once.
      const reports = await seal(d, fresh, helperConfig, [true], clock);
      const res = await other.fetch(
        new Request(`http://agg.test${ResourcePath.reports(d.task.id)}`, {
          method: 'POST',
          headers: { 'content-type': MediaType.uploadReq },
          body: encodeUploadRequest(reports) as unknown as BodyInit,
        }),
      );
      expect(res.status).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBe(0);

      // Its hpke_config follows within the cache lifetime (5 s).
      clock += 5000;
      expect((await hpkeConfigs(other)).configs.map((c) => c.id)).toEqual([created.configId]);
      expect(before.id).not.toBe(created.configId);
    } finally {
      await other.close();
      await d.close();
      await dropSchema(schema);
    }
  });

  it('rereads keys for an unknown config ID at most once a second (hostile uploads)', async () => {
    let clock = Date.now();
    const d = await deploy({ vdaf: COUNT, leaderStore: sqlite(), helperStore: sqlite() });
    const raw = await openSqliteDatastore(join(dir, `probe-${n++}.db`));
    let keyReads = 0;
    const counting: Datastore = {
      dialect: raw.dialect,
      transaction: (name, fn) => {
        if (name === 'list-keys') keyReads++;
        return raw.transaction(name, fn);
      },
      schemaVersion: () => raw.schemaVersion(),
      close: () => raw.close(),
    };
    const probe = await createAggregator({
      store: counting,
      tasks: [d.leaderSpec],
      logger: quietLogger,
      now: () => clock,
    });
    try {
      const [own] = (await hpkeConfigs(probe)).configs;
      const [helperConfig] = (await hpkeConfigs(d.helper)).configs;
      const bogus = { ...own, id: (own.id + 1) % 256 };
      const post = async (reports: Report[]) => {
        const res = await probe.fetch(
          new Request(`http://agg.test${ResourcePath.reports(d.task.id)}`, {
            method: 'POST',
            headers: { 'content-type': MediaType.uploadReq },
            body: encodeUploadRequest(reports) as unknown as BodyInit,
          }),
        );
        return decodeUploadErrors(new Uint8Array(await res.arrayBuffer()));
      };
      clock += 1000;
      const before = keyReads;
      for (let i = 0; i < 10; i++) {
        const [status] = await post(await seal(d, bogus, helperConfig, [true], clock));
        expect(status.error).toBe(ReportError.outdated_config);
      }
      expect(keyReads - before).toBe(1);
      clock += 1000;
      await post(await seal(d, bogus, helperConfig, [true], clock));
      expect(keyReads - before).toBe(2);
      // Known config IDs never cause a reread.
      const reads = keyReads;
      expect(await post(await seal(d, own, helperConfig, [true, false], clock))).toEqual([]);
      expect(keyReads).toBe(reads);
    } finally {
      await probe.close();
      await raw.close();
      await d.close();
    }
  });

  it('rotates and lists through the admin API and refuses bad requests unchanged', async () => {
    const agg = await createAggregator({ store: sqlite(), adminToken: ADMIN, logger: quietLogger });
    const admin = (path: string, init: RequestInit = {}, token = ADMIN) =>
      agg.fetch(
        new Request(`http://agg.test/admin${path}`, {
          ...init,
          headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) },
        }),
      );
    try {
      const listed = async () =>
        (await (await admin('/hpke_keys')).json()) as Record<string, unknown>[];
      const first = await listed();
      expect(first).toHaveLength(1);
      expect(Object.keys(first[0]).sort()).toEqual([
        'config',
        'configId',
        'createdAt',
        'deleteAfter',
        'state',
      ]);

      const bad: [string | undefined, number, RegExp][] = [
        ['{"graceSeconds":-1}', 400, /^body\.graceSeconds: expected an integer in \[0, /],
        ['{"graceSeconds":"1h"}', 400, /^body\.graceSeconds: expected an integer/],
        ['{"grace":60}', 400, /^body\.grace: unknown field/],
        ['[60]', 400, /^body: expected a JSON object/],
        ['{not json', 400, /^body: expected a JSON object/],
        ['\u00ff', 400, /^body: expected a JSON object/],
      ];
      for (const [body, status, detail] of bad) {
        const res = await admin('/hpke_keys/rotate', { method: 'POST', body });
        expect(res.status).toBe(status);
        expect(((await res.json()) as { detail: string }).detail).toMatch(detail);
      }
      const unauthorized = await admin(
        '/hpke_keys/rotate',
        { method: 'POST' },
        'wrong-token-0123456789',
      );
      expect(unauthorized.status).toBe(403);
      expect(await listed()).toEqual(first);

      const res = await admin('/hpke_keys/rotate', { method: 'POST', body: '{"graceSeconds":60}' });
      expect(res.status).toBe(201);
      const rotation = (await res.json()) as {
        created: { configId: number; state: string };
        retired: number[];
        deleteAfter: number;
      };
      expect(rotation.retired).toEqual([first[0].configId]);
      expect(rotation.created.state).toBe('active');
      const second = await listed();
      expect(second.map((k) => [k.configId, k.state])).toEqual([
        [rotation.created.configId, 'active'],
        [first[0].configId, 'expired'],
      ]);
      expect(second[1].deleteAfter).toBe(rotation.deleteAfter);
      // An empty body rotates with the configured grace period.
      expect((await admin('/hpke_keys/rotate', { method: 'POST' })).status).toBe(201);
      expect(await listed()).toHaveLength(3);
      expect(JSON.stringify(await listed())).not.toMatch(/privateKey/);

      // One garbage-collection pass on request; nothing is due yet.
      const gc = await admin('/gc', { method: 'POST' });
      expect(gc.status).toBe(200);
      expect(await gc.json()).toMatchObject({ deleted: { clientReports: 0 }, hpkeKeys: [] });
      expect((await admin('/gc')).status).toBe(404);
      expect((await admin('/gc', { method: 'POST' }, 'wrong-token-0123456789')).status).toBe(403);
    } finally {
      await agg.close();
    }
  });
});

describe('key rotation refusals', () => {
  it('refuses a bad grace period and a full config ID space, changing nothing', async () => {
    const agg = await createAggregator({ store: sqlite(), logger: quietLogger });
    try {
      const keys = () => agg.datastore.transaction('t', (tx) => tx.listHpkeKeys());
      const before = await keys();
      for (const bad of [-1, 0.5, Number.NaN, 1e20]) {
        await expect(agg.rotateHpkeKey(bad)).rejects.toMatchObject({
          code: 'CONFIG',
          message: expect.stringMatching(/^graceSeconds: expected an integer in \[0, /),
        });
      }
      expect(await keys()).toEqual(before);

      // Every other config ID taken (by expired keys): a rotation cannot pick one.
      await agg.datastore.transaction('fill', async (tx) => {
        for (let id = 0; id < 256; id++) {
          if (id === before[0].configId) continue;
          await tx.insertHpkeKey({
            ...before[0],
            configId: id,
            state: 'expired',
            deleteAfter: null,
          });
        }
      });
      const full = await keys();
      await expect(agg.rotateHpkeKey(60)).rejects.toMatchObject({
        code: 'HTTP_500',
        message: 'hpke keys: every config ID is in use',
      });
      expect(await keys()).toEqual(full);
      expect(full.filter((k) => k.state === 'active')).toHaveLength(1);
    } finally {
      await agg.close();
    }
  });
});

describe('key settings and CLI', () => {
  beforeAll(async () => {
    // The shim runs the compiled CLI; build it when this checkout has not been built yet.
    if (!existsSync(join(pkg, 'dist', 'cli.js')))
      await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: pkg });
  }, 120_000);

  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run('node', [join(pkg, 'bin', 'pm-aggregator.js'), ...args]);
      return { code: 0, stdout, stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, stdout: err.stdout, stderr: err.stderr };
    }
  }

  it('validates hpkeKeyGraceSeconds', () => {
    expect(parseConfig({ store: 'sqlite:x' }).hpkeKeyGraceSeconds).toBe(172_800);
    expect(parseConfig({ store: 'sqlite:x', hpkeKeyGraceSeconds: 0 }).hpkeKeyGraceSeconds).toBe(0);
    for (const bad of [-1, 1.5, '60', null]) {
      expect(() => parseConfig({ store: 'sqlite:x', hpkeKeyGraceSeconds: bad })).toThrow(
        /^config\.hpkeKeyGraceSeconds: expected an integer in \[0, /,
      );
    }
  });

  it('pm-aggregator keys rotate and keys list work on the configured store', async () => {
    const config = join(dir, 'keys.json');
    writeFileSync(config, JSON.stringify({ store: `sqlite:${join(dir, 'cli.db')}` }));
    const agg = await createAggregator({
      store: `sqlite:${join(dir, 'cli.db')}`,
      logger: quietLogger,
    });
    const [original] = (await hpkeConfigs(agg)).configs;
    await agg.close();

    const rotated = await cli(['keys', 'rotate', '--config', config, '--grace', '60']);
    expect(rotated.code).toBe(0);
    const out = JSON.parse(rotated.stdout) as { configId: number; retired: number[] };
    expect(out.retired).toEqual([original.id]);
    const list = await cli(['keys', 'list', '--config', config]);
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^${out.configId} active \\S+ -$`));
    expect(lines[1]).toMatch(new RegExp(`^${original.id} expired \\S+ \\d{4}-\\d\\d-\\d\\dT`));

    for (const grace of ['--grace=-5', '--grace=1h', '--grace=1.5']) {
      const bad = await cli(['keys', 'rotate', '--config', config, grace]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/^pm-aggregator: --grace: expected an integer in \[0, /);
    }
    const unknown = await cli(['keys', 'drop', '--config', config]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('pm-aggregator: keys: expected list or rotate\n');
    expect(
      (await cli(['keys', 'list', '--config', config])).stdout.trim().split('\n'),
    ).toHaveLength(2);
  });
});
