// Hostile input on every endpoint: random, truncated, extended and oversized bodies, wrong media
// types, unknown tasks and jobs, bad tokens, replays, collected batches, small batches, second
// collections and garbage from the peer. Each gets the right DAP error and changes no state.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import {
  BatchMode,
  encodeAggregateShareReq,
  encodeAggregationJobContinueReq,
  encodeAggregationJobInitReq,
  encodeCollectionJobReq,
  encodeUploadRequest,
  decodeAggregationJobResp,
  encodeAggregationJobResp,
  decodeUploadErrors,
  MediaType,
  pingPongLeaderInit,
  ReportError,
  ResourcePath,
  sealReport,
  decodeHpkeConfigList,
  type VerifyInit,
  type VerifyResp,
} from '@private-measurement/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  awaitCollection,
  COLLECTOR_TOKEN,
  deploy,
  makeReports,
  openResult,
  PEER_TOKEN,
  postCollection,
  timeIntervalCollectionReq,
  upload,
  type Deployment,
} from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'pm-hostile-'));
const leaderPath = join(dir, 'leader.db');
const helperPath = join(dir, 'helper.db');
let d: Deployment;

/** A digest of every table of a SQLite store: equal digests mean unchanged state. */
function snapshot(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all() as { name: string }[];
    const h = createHash('sha256');
    for (const { name } of tables) {
      for (const row of db.prepare(`SELECT * FROM ${name} ORDER BY 1, 2`).all()) {
        h.update(name).update(
          JSON.stringify(row, (_k, v) =>
            v?.type === 'Buffer' ? Buffer.from(v.data).toString('hex') : v,
          ),
        );
      }
    }
    return h.digest('hex');
  } finally {
    db.close();
  }
}

function state(): string {
  return snapshot(leaderPath) + snapshot(helperPath);
}

async function problem(res: Response): Promise<{ status: number; type: string; taskid?: string }> {
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const doc = (await res.json()) as { type: string; status: number; taskid?: string };
  expect(doc.status).toBe(res.status);
  return { status: res.status, type: doc.type, taskid: doc.taskid };
}

const dap = (t: string): string => `urn:ietf:params:ppm:dap:error:${t}`;

function leaderUrl(path: string): URL {
  return new URL(path.slice(1), d.leaderHost.url);
}
function helperUrl(path: string): URL {
  return new URL(path.slice(1), d.helperHost.url);
}

async function post(url: URL, body: Uint8Array, type: string, token?: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body as unknown as BodyInit,
  });
}

/** An AggregationJobInitReq for fresh measurements, built as the Leader would. */
async function initReq(
  measurements: unknown[],
  tweak: (v: VerifyInit[]) => VerifyInit[] = (v) => v,
  aggParam = new Uint8Array(0),
  dep: Deployment = d,
) {
  const t = dep.task;
  const cfg = async (url: string) =>
    decodeHpkeConfigList(
      new Uint8Array(await (await fetch(new URL('hpke_config', url))).arrayBuffer()),
    )[0];
  const [lc, hc] = [await cfg(dep.leaderHost.url), await cfg(dep.helperHost.url)];
  const time = BigInt(Math.floor(Date.now() / 1000 / t.timePrecision));
  const inits: VerifyInit[] = [];
  for (const m of measurements) {
    const reportId = new Uint8Array(randomBytes(16));
    const { publicShare, inputShares } = t.vdaf.shard(
      t.ctx,
      m,
      reportId,
      new Uint8Array(randomBytes(t.vdaf.randSize)),
    );
    const ps = t.vdaf.encodePublicShare(publicShare);
    const leaderShare = t.vdaf.encodeInputShare(inputShares[0]);
    const report = await sealReport({
      taskId: t.id,
      taskConfiguration: t.config,
      leaderHpkeConfig: lc,
      helperHpkeConfig: hc,
      reportId,
      time,
      publicShare: ps,
      leaderInputShare: leaderShare,
      helperInputShare: t.vdaf.encodeInputShare(inputShares[1]),
    });
    const st = pingPongLeaderInit(t.vdaf, t.verifyKey, t.ctx, reportId, ps, leaderShare);
    if (st.kind !== 'continued') throw new Error('leader init failed');
    inits.push({
      reportShare: {
        reportMetadata: report.reportMetadata,
        publicShare: ps,
        encryptedInputShare: report.helperEncryptedInputShare,
      },
      payload: st.outbound,
    });
  }
  return encodeAggregationJobInitReq({
    verificationKeyId: 0,
    aggParam,
    extensions: [],
    verifyInits: tweak(inits),
  });
}

beforeAll(async () => {
  d = await deploy({
    vdaf: { type: 'Prio3Sum', maxMeasurement: 15 },
    leaderStore: `sqlite:${leaderPath}`,
    helperStore: `sqlite:${helperPath}`,
    minBatchSize: 5,
    leaderOptions: { maxBodyBytes: 64 * 1024 },
    helperOptions: { maxBodyBytes: 64 * 1024 },
  });
});

afterAll(async () => {
  await d.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('upload', () => {
  const path = () => ResourcePath.reports(d.task.id);

  it('rejects random bodies as invalidMessage without storing anything', async () => {
    const before = state();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), async (body) => {
        const res = await post(leaderUrl(path()), body, MediaType.uploadReq);
        const p = await problem(res);
        expect(p.status).toBe(400);
        expect(p.type).toBe(dap('invalidMessage'));
        expect(p.taskid).toBe(d.leaderSpec.taskId);
      }),
      { numRuns: 25, seed: 1 },
    );
    expect(state()).toBe(before);
  });

  it('rejects truncated and extended uploads whole', async () => {
    const body = encodeUploadRequest(await makeReports(d, [1, 2, 3]));
    const before = state();
    for (const bad of [
      body.slice(0, body.length - 1),
      body.slice(0, 40),
      new Uint8Array([...body, 0]),
    ]) {
      const p = await problem(await post(leaderUrl(path()), bad, MediaType.uploadReq));
      expect(p.type).toBe(dap('invalidMessage'));
    }
    expect(state()).toBe(before);
  });

  it('rejects oversized bodies, wrong media types and unknown tasks', async () => {
    const before = state();
    const big = await post(leaderUrl(path()), new Uint8Array(65 * 1024), MediaType.uploadReq);
    expect(big.status).toBe(413);
    await big.arrayBuffer();
    const wrong = await post(leaderUrl(path()), new Uint8Array(10), 'application/octet-stream');
    expect(wrong.status).toBe(415);
    await wrong.arrayBuffer();
    const unknown = await post(
      leaderUrl(ResourcePath.reports(new Uint8Array(32))),
      new Uint8Array(10),
      MediaType.uploadReq,
    );
    const p = await problem(unknown);
    expect(p.status).toBe(404);
    expect(p.type).toBe(dap('unrecognizedTask'));
    const malformed = await post(
      leaderUrl('/tasks/not-a-task/reports'),
      new Uint8Array(10),
      MediaType.uploadReq,
    );
    expect((await problem(malformed)).type).toBe(dap('unrecognizedTask'));
    // The helper does not serve uploads for its task.
    const atHelper = await post(helperUrl(path()), new Uint8Array(10), MediaType.uploadReq);
    expect((await problem(atHelper)).type).toBe(dap('unrecognizedTask'));
    expect(state()).toBe(before);
  });

  it('answers per-report errors for replays, early reports and unknown HPKE configs', async () => {
    const [ok] = await makeReports(d, [4]);
    expect((await upload(d, [ok])).status).toBe(200);
    const before = state();
    const [early] = await makeReports(
      d,
      [1],
      Math.floor(Date.now() / 1000 / d.task.timePrecision) + 48,
    );
    const [stale] = await makeReports(d, [1]);
    stale.leaderEncryptedInputShare = {
      ...stale.leaderEncryptedInputShare,
      configId: (stale.leaderEncryptedInputShare.configId + 1) % 256,
    };
    const res = await upload(d, [ok, early, stale]);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(MediaType.uploadErrors);
    const errors = decodeUploadErrors(new Uint8Array(await res.arrayBuffer()));
    expect(errors.map((e) => e.error)).toEqual([
      ReportError.report_replayed,
      ReportError.report_too_early,
      ReportError.outdated_config,
    ]);
    expect(errors.map((e) => Buffer.from(e.id).toString('hex'))).toEqual(
      [ok, early, stale].map((r) => Buffer.from(r.reportMetadata.reportId).toString('hex')),
    );
    expect(state()).toBe(before);
  });
});

describe('helper aggregation jobs', () => {
  const path = () => ResourcePath.aggregationJobs(d.task.id);

  it('requires the peer bearer token', async () => {
    const body = await initReq([1]);
    const before = state();
    const none = await post(helperUrl(path()), body, MediaType.aggregationJobInitReq);
    expect(none.status).toBe(401);
    await none.arrayBuffer();
    const wrong = await post(
      helperUrl(path()),
      body,
      MediaType.aggregationJobInitReq,
      'x'.repeat(PEER_TOKEN.length),
    );
    expect(wrong.status).toBe(403);
    await wrong.arrayBuffer();
    const collectorToken = await post(
      helperUrl(path()),
      body,
      MediaType.aggregationJobInitReq,
      COLLECTOR_TOKEN,
    );
    expect(collectorToken.status).toBe(403);
    await collectorToken.arrayBuffer();
    expect(state()).toBe(before);
  });

  it('rejects random, truncated and extended init requests as invalidMessage', async () => {
    const body = await initReq([1, 2]);
    const before = state();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 200 }), async (junk) => {
        const p = await problem(
          await post(helperUrl(path()), junk, MediaType.aggregationJobInitReq, PEER_TOKEN),
        );
        expect(p.type).toBe(dap('invalidMessage'));
      }),
      { numRuns: 20, seed: 2 },
    );
    for (const bad of [body.slice(0, body.length - 3), new Uint8Array([...body, 1, 2])]) {
      const p = await problem(
        await post(helperUrl(path()), bad, MediaType.aggregationJobInitReq, PEER_TOKEN),
      );
      expect(p.type).toBe(dap('invalidMessage'));
    }
    const wrongType = await post(helperUrl(path()), body, MediaType.uploadReq, PEER_TOKEN);
    expect(wrongType.status).toBe(415);
    await wrongType.arrayBuffer();
    expect(state()).toBe(before);
  });

  it('rejects duplicate report IDs, aggregation parameters and unknown extensions', async () => {
    const before = state();
    const dup = await initReq([1, 2], (v) => [v[0], v[0]]);
    expect(
      (
        await problem(
          await post(helperUrl(path()), dup, MediaType.aggregationJobInitReq, PEER_TOKEN),
        )
      ).type,
    ).toBe(dap('invalidMessage'));
    const param = await initReq([1], (v) => v, new Uint8Array([1]));
    expect(
      (
        await problem(
          await post(helperUrl(path()), param, MediaType.aggregationJobInitReq, PEER_TOKEN),
        )
      ).type,
    ).toBe(dap('invalidAggregationParameter'));
    const ext = encodeAggregationJobInitReq({
      verificationKeyId: 0,
      aggParam: new Uint8Array(0),
      extensions: [{ extensionType: 77, extensionData: new Uint8Array(0) }],
      verifyInits: [],
    });
    expect(
      (
        await problem(
          await post(helperUrl(path()), ext, MediaType.aggregationJobInitReq, PEER_TOKEN),
        )
      ).type,
    ).toBe(dap('unsupportedExtension'));
    expect(state()).toBe(before);
  });

  it('answers an identical retry with the same response and counts once', async () => {
    const body = await initReq([3, 4, 5]);
    const first = await post(helperUrl(path()), body, MediaType.aggregationJobInitReq, PEER_TOKEN);
    expect(first.status).toBe(200);
    const firstBody = new Uint8Array(await first.arrayBuffer());
    expect(decodeAggregationJobResp(firstBody).map((r) => r.type)).toEqual([
      'continue',
      'continue',
      'continue',
    ]);
    const before = state();
    const again = await post(helperUrl(path()), body, MediaType.aggregationJobInitReq, PEER_TOKEN);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(new Uint8Array(await again.arrayBuffer())).toEqual(firstBody);
    expect(state()).toBe(before);
  });

  it('rejects a replay in a new job (report_replayed) and tampered shares per report', async () => {
    const body = await initReq([6]);
    const { decodeAggregationJobInitReq } = await import('@private-measurement/protocol');
    const req = decodeAggregationJobInitReq(body);
    const first = await post(helperUrl(path()), body, MediaType.aggregationJobInitReq, PEER_TOKEN);
    await first.arrayBuffer();
    const fresh = decodeAggregationJobInitReq(await initReq([7]));
    const tampered = {
      ...fresh.verifyInits[0],
      reportShare: {
        ...fresh.verifyInits[0].reportShare,
        encryptedInputShare: {
          ...fresh.verifyInits[0].reportShare.encryptedInputShare,
          payload: new Uint8Array(48),
        },
      },
    };
    const second = encodeAggregationJobInitReq({
      ...req,
      verifyInits: [req.verifyInits[0], tampered],
    });
    const res = await post(helperUrl(path()), second, MediaType.aggregationJobInitReq, PEER_TOKEN);
    expect(res.status).toBe(200);
    const resps = decodeAggregationJobResp(new Uint8Array(await res.arrayBuffer()));
    expect(resps.map((r) => (r.type === 'reject' ? r.reportError : r.type))).toEqual([
      ReportError.report_replayed,
      ReportError.hpke_decrypt_error,
    ]);
  });

  it('opens a large job concurrently, answers reports in order, rejects bad shares', async () => {
    const ms = Array.from({ length: 90 }, (_, i) => i % 16);
    const kind = (i: number) =>
      i % 7 === 3 ? 'payload' : i % 11 === 5 ? 'config' : i % 13 === 0 ? 'enc' : 'ok';
    const body = await initReq(ms, (v) =>
      v.map((vi, i) => {
        const ct = vi.reportShare.encryptedInputShare;
        const k = kind(i);
        if (k === 'ok') return vi;
        const bad =
          k === 'payload'
            ? { ...ct, payload: ct.payload.map((b, j) => (j === 0 ? b ^ 1 : b)) }
            : k === 'config'
              ? { ...ct, configId: (ct.configId + 1) % 256 }
              : { ...ct, enc: new Uint8Array(32) };
        return { ...vi, reportShare: { ...vi.reportShare, encryptedInputShare: bad } };
      }),
    );
    const res = await post(helperUrl(path()), body, MediaType.aggregationJobInitReq, PEER_TOKEN);
    expect(res.status).toBe(200);
    const resps = decodeAggregationJobResp(new Uint8Array(await res.arrayBuffer()));
    const { decodeAggregationJobInitReq } = await import('@private-measurement/protocol');
    const sent = decodeAggregationJobInitReq(body).verifyInits;
    expect(resps.map((r) => Buffer.from(r.reportId).toString('hex'))).toEqual(
      sent.map((v) => Buffer.from(v.reportShare.reportMetadata.reportId).toString('hex')),
    );
    expect(resps.map((r) => (r.type === 'reject' ? r.reportError : r.type))).toEqual(
      ms.map((_, i) => (kind(i) === 'ok' ? 'continue' : ReportError.hpke_decrypt_error)),
    );
  });

  it('answers unknown jobs, bad steps and deletions with the DAP errors', async () => {
    const unknown = await fetch(
      helperUrl(ResourcePath.aggregationJobs(d.task.id, new Uint8Array(16))),
      {
        headers: { authorization: `Bearer ${PEER_TOKEN}` },
      },
    );
    expect((await problem(unknown)).type).toBe(dap('unrecognizedAggregationJob'));
    const created = await post(
      helperUrl(path()),
      await initReq([2]),
      MediaType.aggregationJobInitReq,
      PEER_TOKEN,
    );
    await created.arrayBuffer();
    const job = new URL(created.headers.get('location')!.slice(1), d.helperHost.url);
    const before = state();
    const step0 = await post(
      job,
      encodeAggregationJobContinueReq({ step: 0, verifyContinues: [] }),
      MediaType.aggregationJobContinueReq,
      PEER_TOKEN,
    );
    expect((await problem(step0)).type).toBe(dap('invalidMessage'));
    const step1 = await post(
      job,
      encodeAggregationJobContinueReq({ step: 1, verifyContinues: [] }),
      MediaType.aggregationJobContinueReq,
      PEER_TOKEN,
    );
    expect((await problem(step1)).type).toBe(dap('stepMismatch'));
    const garbage = await post(
      job,
      new Uint8Array([9]),
      MediaType.aggregationJobContinueReq,
      PEER_TOKEN,
    );
    expect((await problem(garbage)).type).toBe(dap('invalidMessage'));
    expect(state()).toBe(before);
    const del = await fetch(job, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${PEER_TOKEN}` },
    });
    expect(del.status).toBe(200);
    const gone = await fetch(job, { headers: { authorization: `Bearer ${PEER_TOKEN}` } });
    expect((await problem(gone)).type).toBe(dap('unrecognizedAggregationJob'));
  });
});

describe('leader aggregation', () => {
  it('drops stored reports whose leader share fails to open, counts the rest once', async () => {
    // A bucket no other test uses. Upload checks only the config ID, so tampered shares are
    // stored; aggregation rejects them with hpke_decrypt_error and the batch holds the rest.
    const bucket = Math.floor(Date.now() / 1000 / d.task.timePrecision) - 30;
    const ms = Array.from({ length: 60 }, (_, i) => i % 16);
    const reports = await makeReports(d, ms, bucket);
    const tampered = (i: number) => i % 5 === 2 || i % 9 === 4;
    reports.forEach((r, i) => {
      if (!tampered(i)) return;
      const ct = r.leaderEncryptedInputShare;
      r.leaderEncryptedInputShare =
        i % 2 === 0
          ? { ...ct, payload: ct.payload.map((b, j) => (j === ct.payload.length - 1 ? b ^ 1 : b)) }
          : { ...ct, enc: ct.enc.map((b, j) => (j === 0 ? b ^ 1 : b)) };
    });
    const up = await upload(d, reports);
    expect(up.status).toBe(200);
    expect((await up.arrayBuffer()).byteLength).toBe(0);
    const req = timeIntervalCollectionReq(BigInt(bucket), 1n);
    const created = await postCollection(d, req);
    expect(created.status).toBe(201);
    const res = await awaitCollection(d, created.headers.get('location')!);
    expect(res.status).toBe(200);
    const { result, reportCount } = await openResult(
      d,
      req,
      new Uint8Array(await res.arrayBuffer()),
    );
    const kept = ms.filter((_, i) => !tampered(i));
    expect(reportCount).toBe(BigInt(kept.length));
    expect(result).toBe(BigInt(kept.reduce((a, b) => a + b, 0)));
  });
});

describe('helper aggregate shares', () => {
  const path = () => ResourcePath.aggregateShares(d.task.id);

  it('rejects random bodies, bad tokens, bad batches and wrong counts, no collection', async () => {
    const before = state();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 120 }), async (junk) => {
        const p = await problem(
          await post(helperUrl(path()), junk, MediaType.aggregateShareReq, PEER_TOKEN),
        );
        expect(p.type).toBe(dap('invalidMessage'));
      }),
      { numRuns: 15, seed: 3 },
    );
    const time = BigInt(Math.floor(Date.now() / 1000 / d.task.timePrecision));
    const mk = (duration: bigint, count: bigint) =>
      encodeAggregateShareReq({
        collectionJobReq: timeIntervalCollectionReq(time, duration),
        batchSelector: {
          batchMode: BatchMode.time_interval,
          batchInterval: { start: time, duration },
        },
        reportCount: count,
        checksum: new Uint8Array(32),
      });
    const noAuth = await post(helperUrl(path()), mk(1n, 1n), MediaType.aggregateShareReq);
    expect(noAuth.status).toBe(401);
    await noAuth.arrayBuffer();
    expect(
      (
        await problem(
          await post(helperUrl(path()), mk(0n, 1n), MediaType.aggregateShareReq, PEER_TOKEN),
        )
      ).type,
    ).toBe(dap('batchInvalid'));
    expect(
      (
        await problem(
          await post(helperUrl(path()), mk(1n, 9999n), MediaType.aggregateShareReq, PEER_TOKEN),
        )
      ).type,
    ).toBe(dap('batchMismatch'));
    const wrongMode = encodeAggregateShareReq({
      collectionJobReq: encodeCollectionJobReq({
        query: { batchMode: BatchMode.leader_selected },
        aggParam: new Uint8Array(0),
        extensions: [],
      }),
      batchSelector: { batchMode: BatchMode.leader_selected, batchId: new Uint8Array(32) },
      reportCount: 1n,
      checksum: new Uint8Array(32),
    });
    expect(
      (
        await problem(
          await post(helperUrl(path()), wrongMode, MediaType.aggregateShareReq, PEER_TOKEN),
        )
      ).type,
    ).toBe(dap('invalidMessage'));
    // An empty bucket is below min_batch_size.
    const empty = encodeAggregateShareReq({
      collectionJobReq: timeIntervalCollectionReq(time - 100n, 1n),
      batchSelector: {
        batchMode: BatchMode.time_interval,
        batchInterval: { start: time - 100n, duration: 1n },
      },
      reportCount: 0n,
      checksum: new Uint8Array(32),
    });
    expect(
      (await problem(await post(helperUrl(path()), empty, MediaType.aggregateShareReq, PEER_TOKEN)))
        .type,
    ).toBe(dap('invalidBatchSize'));
    expect(state()).toBe(before);
  });
});

describe('the task interval', () => {
  // draft-ietf-ppm-dap-18 §4.4.2.2, §4.5.3.4: a report outside the task interval is
  // report_dropped at upload, task_not_started or task_expired at aggregation.
  const nowUnits = () => Math.floor(Date.now() / 1000 / 3600);
  for (const [name, offset, error] of [
    ['not started', 10, ReportError.task_not_started],
    ['expired', -10, ReportError.task_expired],
  ] as const) {
    it(`drops reports of a task ${name} at upload and rejects them at the Helper`, async () => {
      const x = await deploy({
        vdaf: { type: 'Prio3Sum', maxMeasurement: 15 },
        leaderStore: `sqlite:${join(dir, `ti-l-${offset}.db`)}`,
        helperStore: `sqlite:${join(dir, `ti-h-${offset}.db`)}`,
        taskInterval: { start: nowUnits() + offset, duration: 5 },
      });
      try {
        const res = await upload(x, await makeReports(x, [1, 2]));
        expect(res.status).toBe(200);
        const errors = decodeUploadErrors(new Uint8Array(await res.arrayBuffer()));
        expect(errors.map((e) => e.error)).toEqual([
          ReportError.report_dropped,
          ReportError.report_dropped,
        ]);
        // A Leader that sent them anyway gets a per-report rejection, not an abort.
        const body = await initReq([3, 4], (v) => v, new Uint8Array(0), x);
        const job = await post(
          new URL(ResourcePath.aggregationJobs(x.task.id).slice(1), x.helperHost.url),
          body,
          MediaType.aggregationJobInitReq,
          PEER_TOKEN,
        );
        expect(job.status).toBe(200);
        const resps = decodeAggregationJobResp(new Uint8Array(await job.arrayBuffer()));
        expect(resps.map((r) => (r.type === 'reject' ? r.reportError : r.type))).toEqual([
          error,
          error,
        ]);
      } finally {
        await x.close();
      }
    });
  }
});

describe('a malicious Helper', () => {
  /** A Leader whose peer fetch rewrites the Helper's AggregationJobResp with `tamper`. */
  async function deployWith(tamper: (resps: VerifyResp[]) => VerifyResp[], name: string) {
    const rewriting: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!(String(input).endsWith('/aggregation_jobs') && init?.method === 'POST')) return res;
      const resps = decodeAggregationJobResp(new Uint8Array(await res.arrayBuffer()));
      return new Response(encodeAggregationJobResp(tamper(resps)) as unknown as BodyInit, {
        status: res.status,
        headers: res.headers,
      });
    };
    return deploy({
      vdaf: { type: 'Prio3Sum', maxMeasurement: 15 },
      leaderStore: `sqlite:${join(dir, `mal-l-${name}.db`)}`,
      helperStore: `sqlite:${join(dir, `mal-h-${name}.db`)}`,
      leaderOptions: { fetch: rewriting },
    });
  }
  const counted = async (x: Deployment) =>
    (await x.leader.datastore.transaction('t', (tx) => tx.summarizeBuckets(x.task.id))).reduce(
      (a, b) => a + b.count,
      0,
    );

  const abandoning: [string, (r: VerifyResp[]) => VerifyResp[]][] = [
    ['lists another report', (r) => [{ ...r[0], reportId: new Uint8Array(16) }, ...r.slice(1)]],
    ['answers fewer reports', (r) => r.slice(0, -1)],
    ['reorders the reports', (r) => [...r].reverse()],
    [
      'finishes without a message',
      (r) => [{ reportId: r[0].reportId, type: 'finish' }, ...r.slice(1)],
    ],
  ];
  for (const [name, tamper] of abandoning) {
    it(`that ${name} makes the Leader abandon the job and count none of it`, async () => {
      const x = await deployWith(tamper, name.replace(/ /g, '-'));
      try {
        expect((await upload(x, await makeReports(x, [1, 2, 3, 4]))).status).toBe(200);
        await x.leader.runDriversOnce();
        expect(await counted(x)).toBe(0);
        // The job is given up, not retried.
        const leases = await x.leader.datastore.transaction('t', (tx) =>
          tx.acquireAggregationJobs(Date.now() + 1e9, 1000, 10),
        );
        expect(leases).toEqual([]);
      } finally {
        await x.close();
      }
    });
  }

  it('that sends a garbage verifier message is caught at collection as batchMismatch', async () => {
    const x = await deployWith(
      (r) =>
        r.map((v, i) =>
          i === 1 && v.type === 'continue' ? { ...v, payload: new Uint8Array([7, 7, 7]) } : v,
        ),
      'garbage-payload',
    );
    try {
      const reports = await makeReports(x, [1, 2, 3, 4, 5]);
      expect((await upload(x, reports)).status).toBe(200);
      await x.leader.runDriversOnce();
      // The Leader rejects report 1 (its verifier message does not decode), the Helper
      // committed it: the counts differ, so the Helper refuses the aggregate share and the
      // Collector gets an error rather than a result counting report 1 on one side only.
      expect(await counted(x)).toBe(4);
      const req = timeIntervalCollectionReq(reports[0].reportMetadata.time, 1n);
      const res = await awaitCollection(x, (await postCollection(x, req)).headers.get('location')!);
      expect((await problem(res)).type).toBe(dap('batchMismatch'));
    } finally {
      await x.close();
    }
  });
});

describe('the admin API', () => {
  it('answers random and malformed bodies with 400 and changes nothing', async () => {
    const admin = 'admin-token-0123456789abcdef';
    const x = await deploy({
      vdaf: { type: 'Prio3Count' },
      leaderStore: `sqlite:${join(dir, 'admin-l.db')}`,
      helperStore: `sqlite:${join(dir, 'admin-h.db')}`,
      leaderOptions: { adminToken: admin },
    });
    try {
      const before = snapshot(join(dir, 'admin-l.db'));
      const send = (path: string, body: Uint8Array | string) =>
        fetch(new URL(path.slice(1), x.leaderHost.url), {
          method: 'POST',
          headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
          body: body as unknown as BodyInit,
        });
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.uint8Array({ minLength: 1, maxLength: 200 }),
            fc.json({ maxDepth: 2 }).filter((j) => !/^\{/.test(j)),
            fc
              .dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }))
              .map((o) => JSON.stringify(o)),
          ),
          async (body) => {
            const res = await send('/admin/tasks', body);
            expect(res.status).toBe(400);
            await res.arrayBuffer();
          },
        ),
        { numRuns: 60, seed: 8 },
      );
      for (const body of [
        new Uint8Array([0xff, 0xfe]),
        '[1]',
        '"x"',
        '{"graceSeconds":-1}',
        '{"graceSeconds":"1"}',
      ]) {
        const res = await send('/admin/hpke_keys/rotate', body);
        expect(res.status).toBe(400);
        await res.arrayBuffer();
      }
      const big = await send('/admin/tasks', 'x'.repeat(2 << 20));
      expect(big.status).toBe(413);
      await big.arrayBuffer();
      expect(snapshot(join(dir, 'admin-l.db'))).toBe(before);
    } finally {
      await x.close();
    }
  });
});

describe('item resources, methods and paths', () => {
  it('refuse wrong media types and oversized bodies on every POST endpoint', async () => {
    const t = d.task.id;
    const before = state();
    const created = await post(
      helperUrl(ResourcePath.aggregationJobs(t)),
      await initReq([1]),
      MediaType.aggregationJobInitReq,
      PEER_TOKEN,
    );
    expect(created.status).toBe(200);
    await created.arrayBuffer();
    const job = new URL(created.headers.get('location')!.slice(1), d.helperHost.url);
    const afterJob = state();
    expect(afterJob).not.toBe(before);
    const endpoints: [URL, string, string | undefined][] = [
      [leaderUrl(ResourcePath.reports(t)), MediaType.uploadReq, undefined],
      [helperUrl(ResourcePath.aggregationJobs(t)), MediaType.aggregationJobInitReq, PEER_TOKEN],
      [job, MediaType.aggregationJobContinueReq, PEER_TOKEN],
      [leaderUrl(ResourcePath.collectionJobs(t)), MediaType.collectionJobReq, COLLECTOR_TOKEN],
      [helperUrl(ResourcePath.aggregateShares(t)), MediaType.aggregateShareReq, PEER_TOKEN],
    ];
    const types = [
      'application/octet-stream',
      'application/ppm-dap;message=hpke-config-list',
      MediaType.uploadReq.replace('upload-req', 'upload-reqx'),
      '',
    ];
    for (const [url, right, token] of endpoints) {
      for (const type of types.filter((x) => x !== right)) {
        const res = await post(url, new Uint8Array(8), type, token);
        expect([url.pathname, type, res.status]).toEqual([url.pathname, type, 415]);
        await res.arrayBuffer();
      }
      const big = await post(url, new Uint8Array(65 * 1024), right, token);
      expect([url.pathname, big.status]).toEqual([url.pathname, 413]);
      await big.arrayBuffer();
    }
    expect(state()).toBe(afterJob);
  });

  it('answer wrong methods, bad or unknown IDs and bad tokens, changing no state', async () => {
    const id16 = Buffer.from(new Uint8Array(16).fill(9)).toString('base64url');
    const t = d.task.id;
    const send = (url: URL, method: string, token?: string) =>
      fetch(url, {
        method,
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      });
    const before = state();
    const cases: [URL, string, string | undefined, number, string?][] = [
      // Collection jobs at the Leader: collector token only, 16-byte IDs, GET and DELETE.
      [leaderUrl(`${ResourcePath.collectionJobs(t)}/${id16}`), 'DELETE', COLLECTOR_TOKEN, 404],
      [leaderUrl(`${ResourcePath.collectionJobs(t)}/${id16}`), 'DELETE', undefined, 401],
      [leaderUrl(`${ResourcePath.collectionJobs(t)}/${id16}`), 'DELETE', PEER_TOKEN, 403],
      [leaderUrl(`${ResourcePath.collectionJobs(t)}/short`), 'GET', COLLECTOR_TOKEN, 404],
      [leaderUrl(`${ResourcePath.collectionJobs(t)}/${id16}`), 'PUT', COLLECTOR_TOKEN, 405],
      [leaderUrl(ResourcePath.collectionJobs(t)), 'GET', COLLECTOR_TOKEN, 405],
      // Aggregate shares at the Helper: peer token only.
      [helperUrl(`${ResourcePath.aggregateShares(t)}/${id16}`), 'GET', PEER_TOKEN, 404],
      [helperUrl(`${ResourcePath.aggregateShares(t)}/${id16}`), 'DELETE', PEER_TOKEN, 404],
      [helperUrl(`${ResourcePath.aggregateShares(t)}/${id16}`), 'GET', COLLECTOR_TOKEN, 403],
      [helperUrl(`${ResourcePath.aggregateShares(t)}/${id16}`), 'DELETE', undefined, 401],
      [helperUrl(`${ResourcePath.aggregateShares(t)}/%ff%fe`), 'GET', PEER_TOKEN, 404],
      // Aggregation jobs: a malformed ID is unrecognizedAggregationJob; no PUT.
      [
        helperUrl(`${ResourcePath.aggregationJobs(t)}/not-an-id`),
        'GET',
        PEER_TOKEN,
        404,
        dap('unrecognizedAggregationJob'),
      ],
      [helperUrl(`${ResourcePath.aggregationJobs(t)}/${id16}`), 'PUT', PEER_TOKEN, 405],
      [helperUrl(`${ResourcePath.aggregationJobs(t)}/${id16}`), 'DELETE', undefined, 401],
      // A role's resources are not served by the other role.
      [
        leaderUrl(`${ResourcePath.aggregationJobs(t)}/${id16}`),
        'GET',
        PEER_TOKEN,
        404,
        dap('unrecognizedTask'),
      ],
      [
        helperUrl(`${ResourcePath.collectionJobs(t)}/${id16}`),
        'GET',
        COLLECTOR_TOKEN,
        404,
        dap('unrecognizedTask'),
      ],
      // Other paths and methods.
      [leaderUrl('/hpke_config'), 'POST', undefined, 405],
      [leaderUrl('/tasks'), 'GET', undefined, 404],
      [leaderUrl(`/tasks/${Buffer.from(t).toString('base64url')}/nothing`), 'GET', undefined, 404],
      [leaderUrl('/admin/tasks'), 'GET', undefined, 404], // the admin API is off here
      [leaderUrl('/../../etc/passwd'), 'GET', undefined, 404],
    ];
    for (const [url, method, token, status, type] of cases) {
      const res = await send(url, method, token);
      expect([url.pathname, method, res.status]).toEqual([url.pathname, method, status]);
      const p = await problem(res);
      if (type !== undefined) expect(p.type).toBe(type);
    }
    expect(state()).toBe(before);
  });
});

describe('collection', () => {
  it('rejects bad tokens, wrong modes, invalid intervals and random bodies', async () => {
    const before = state();
    const time = BigInt(Math.floor(Date.now() / 1000 / d.task.timePrecision));
    const ok = timeIntervalCollectionReq(time, 1n);
    const bad = await postCollection(d, ok, PEER_TOKEN);
    expect(bad.status).toBe(403);
    await bad.arrayBuffer();
    const mode = encodeCollectionJobReq({
      query: { batchMode: BatchMode.leader_selected },
      aggParam: new Uint8Array(0),
      extensions: [],
    });
    expect((await problem(await postCollection(d, mode))).type).toBe(dap('invalidMessage'));
    expect((await problem(await postCollection(d, timeIntervalCollectionReq(time, 0n)))).type).toBe(
      dap('batchInvalid'),
    );
    const param = encodeCollectionJobReq({
      query: { batchMode: BatchMode.time_interval, batchInterval: { start: time, duration: 1n } },
      aggParam: new Uint8Array([1]),
      extensions: [],
    });
    expect((await problem(await postCollection(d, param))).type).toBe(
      dap('invalidAggregationParameter'),
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 80 }), async (junk) => {
        const res = await postCollection(d, junk);
        expect((await problem(res)).type).toBe(dap('invalidMessage'));
      }),
      { numRuns: 15, seed: 4 },
    );
    const unknownJob = await fetch(
      leaderUrl(ResourcePath.collectionJobs(d.task.id, new Uint8Array(16))),
      {
        headers: { authorization: `Bearer ${COLLECTOR_TOKEN}` },
      },
    );
    expect(unknownJob.status).toBe(404);
    await unknownJob.arrayBuffer();
    expect(state()).toBe(before);
  });

  it('fails below min batch size, then refuses a second collection and uploads', async () => {
    // A bucket far in the past holds 2 reports (< min 5): the job fails with invalidBatchSize.
    const past = Math.floor(Date.now() / 1000 / d.task.timePrecision) - 5;
    expect((await upload(d, await makeReports(d, [1, 2], past))).status).toBe(200);
    const small = timeIntervalCollectionReq(BigInt(past), 1n);
    const created = await postCollection(d, small);
    expect(created.status).toBe(201);
    const failed = await awaitCollection(d, created.headers.get('location')!);
    expect((await problem(failed)).type).toBe(dap('invalidBatchSize'));

    // A bucket untouched by the helper-only tests: enough reports, collected once.
    const now = Math.floor(Date.now() / 1000 / d.task.timePrecision) - 10;
    expect((await upload(d, await makeReports(d, [1, 2, 3, 4, 5, 6], now))).status).toBe(200);
    const req = timeIntervalCollectionReq(BigInt(now), 1n);
    const job = await postCollection(d, req);
    const done = await awaitCollection(d, job.headers.get('location')!);
    expect(done.status).toBe(200);
    await done.arrayBuffer();

    const before = state();
    const overlap = timeIntervalCollectionReq(BigInt(now - 1), 2n);
    expect((await problem(await postCollection(d, overlap))).type).toBe(dap('batchOverlap'));
    const late = await upload(d, await makeReports(d, [1], now));
    const errors = decodeUploadErrors(new Uint8Array(await late.arrayBuffer()));
    expect(errors.map((e) => e.error)).toEqual([ReportError.batch_collected]);
    expect(state()).toBe(before);
  });
});
