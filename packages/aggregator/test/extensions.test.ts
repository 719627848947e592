// Task and report extensions a task is provisioned with: task extensions enter the encoded
// TaskConfiguration (so reports sealed over it open), accepted report extension types aggregate,
// and every other type, a duplicate or a misordered vector is rejected (draft-ietf-ppm-dap-18
// §4.5.3.4 steps 5-7).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeHpkeConfigList,
  encodeHpkeConfig,
  generateHpkeKeypair,
  ReportError,
  sealReport,
  type Extension,
  type Report,
} from '@private-measurement/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTaskSpec, type TaskSpec } from '../src/config.js';
import { extensionError } from '../src/core/reports.js';
import { taskFromSpec } from '../src/core/task.js';
import {
  awaitCollection,
  b64,
  COLLECTOR_TOKEN,
  deploy,
  openResult,
  PEER_TOKEN,
  postCollection,
  startHost,
  timeIntervalCollectionReq,
  upload,
  type Deployment,
} from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'pm-ext-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ext = (extensionType: number, bytes: number[] = []): Extension => ({
  extensionType,
  extensionData: Uint8Array.from(bytes),
});

describe('extensionError', () => {
  const accepted = new Set([0xff03, 0xff04]);
  it('accepts listed types in strictly increasing order', () => {
    expect(extensionError([], [], accepted)).toBeUndefined();
    expect(extensionError([ext(0xff03, [1])], [ext(0xff04)], accepted)).toBeUndefined();
  });
  it('rejects unlisted types, duplicates and misordered vectors with invalid_message', () => {
    expect(extensionError([ext(7)], [])).toBe(ReportError.invalid_message);
    expect(extensionError([ext(0xff03)], [ext(9)], accepted)).toBe(ReportError.invalid_message);
    expect(extensionError([ext(0xff03)], [ext(0xff03)], accepted)).toBe(
      ReportError.invalid_message,
    );
    expect(extensionError([ext(0xff04), ext(0xff03)], [], accepted)).toBe(
      ReportError.invalid_message,
    );
  });
});

describe('task specification', () => {
  const base = (extra: Record<string, unknown>): Record<string, unknown> => ({
    taskId: b64(randomBytes(32)),
    role: 'helper',
    leaderEndpoint: 'https://leader.example/',
    helperEndpoint: 'https://helper.example/',
    taskInfo: 'x',
    timePrecision: 5,
    minBatchSize: 1,
    batchMode: 'leader_selected',
    vdaf: { type: 'Prio3Count' },
    vdafVerifyKey: b64(randomBytes(32)),
    collectorHpkeConfig: b64(Uint8Array.from([1, 0, 0x20, 0, 1, 0, 1, 0, 1, 9])),
    aggregatorAuthToken: PEER_TOKEN,
    dp: { mechanism: 'discrete-laplace', epsilon: 1 },
    ...extra,
  });

  it('puts task extensions into the configuration in increasing type order', () => {
    const spec = parseTaskSpec(
      base({
        taskExtensions: [
          { type: 0xff02, data: 'AQI' },
          { type: 0xff01, data: '' },
        ],
        reportExtensions: [0xff03],
      }),
    );
    const task = taskFromSpec(spec);
    expect(task.config.extensions.map((e) => e.extensionType)).toEqual([0xff01, 0xff02]);
    expect([...task.config.extensions[1].extensionData]).toEqual([1, 2]);
    expect([...task.reportExtensions]).toEqual([0xff03]);
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['not an array', { taskExtensions: {} }, /^task\.taskExtensions: expected an array/],
    [
      'task_interval type',
      { taskExtensions: [{ type: 1, data: '' }] },
      /^task\.taskExtensions\[0\]\.type: expected an integer in \[2, 65535\]/,
    ],
    [
      'duplicate type',
      {
        taskExtensions: [
          { type: 9, data: '' },
          { type: 9, data: 'AA' },
        ],
      },
      /^task\.taskExtensions\[1\]\.type: duplicate extension type 9$/,
    ],
    [
      'data alphabet',
      { taskExtensions: [{ type: 9, data: 'a+b' }] },
      /^task\.taskExtensions\[0\]\.data: expected unpadded base64url/,
    ],
    [
      'unknown member',
      { taskExtensions: [{ type: 9, data: '', critical: true }] },
      /^task\.taskExtensions\[0\]\.critical: unknown field$/,
    ],
    [
      'report type range',
      { reportExtensions: [0] },
      /^task\.reportExtensions\[0\]: expected an integer in \[1, 65535\]/,
    ],
    [
      'report duplicates',
      { reportExtensions: [5, 5] },
      /^task\.reportExtensions: expected distinct extension types/,
    ],
  ];
  for (const [name, extra, message] of bad) {
    it(`names the bad field: ${name}`, () => {
      expect(() => parseTaskSpec(base(extra))).toThrow(message);
    });
  }
});

describe('round trip with extensions (SQLite, HTTP)', () => {
  const PRIVACY_BUDGET = 0xff03;

  async function deployWithExtensions(): Promise<Deployment> {
    const leaderHost = await startHost();
    const helperHost = await startHost();
    const collectorKeys = await generateHpkeKeypair(7);
    const spec: TaskSpec = {
      taskId: b64(randomBytes(32)),
      role: 'leader',
      leaderEndpoint: leaderHost.url,
      helperEndpoint: helperHost.url,
      taskInfo: 'ext test',
      timePrecision: 3600,
      minBatchSize: 1,
      batchMode: 'time_interval',
      taskExtensions: [
        { type: 0xff01, data: b64(new TextEncoder().encode('collector.example')) },
        { type: 0xff02, data: b64(new TextEncoder().encode('shop.example')) },
      ],
      reportExtensions: [PRIVACY_BUDGET],
      vdaf: { type: 'Prio3Count' },
      vdafVerifyKey: b64(randomBytes(32)),
      collectorHpkeConfig: b64(encodeHpkeConfig(collectorKeys.config)),
      aggregatorAuthToken: PEER_TOKEN,
      collectorAuthToken: COLLECTOR_TOKEN,
      dp: { mechanism: 'discrete-laplace', epsilon: 1 },
    };
    const n = randomBytes(4).toString('hex');
    return deploy(
      {
        vdaf: spec.vdaf,
        leaderStore: `sqlite:${join(dir, `l${n}.db`)}`,
        helperStore: `sqlite:${join(dir, `h${n}.db`)}`,
      },
      { leaderHost, helperHost, spec, collectorKeys },
    );
  }

  async function seal(d: Deployment, m: number, publicExtensions: Extension[]): Promise<Report> {
    const config = async (url: string) =>
      decodeHpkeConfigList(
        new Uint8Array(await (await fetch(new URL('hpke_config', url))).arrayBuffer()),
      )[0];
    const t = d.task;
    const reportId = new Uint8Array(randomBytes(16));
    const { publicShare, inputShares } = t.vdaf.shard(
      t.ctx,
      m,
      reportId,
      new Uint8Array(randomBytes(t.vdaf.randSize)),
    );
    return sealReport({
      taskId: t.id,
      taskConfiguration: t.config,
      leaderHpkeConfig: await config(d.leaderHost.url),
      helperHpkeConfig: await config(d.helperHost.url),
      reportId,
      time: BigInt(Math.floor(Date.now() / 1000 / t.timePrecision)),
      publicExtensions,
      publicShare: t.vdaf.encodePublicShare(publicShare),
      leaderInputShare: t.vdaf.encodeInputShare(inputShares[0]),
      helperInputShare: t.vdaf.encodeInputShare(inputShares[1]),
    });
  }

  it('aggregates reports with an accepted extension and drops the others', async () => {
    const d = await deployWithExtensions();
    try {
      expect(d.task.config.extensions).toHaveLength(2);
      const good = [1, 1, 0, 1].map((m) => seal(d, m, [ext(PRIVACY_BUDGET, [0, 0, 0, 1])]));
      const plain = seal(d, 1, []);
      const unknown = seal(d, 1, [ext(0xff09)]);
      const reports = await Promise.all([...good, plain, unknown]);
      const up = await upload(d, reports);
      expect(up.status).toBe(200);
      await up.arrayBuffer();

      const req = timeIntervalCollectionReq(reports[0].reportMetadata.time, 1n);
      const created = await postCollection(d, req);
      expect(created.status).toBe(201);
      const res = await awaitCollection(d, created.headers.get('location')!);
      expect(res.status).toBe(200);
      const { result, reportCount } = await openResult(
        d,
        req,
        new Uint8Array(await res.arrayBuffer()),
      );
      // The four with the accepted extension and the one without; the unknown type is dropped.
      expect(reportCount).toBe(5n);
      expect(result).toBe(4n);
    } finally {
      await d.close();
    }
  });
});
