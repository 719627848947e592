// The generic DAP upload path: reports for any Prio3 task reach the Leader's reports resource
// as an UploadRequest both aggregators can open; error responses become typed errors.
import {
  BatchMode,
  MediaType,
  Prio3Histogram,
  Role,
  decodeUploadRequest,
  encodeUploadErrors,
  generateHpkeKeypair,
  makeTaskConfiguration,
  openInputShare,
  vdafContext,
  type HpkeKeypair,
} from '@private-measurement/protocol';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  DapClient,
  ReportError,
  UploadError,
  uploadReports,
  type DapClientTask,
} from '../src/index.js';

let leader: HpkeKeypair;
let helper: HpkeKeypair;
let task: DapClientTask;
const vdaf = new Prio3Histogram(2, 4, 2, { backend: 'ts' });

beforeAll(async () => {
  leader = await generateHpkeKeypair(3);
  helper = await generateHpkeKeypair(4);
  task = {
    taskId: new Uint8Array(32).fill(9),
    taskConfiguration: makeTaskConfiguration({
      taskInfo: Uint8Array.of(1),
      leaderAggregatorEndpoint: 'https://leader.example/api/',
      helperAggregatorEndpoint: 'https://helper.example/',
      timePrecision: 60n,
      minBatchSize: 10n,
      batchMode: BatchMode.time_interval,
      vdaf: { type: 'Prio3Histogram', length: 4, chunkLength: 2 },
    }),
    leaderHpkeConfig: leader.config,
    helperHpkeConfig: helper.config,
  };
});

/** A fetch that records requests and answers with `respond`. */
function fakeFetch(respond: () => Response) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fn = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return respond();
  }) as unknown as typeof fetch;
  return { fn, calls };
}

describe('DapClient', () => {
  it('uploads an UploadRequest that both aggregators open, verify and sum', async () => {
    const { fn, calls } = fakeFetch(() => new Response(null, { status: 200 }));
    const dap = new DapClient({ task, vdaf, fetch: fn, now: () => 1_800_000_000_000 });
    await dap.sendMeasurement(2);

    expect(calls).toHaveLength(1);
    const id = Buffer.from(task.taskId).toString('base64url');
    expect(calls[0]!.url).toBe(`https://leader.example/api/tasks/${id}/reports`);
    expect(calls[0]!.init.method).toBe('POST');
    expect((calls[0]!.init.headers as Record<string, string>)['content-type']).toBe(
      MediaType.uploadReq,
    );

    const [report] = decodeUploadRequest(calls[0]!.init.body as Uint8Array);
    expect(report!.reportMetadata.time).toBe(30_000_000n);
    const ctx = vdafContext(task.taskId);
    const verifyKey = new Uint8Array(32);
    const publicShare = vdaf.decodePublicShare(report!.publicShare);
    const inits = [];
    for (const [aggId, role, keys, ct] of [
      [0, Role.leader, leader, report!.leaderEncryptedInputShare],
      [1, Role.helper, helper, report!.helperEncryptedInputShare],
    ] as const) {
      const plain = await openInputShare({
        taskId: task.taskId,
        taskConfiguration: task.taskConfiguration,
        role,
        keys,
        reportMetadata: report!.reportMetadata,
        publicShare: report!.publicShare,
        encryptedInputShare: ct,
      });
      const share = vdaf.decodeInputShare(aggId, plain.payload);
      inits.push(
        vdaf.verifyInit(verifyKey, ctx, aggId, report!.reportMetadata.reportId, publicShare, share),
      );
    }
    const msg = vdaf.verifierSharesToMessage(
      ctx,
      inits.map((i) => i.verifierShare),
    );
    const out = inits.map((i) => vdaf.aggregate([vdaf.verifyNext(ctx, i.state, msg)]));
    expect(vdaf.unshard(out, 1)).toEqual([0n, 0n, 1n, 0n]);
  });

  it('an invalid measurement is a ReportError and nothing is sent', async () => {
    const { fn, calls } = fakeFetch(() => new Response(null));
    const dap = new DapClient({ task, vdaf, fetch: fn });
    await expect(dap.sendMeasurement(7)).rejects.toBeInstanceOf(ReportError);
    expect(calls).toHaveLength(0);
  });

  it('a rejected report is an UploadError naming the DAP report error', async () => {
    const dap = new DapClient({ task, vdaf, fetch: fakeFetch(() => new Response(null)).fn });
    const report = await dap.prepareReport(1);
    const { fn } = fakeFetch(
      () =>
        new Response(
          encodeUploadErrors([{ id: new Uint8Array(16), error: 2 }]) as Uint8Array<ArrayBuffer>,
          {
            headers: { 'content-type': MediaType.uploadErrors },
          },
        ),
    );
    expect(await uploadReports('https://leader.example/api/', task.taskId, [report], fn)).toEqual([
      { id: new Uint8Array(16), error: 2 },
    ]);
    const failing = new DapClient({ task, vdaf, fetch: fn });
    await expect(failing.sendMeasurement(1)).rejects.toThrow(/report_replayed/);
  });

  it('error responses and network failures are UploadErrors', async () => {
    const report = await new DapClient({ task, vdaf }).prepareReport(0);
    const problem = fakeFetch(
      () =>
        new Response(JSON.stringify({ type: 'urn:ietf:params:ppm:dap:error:unrecognizedTask' }), {
          status: 404,
          headers: { 'content-type': 'application/problem+json' },
        }),
    );
    await expect(
      uploadReports('https://l.example/', task.taskId, [report], problem.fn),
    ).rejects.toMatchObject({
      code: 'UPLOAD',
      status: 404,
      problemType: 'urn:ietf:params:ppm:dap:error:unrecognizedTask',
    });
    const down = (async () =>
      Promise.reject(new TypeError('fetch failed'))) as unknown as typeof fetch;
    await expect(
      uploadReports('https://l.example/', task.taskId, [report], down),
    ).rejects.toBeInstanceOf(UploadError);
    await expect(
      uploadReports('https://l.example/', task.taskId, [Uint8Array.of(1, 2, 3)], problem.fn),
    ).rejects.toBeInstanceOf(ReportError);
  });
});
