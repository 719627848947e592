// The dap-18-histogram report: a DAP-18 Report whose task configuration follows the W3C
// algorithm, that both aggregators can open, and whose shares verify and sum to the histogram.
import { createHash } from 'node:crypto';
import {
  Prio3L1BoundSum,
  Role,
  decodeReport,
  decodeTaskConfiguration,
  encodeHpkeConfig,
  generateHpkeKeypair,
  openInputShare,
  vdafContext,
  type HpkeKeypair,
} from '@private-measurement/protocol';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  AttributionClient,
  DapReportEncoder,
  MemoryStore,
  ReportError,
  attributionChunkLength,
  attributionTask,
  privacyBudgetExtension,
  type AggregationServiceConfig,
} from '../src/index.js';

const SERVICE = 'https://leader.example/dap';
const NOW = 1_800_000_003_000;
let leader: HpkeKeypair;
let helper: HpkeKeypair;
let service: AggregationServiceConfig;

beforeAll(async () => {
  leader = await generateHpkeKeypair(1);
  helper = await generateHpkeKeypair(2);
  service = {
    protocol: 'dap-18-histogram',
    leader: { url: SERVICE, operator: 'Leader Org', hpkeConfig: encodeHpkeConfig(leader.config) },
    helper: {
      url: 'https://helper.example/',
      operator: 'Helper Org',
      hpkeConfig: encodeHpkeConfig(helper.config),
    },
  };
});

async function dapClient(extra: Partial<AggregationServiceConfig> = {}) {
  const clock = { now: NOW - 1000 };
  const client = await AttributionClient.open({
    config: { aggregationServices: { [SERVICE]: { ...service, ...extra } } },
    store: new MemoryStore(),
    encoder: new DapReportEncoder({ prio3: { backend: 'ts' } }),
    includeUnencryptedHistogram: true,
    now: () => clock.now,
  });
  return { client, clock };
}

/** What the two aggregators would compute from one report: open, verify, aggregate, unshard. */
async function aggregate(
  bytes: Uint8Array,
  histogramSize: number,
  maxValue: number,
  sites: {
    topLevelSite: string;
    intermediarySite?: string;
  },
): Promise<bigint[]> {
  const report = decodeReport(bytes);
  const task = await attributionTask({
    serviceUrl: SERVICE,
    service,
    histogramSize,
    maxValue,
    topLevelSite: sites.topLevelSite,
    intermediarySite: sites.intermediarySite,
  });
  const vdaf = new Prio3L1BoundSum(2, histogramSize, maxValue, task.vdaf.chunkLength, {
    backend: 'ts',
  });
  const ctx = vdafContext(task.taskId);
  const verifyKey = new Uint8Array(32).fill(7);
  const publicShare = vdaf.decodePublicShare(report.publicShare);
  const nonce = report.reportMetadata.reportId;
  const inits = [];
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
    const share = vdaf.decodeInputShare(aggId, plain.payload);
    inits.push(vdaf.verifyInit(verifyKey, ctx, aggId, nonce, publicShare, share));
  }
  const message = vdaf.verifierSharesToMessage(
    ctx,
    inits.map((i) => i.verifierShare),
  );
  const outShares = inits.map((i) => vdaf.verifyNext(ctx, i.state, message));
  return vdaf.unshard(
    outShares.map((o) => vdaf.aggregate([o])),
    1,
  );
}

describe('DapReportEncoder (W3C Attribution §7.1.3)', () => {
  it('builds the task configuration the spec derives', async () => {
    const task = await attributionTask({
      serviceUrl: SERVICE,
      service,
      histogramSize: 8,
      maxValue: 7,
      topLevelSite: 'shop.example',
      intermediarySite: 'adtech.example',
    });
    const decoded = decodeTaskConfiguration(task.encodedTaskConfiguration);
    expect(decoded.taskInfo).toEqual(Uint8Array.of(0));
    expect(decoded.leaderAggregatorEndpoint).toBe('https://leader.example/dap');
    expect(decoded.helperAggregatorEndpoint).toBe('https://helper.example/');
    expect(decoded.timePrecision).toBe(5n);
    expect(decoded.minBatchSize).toBe(20n);
    expect(decoded.vdafType).toBe(7);
    // length 8 (u32), max_value 7 (u64), chunk_length round(sqrt((3 + 1) * 8)) = 6 (u32).
    expect([...decoded.vdafConfiguration]).toEqual([
      0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 6,
    ]);
    const ext = Object.fromEntries(
      decoded.extensions.map((e) => [e.extensionType, new TextDecoder().decode(e.extensionData)]),
    );
    expect(ext).toEqual({ [0xff01]: 'adtech.example', [0xff02]: 'shop.example' });
    // draft-ietf-ppm-dap-taskprov-03: SHA-256(SHA-256("dap-taskprov task id") || task_config).
    const label = createHash('sha256').update('dap-taskprov task id').digest();
    const id = createHash('sha256').update(label).update(task.encodedTaskConfiguration).digest();
    expect(Buffer.from(task.taskId).equals(id)).toBe(true);
  });

  it('chunk length follows round(sqrt((bits(maxValue) + 1) * length))', () => {
    expect(attributionChunkLength(32, 1)).toBe(8);
    expect(attributionChunkLength(1, 1)).toBe(1);
    expect(attributionChunkLength(20, 127)).toBe(13);
    expect(attributionChunkLength(5, 2 ** 32 - 1)).toBe(13);
  });

  it('privacy_budget is micro-epsilon rounded up, big-endian uint32', () => {
    expect([...privacyBudgetExtension(1)]).toEqual([0x00, 0x0f, 0x42, 0x40]);
    expect([...privacyBudgetExtension(0.1)]).toEqual([0x00, 0x01, 0x86, 0xa0]);
    expect([...privacyBudgetExtension(4294)]).toEqual([0xff, 0xf1, 0x3d, 0x80]);
  });

  it('produces a report both aggregators open and verify, summing to the histogram', async () => {
    const { client, clock } = await dapClient();
    await client.saveImpression({ topLevelSite: 'news.example' }, { histogramIndex: 2 });
    clock.now = NOW;
    const caller = { topLevelSite: 'shop.example', intermediarySite: 'adtech.example' };
    const options = {
      aggregationService: SERVICE,
      histogramSize: 4,
      value: 5,
      maxValue: 7,
      epsilon: 0.5,
    };
    const result = await client.measureConversion(caller, options);
    expect(result.unencryptedHistogram).toEqual([0, 0, 5, 0]);

    const report = decodeReport(result.report);
    expect(report.reportMetadata.time).toBe(BigInt(Math.floor(NOW / 5000)));
    expect(report.reportMetadata.publicExtensions).toEqual([
      { extensionType: 0xff03, extensionData: Uint8Array.of(0x00, 0x07, 0xa1, 0x20) },
    ]);
    expect(report.leaderEncryptedInputShare.configId).toBe(1);
    expect(report.helperEncryptedInputShare.configId).toBe(2);
    expect(await aggregate(result.report, 4, 7, caller)).toEqual([0n, 0n, 5n, 0n]);

    // A report with nothing attributed has exactly the same size and also verifies.
    const empty = await client.measureConversion(
      { topLevelSite: 'other.example', intermediarySite: 'adtech.example' },
      {
        ...options,
        impressionSites: ['nobody.example'],
      },
    );
    expect(empty.unencryptedHistogram).toEqual([0, 0, 0, 0]);
    expect(empty.report.length).toBe(result.report.length);
    expect(
      await aggregate(empty.report, 4, 7, {
        topLevelSite: 'other.example',
        intermediarySite: 'adtech.example',
      }),
    ).toEqual([0n, 0n, 0n, 0n]);
  });

  it('a service without HPKE configurations fails with ReportError and spends nothing', async () => {
    const { client } = await dapClient({ helper: { url: 'https://helper.example/' } });
    await client.saveImpression({ topLevelSite: 'news.example' }, { histogramIndex: 0 });
    await expect(
      client.measureConversion(
        { topLevelSite: 'shop.example' },
        { aggregationService: SERVICE, histogramSize: 2 },
      ),
    ).rejects.toBeInstanceOf(ReportError);
    expect((await client.ledger()).entries).toEqual([]);
  });
});
