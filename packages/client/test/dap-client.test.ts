// The generic DAP upload path: reports for any Prio3 task reach the Leader's reports resource as
// an UploadRequest both aggregators can open; extensions, time rounding, batching, retries,
// hpke_config fetched only on request, and a typed error for every answer the Leader can give.
import {
  BatchMode,
  MediaType,
  Prio3Histogram,
  ReportError as DapReportError,
  Role,
  decodeUploadRequest,
  encodeHpkeConfig,
  encodeHpkeConfigList,
  encodeUploadErrors,
  generateHpkeKeypair,
  makeTaskConfiguration,
  openInputShare,
  reportErrorName,
  vdafContext,
  type HpkeKeypair,
  type ReportUploadStatus,
} from '@private-measurement/protocol';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  ConfigError,
  DapClient,
  ReportError,
  UploadError,
  fetchHpkeConfig,
  uploadReports,
  type DapClientOptions,
  type DapClientTask,
} from '../src/index.js';

let leader: HpkeKeypair;
let helper: HpkeKeypair;
let task: DapClientTask;
const vdaf = new Prio3Histogram(2, 4, 2, { backend: 'ts' });
const LEADER = 'https://leader.example/api/';
const HELPER = 'https://helper.example/';

beforeAll(async () => {
  leader = await generateHpkeKeypair(3);
  helper = await generateHpkeKeypair(4);
  task = {
    taskId: new Uint8Array(32).fill(9),
    taskConfiguration: makeTaskConfiguration({
      taskInfo: Uint8Array.of(1),
      leaderAggregatorEndpoint: LEADER,
      helperAggregatorEndpoint: HELPER,
      timePrecision: 60n,
      minBatchSize: 10n,
      batchMode: BatchMode.time_interval,
      vdaf: { type: 'Prio3Histogram', length: 4, chunkLength: 2 },
    }),
    leaderHpkeConfig: leader.config,
    helperHpkeConfig: helper.config,
  };
});

interface Call {
  url: string;
  method: string;
  reports: ReturnType<typeof decodeUploadRequest>;
}

/** A fetch that records requests and answers each with `respond(call, n)`. */
function fakeFetch(respond: (call: Call, n: number) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fn = (async (url: string, init: RequestInit) => {
    const call: Call = {
      url,
      method: init.method ?? 'GET',
      reports: init.body === undefined ? [] : decodeUploadRequest(init.body as Uint8Array),
    };
    calls.push(call);
    return respond(call, calls.length);
  }) as unknown as typeof fetch;
  return { fn, calls };
}

/** An UploadErrors response rejecting the given reports of a call. */
function rejecting(statuses: ReportUploadStatus[]): Response {
  return new Response(encodeUploadErrors(statuses) as Uint8Array<ArrayBuffer>, {
    headers: { 'content-type': MediaType.uploadErrors },
  });
}

const ok = () => new Response(null, { status: 200 });
const noSleep = { sleep: async () => {} };

function client(extra: Partial<DapClientOptions<number>> = {}) {
  return new DapClient<number>({ task, vdaf, ...noSleep, ...extra });
}

/** Open, verify and unshard one report as both aggregators would. */
async function aggregateOne(report: Call['reports'][number]) {
  const ctx = vdafContext(task.taskId);
  const publicShare = vdaf.decodePublicShare(report.publicShare);
  const inits = [];
  const privateExtensions = [];
  for (const [aggId, role, keys, ct] of [
    [0, Role.leader, leader, report.leaderEncryptedInputShare],
    [1, Role.helper, helper, report.helperEncryptedInputShare],
  ] as const) {
    const plain = await openInputShare({
      taskId: task.taskId,
      taskConfiguration: task.taskConfiguration,
      role,
      keys,
      reportMetadata: report.reportMetadata,
      publicShare: report.publicShare,
      encryptedInputShare: ct,
    });
    privateExtensions.push(plain.privateExtensions);
    const share = vdaf.decodeInputShare(aggId, plain.payload);
    const nonce = report.reportMetadata.reportId;
    inits.push(vdaf.verifyInit(new Uint8Array(32), ctx, aggId, nonce, publicShare, share));
  }
  const msg = vdaf.verifierSharesToMessage(
    ctx,
    inits.map((i) => i.verifierShare),
  );
  const out = inits.map((i) => vdaf.aggregate([vdaf.verifyNext(ctx, i.state, msg)]));
  return { sum: vdaf.unshard(out, 1), privateExtensions };
}

describe('DapClient reports', () => {
  it('uploads an UploadRequest that both aggregators open, verify and sum', async () => {
    const { fn, calls } = fakeFetch(ok);
    const publicExtensions = [{ extensionType: 0xff10, extensionData: Uint8Array.of(1) }];
    const dap = client({
      fetch: fn,
      // 59.999 s past a minute boundary: the time rounds down to the minute.
      now: () => 1_800_000_059_999,
      publicExtensions,
      leaderPrivateExtensions: [{ extensionType: 0xff20, extensionData: Uint8Array.of(2) }],
      helperPrivateExtensions: [{ extensionType: 0xff30, extensionData: Uint8Array.of(3, 3) }],
    });
    await dap.sendMeasurement(2);

    expect(calls).toHaveLength(1);
    const id = Buffer.from(task.taskId).toString('base64url');
    expect(calls[0]!.url).toBe(`https://leader.example/api/tasks/${id}/reports`);
    expect(calls[0]!.method).toBe('POST');
    const [report] = calls[0]!.reports;
    expect(report!.reportMetadata.time).toBe(30_000_000n);
    expect(report!.reportMetadata.reportId).toHaveLength(16);
    expect(report!.reportMetadata.publicExtensions).toEqual(publicExtensions);
    const { sum, privateExtensions } = await aggregateOne(report!);
    expect(sum).toEqual([0n, 0n, 1n, 0n]);
    expect(privateExtensions).toEqual([
      [{ extensionType: 0xff20, extensionData: Uint8Array.of(2) }],
      [{ extensionType: 0xff30, extensionData: Uint8Array.of(3, 3) }],
    ]);
  });

  it('an invalid measurement is a ReportError and nothing is sent', async () => {
    const { fn, calls } = fakeFetch(ok);
    await expect(client({ fetch: fn }).sendMeasurement(7)).rejects.toBeInstanceOf(ReportError);
    await expect(client({ fetch: fn }).sendMeasurements([1, 2, 9])).rejects.toBeInstanceOf(
      ReportError,
    );
    expect(calls).toHaveLength(0);
  });

  it('sends batches of batchSize reports and reports each rejection by index', async () => {
    const { fn, calls } = fakeFetch((call, n) =>
      n === 2 ? rejecting([{ id: call.reports[1]!.reportMetadata.reportId, error: 2 }]) : ok(),
    );
    const result = await client({ fetch: fn, batchSize: 2 }).sendMeasurements([0, 1, 2, 3, 0]);
    expect(calls.map((c) => c.reports.length)).toEqual([2, 2, 1]);
    expect(result.accepted).toBe(4);
    expect(result.rejected).toEqual([
      {
        index: 3,
        reportId: calls[1]!.reports[1]!.reportMetadata.reportId,
        error: 2,
        errorName: 'report_replayed',
      },
    ]);
    const sums = await Promise.all(calls.flatMap((c) => c.reports).map(aggregateOne));
    expect(sums.map((s) => s.sum.indexOf(1n))).toEqual([0, 1, 2, 3, 0]);
    expect(await client({ fetch: fn }).sendMeasurements([])).toEqual({ accepted: 0, rejected: [] });
  });
});

describe('DapClient errors', () => {
  it('every DAP report error becomes an UploadError carrying its code', async () => {
    for (const [name, code] of Object.entries(DapReportError)) {
      const { fn } = fakeFetch((call) =>
        rejecting([{ id: call.reports[0]!.reportMetadata.reportId, error: code }]),
      );
      const error = await client({ fetch: fn })
        .sendMeasurement(1)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(UploadError);
      expect(error).toMatchObject({ code: 'UPLOAD', reportError: code, status: 200 });
      expect((error as Error).message).toContain(name);
    }
    // A code outside the registry is still reported, by number.
    const { fn } = fakeFetch((call) =>
      rejecting([{ id: call.reports[0]!.reportMetadata.reportId, error: 200 }]),
    );
    await expect(client({ fetch: fn }).sendMeasurement(1)).rejects.toMatchObject({
      reportError: 200,
      message: expect.stringContaining(reportErrorName(200)),
    });
  });

  it('every DAP abort becomes an UploadError with its status and problem type', async () => {
    for (const [token, status] of [
      ['invalidMessage', 400],
      ['unrecognizedTask', 404],
      ['unsupportedExtension', 400],
      ['invalidExtension', 400],
    ] as const) {
      const type = `urn:ietf:params:ppm:dap:error:${token}`;
      const { fn, calls } = fakeFetch(
        () =>
          new Response(JSON.stringify({ type, status }), {
            status,
            headers: { 'content-type': 'application/problem+json' },
          }),
      );
      const error = await client({ fetch: fn })
        .sendMeasurement(1)
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'UPLOAD', status, problemType: type });
      expect((error as Error).message).toContain(token);
      expect(calls).toHaveLength(1); // a client error is not retried
    }
    // A problem body that is not JSON, and a status without a body.
    for (const response of [
      () =>
        new Response('{', { status: 400, headers: { 'content-type': 'application/problem+json' } }),
      () => new Response(null, { status: 403 }),
    ]) {
      await expect(
        client({ fetch: fakeFetch(response).fn }).sendMeasurement(1),
      ).rejects.toMatchObject({ code: 'UPLOAD', problemType: undefined });
    }
  });

  it('malformed success answers are UploadErrors', async () => {
    for (const respond of [
      // Bytes without the upload-errors media type.
      () => new Response(Uint8Array.of(1, 2, 3), { headers: { 'content-type': 'text/plain' } }),
      // An UploadErrors body that does not decode.
      () =>
        new Response(Uint8Array.of(1, 2, 3), {
          headers: { 'content-type': MediaType.uploadErrors },
        }),
      // A rejection of a report that was not sent.
      () => rejecting([{ id: new Uint8Array(16).fill(0xee), error: 2 }]),
    ]) {
      await expect(
        client({ fetch: fakeFetch(respond).fn }).sendMeasurement(1),
      ).rejects.toBeInstanceOf(UploadError);
    }
  });
});

describe('DapClient retries', () => {
  it('retries network failures and transient statuses with backoff, honouring Retry-After', async () => {
    const sleeps: number[] = [];
    const { fn, calls } = fakeFetch((_, n) => {
      if (n === 1) throw new TypeError('fetch failed');
      if (n === 2) return new Response(null, { status: 503, headers: { 'retry-after': '1' } });
      if (n === 3) return new Response(null, { status: 429 });
      return ok();
    });
    const dap = client({
      fetch: fn,
      sleep: async (ms) => void sleeps.push(ms),
      retry: { retries: 3, baseDelayMs: 100, maxDelayMs: 5000 },
    });
    await dap.sendMeasurement(1);
    expect(calls).toHaveLength(4);
    // Exponential from 100 ms; the 503's Retry-After of 1 s wins over 200 ms.
    expect(sleeps).toEqual([100, 1000, 400]);
    // The same UploadRequest each time: uploads are idempotent.
    const ids = calls.map((c) =>
      Buffer.from(c.reports[0]!.reportMetadata.reportId).toString('hex'),
    );
    expect(new Set(ids).size).toBe(1);
  });

  it('gives up after the last retry, and never retries with retries 0', async () => {
    const down = fakeFetch(() => new Response(null, { status: 502 }));
    await expect(
      client({ fetch: down.fn, retry: { retries: 2 } }).sendMeasurement(1),
    ).rejects.toMatchObject({ code: 'UPLOAD', status: 502 });
    expect(down.calls).toHaveLength(3);

    const offline = fakeFetch(() => {
      throw new TypeError('fetch failed');
    });
    await expect(
      client({ fetch: offline.fn, retry: { retries: 0 } }).sendMeasurement(1),
    ).rejects.toMatchObject({ code: 'UPLOAD', status: 0 });
    expect(offline.calls).toHaveLength(1);
  });
});

describe('DapClient HPKE configurations', () => {
  const unprovisioned = () => ({
    taskId: task.taskId,
    taskConfiguration: task.taskConfiguration,
  });

  /** An aggregator answering hpke_config with its list, and uploads with `upload`. */
  function aggregators(
    lists: { leader: () => Response; helper: () => Response },
    upload: (call: Call, n: number) => Response = ok,
  ) {
    let uploads = 0;
    return fakeFetch((call) => {
      if (call.url === `${LEADER}hpke_config`) return lists.leader();
      if (call.url === `${HELPER}hpke_config`) return lists.helper();
      return upload(call, ++uploads);
    });
  }

  const listResponse = (...configs: Parameters<typeof encodeHpkeConfigList>[0]) =>
    new Response(encodeHpkeConfigList(configs) as Uint8Array<ArrayBuffer>, {
      headers: { 'content-type': MediaType.hpkeConfigList },
    });

  it('fetches nothing unless asked, and refuses to seal without configurations', async () => {
    const { fn, calls } = fakeFetch(ok);
    const dap = new DapClient<number>({ task: unprovisioned(), vdaf, fetch: fn });
    await expect(dap.sendMeasurement(1)).rejects.toBeInstanceOf(ConfigError);
    expect(calls).toHaveLength(0);
  });

  it('fetchHpkeConfigs GETs both lists and picks the first supported configuration', async () => {
    const unsupported = { ...leader.config, id: 1, aeadId: 3 };
    const { fn, calls } = aggregators({
      leader: () => listResponse(unsupported, leader.config),
      helper: () => listResponse(helper.config),
    });
    const dap = new DapClient<number>({ task: unprovisioned(), vdaf, fetch: fn });
    await dap.fetchHpkeConfigs();
    await dap.sendMeasurement(3);
    expect(
      calls
        .map((c) => `${c.method} ${c.url}`)
        .slice(0, 2)
        .sort(),
    ).toEqual([`GET ${HELPER}hpke_config`, `GET ${LEADER}hpke_config`]);
    expect((await aggregateOne(calls[2]!.reports[0]!)).sum).toEqual([0n, 0n, 0n, 1n]);
  });

  it('an unusable hpke_config answer is an UploadError', async () => {
    const bad: Array<() => Response> = [
      () => new Response(null, { status: 500 }),
      () => new Response(encodeHpkeConfig(leader.config) as Uint8Array<ArrayBuffer>),
      () =>
        new Response(Uint8Array.of(0, 0) as Uint8Array<ArrayBuffer>, {
          headers: { 'content-type': MediaType.hpkeConfigList },
        }),
      () =>
        new Response(Uint8Array.of(0, 3, 1, 2, 3) as Uint8Array<ArrayBuffer>, {
          headers: { 'content-type': MediaType.hpkeConfigList },
        }),
      () => listResponse({ ...leader.config, kemId: 0x0010 }),
    ];
    for (const answer of bad) {
      const { fn } = fakeFetch(answer);
      await expect(fetchHpkeConfig(LEADER, fn)).rejects.toBeInstanceOf(UploadError);
    }
    const offline = (async () => Promise.reject(new TypeError('x'))) as unknown as typeof fetch;
    await expect(fetchHpkeConfig(LEADER, offline)).rejects.toMatchObject({ status: 0 });
    await expect(fetchHpkeConfig('not a url')).rejects.toBeInstanceOf(ConfigError);
    await expect(fetchHpkeConfig('ftp://leader.example/')).rejects.toBeInstanceOf(ConfigError);
  });

  it('after a fetch, outdated_config refreshes the configurations and resends once', async () => {
    const rotated = await generateHpkeKeypair(5);
    let leaderConfig = rotated.config;
    const { fn, calls } = aggregators(
      {
        leader: () => listResponse(leaderConfig),
        helper: () => listResponse(helper.config),
      },
      (call, n) =>
        n === 1 ? rejecting([{ id: call.reports[0]!.reportMetadata.reportId, error: 11 }]) : ok(),
    );
    const dap = new DapClient<number>({ task: unprovisioned(), vdaf, fetch: fn });
    await dap.fetchHpkeConfigs();
    leaderConfig = leader.config; // the Leader rotated back to the key we can check
    expect(await dap.sendMeasurements([2])).toEqual({ accepted: 1, rejected: [] });
    const uploads = calls.filter((c) => c.method === 'POST');
    expect(uploads).toHaveLength(2);
    expect(uploads[1]!.reports[0]!.leaderEncryptedInputShare.configId).toBe(leader.config.id);
    expect((await aggregateOne(uploads[1]!.reports[0]!)).sum).toEqual([0n, 0n, 1n, 0n]);
  });

  it('with provisioned configurations, outdated_config is reported and nothing is fetched', async () => {
    const { fn, calls } = fakeFetch((call) =>
      rejecting([{ id: call.reports[0]!.reportMetadata.reportId, error: 11 }]),
    );
    const result = await client({ fetch: fn }).sendMeasurements([1]);
    expect(result.rejected.map((r) => r.errorName)).toEqual(['outdated_config']);
    expect(calls.every((c) => c.method === 'POST')).toBe(true);
  });
});

describe('hostile options', () => {
  it('every malformed DapClient option is a ConfigError', () => {
    const good = () => ({ task: { ...task }, vdaf }) as DapClientOptions<number>;
    const cases: Array<[string, (o: DapClientOptions<number>) => void]> = [
      ['no task', (o) => ((o as { task?: unknown }).task = undefined)],
      ['short task ID', (o) => (o.task.taskId = new Uint8Array(31))],
      ['task ID not bytes', (o) => ((o.task as { taskId: unknown }).taskId = 'x'.repeat(32))],
      [
        'no task configuration',
        (o) => ((o.task as { taskConfiguration?: unknown }).taskConfiguration = {}),
      ],
      [
        'leader URL not http',
        (o) =>
          (o.task.taskConfiguration = {
            ...o.task.taskConfiguration,
            leaderAggregatorEndpoint: 'file:///etc/',
          }),
      ],
      ['leader config undecodable', (o) => (o.task.leaderHpkeConfig = Uint8Array.of(1, 2))],
      [
        'helper config unsupported',
        (o) => (o.task.helperHpkeConfig = { ...helper.config, aeadId: 2 }),
      ],
      [
        'helper key wrong length',
        (o) => (o.task.helperHpkeConfig = { ...helper.config, publicKey: new Uint8Array(31) }),
      ],
      [
        'leader config not an object',
        (o) => ((o.task as { leaderHpkeConfig: unknown }).leaderHpkeConfig = 5),
      ],
      ['no vdaf', (o) => ((o as { vdaf?: unknown }).vdaf = {})],
      ['fetch not a function', (o) => ((o as { fetch: unknown }).fetch = 'fetch')],
      ['now not a function', (o) => ((o as { now: unknown }).now = 5)],
      ['zero batch', (o) => (o.batchSize = 0)],
      ['fractional batch', (o) => (o.batchSize = 1.5)],
      ['negative retries', (o) => (o.retry = { retries: -1 })],
      ['NaN delay', (o) => (o.retry = { baseDelayMs: NaN })],
      [
        'extension type 0',
        (o) => (o.publicExtensions = [{ extensionType: 0, extensionData: new Uint8Array() }]),
      ],
      [
        'extension data not bytes',
        (o) => (o.publicExtensions = [{ extensionType: 1, extensionData: [1] as never }]),
      ],
      ['extensions not an array', (o) => (o.leaderPrivateExtensions = {} as never)],
      [
        'a type public and private',
        (o) => {
          o.publicExtensions = [{ extensionType: 9, extensionData: new Uint8Array() }];
          o.helperPrivateExtensions = [{ extensionType: 9, extensionData: new Uint8Array() }];
        },
      ],
    ];
    expect(() => new DapClient(good())).not.toThrow();
    for (const [name, spoil] of cases) {
      const options = good();
      spoil(options);
      expect(() => new DapClient(options), name).toThrow(ConfigError);
    }
    expect(() => new DapClient(null as never)).toThrow(ConfigError);
  });

  it('a misbehaving clock or random source is a ConfigError and sends nothing', async () => {
    const { fn, calls } = fakeFetch(ok);
    for (const extra of [
      { now: () => NaN },
      { now: () => -1 },
      { randomBytes: (n: number) => new Uint8Array(n - 1) },
      { randomBytes: () => 'random' as never },
    ]) {
      await expect(client({ fetch: fn, ...extra }).sendMeasurement(1)).rejects.toBeInstanceOf(
        ConfigError,
      );
    }
    await expect(client({ fetch: fn }).sendMeasurements('123' as never)).rejects.toBeInstanceOf(
      ReportError,
    );
    expect(calls).toHaveLength(0);
  });

  it('uploadReports refuses bad targets and bad reports before sending', async () => {
    const { fn, calls } = fakeFetch(ok);
    const report = await client().prepareReport(0);
    expect(await uploadReports(LEADER, task.taskId, [report], fn)).toEqual([]);
    for (const [url, id] of [
      ['leader.example', task.taskId],
      ['javascript:alert(1)', task.taskId],
      [LEADER, new Uint8Array(16)],
      [7, task.taskId],
    ] as const) {
      await expect(uploadReports(url as string, id, [report], fn)).rejects.toBeInstanceOf(
        ConfigError,
      );
    }
    for (const reports of [[Uint8Array.of(1, 2, 3)], [report.subarray(1)], 'x', [null]]) {
      await expect(uploadReports(LEADER, task.taskId, reports as never, fn)).rejects.toBeInstanceOf(
        ReportError,
      );
    }
    await expect(
      uploadReports(LEADER, task.taskId, [report], 'fetch' as never),
    ).rejects.toBeInstanceOf(ConfigError);
    expect(calls).toHaveLength(1);
  });
});
