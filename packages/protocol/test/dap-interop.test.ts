// Report and aggregate-share sealing, and one test per DAP-18 interoperability point listed in
// DESIGN.md ("DAP-18 points that interoperability depends on").
import { beforeAll, describe, expect, it } from 'vitest';
import * as dap from '../src/dap/index.js';
import { DecodeError, ParamError } from '../src/errors.js';

const fill = (n: number, byte: number) => new Uint8Array(n).fill(byte);
const taskId = fill(32, 0x42);
const taskConfiguration = dap.makeTaskConfiguration({
  taskInfo: new TextEncoder().encode('interop'),
  leaderAggregatorEndpoint: 'https://leader.example/api/',
  helperAggregatorEndpoint: 'https://helper.example/api/',
  timePrecision: 3600n,
  minBatchSize: 10n,
  batchMode: dap.BatchMode.time_interval,
  vdaf: { type: 'Prio3Count' },
  taskInterval: { start: 480000n, duration: 24n },
});

let leaderKeys: dap.HpkeKeypair;
let helperKeys: dap.HpkeKeypair;
let collectorKeys: dap.HpkeKeypair;
beforeAll(async () => {
  [leaderKeys, helperKeys, collectorKeys] = await Promise.all([
    dap.generateHpkeKeypair(1),
    dap.generateHpkeKeypair(2),
    dap.generateHpkeKeypair(3),
  ]);
});

async function sealOne(reportId = dap.generateReportId()) {
  return dap.sealReport({
    taskId,
    taskConfiguration,
    leaderHpkeConfig: leaderKeys.config,
    helperHpkeConfig: helperKeys.config,
    reportId,
    time: 480001n,
    publicShare: new Uint8Array([0xee]),
    leaderInputShare: new Uint8Array([1, 2, 3]),
    helperInputShare: new Uint8Array([4, 5]),
    helperPrivateExtensions: [{ extensionType: 0xff00, extensionData: new Uint8Array([7]) }],
  });
}

function openParams(report: dap.Report, role: dap.Role, config = taskConfiguration) {
  return {
    taskId,
    taskConfiguration: config,
    role,
    keys: role === dap.Role.leader ? [leaderKeys] : [helperKeys],
    reportMetadata: report.reportMetadata,
    publicShare: report.publicShare,
    encryptedInputShare:
      role === dap.Role.leader
        ? report.leaderEncryptedInputShare
        : report.helperEncryptedInputShare,
  };
}

describe('sealReport and openInputShare', () => {
  it('each aggregator opens its own share, after an upload round trip', async () => {
    const report = await sealOne();
    const [uploaded] = dap.decodeUploadRequest(dap.encodeUploadRequest([report]));
    const leader = await dap.openInputShare(openParams(uploaded, dap.Role.leader));
    const helper = await dap.openInputShare(openParams(uploaded, dap.Role.helper));
    expect(leader).toEqual({ privateExtensions: [], payload: new Uint8Array([1, 2, 3]) });
    expect(helper.payload).toEqual(new Uint8Array([4, 5]));
    expect(helper.privateExtensions).toEqual([
      { extensionType: 0xff00, extensionData: new Uint8Array([7]) },
    ]);
  });

  it('rejects the other role, altered metadata, public share or task id', async () => {
    const report = await sealOne();
    const asHelper = { ...openParams(report, dap.Role.leader), role: dap.Role.helper };
    await expect(dap.openInputShare(asHelper)).rejects.toThrow(
      expect.objectContaining({ code: 'HPKE_OPEN' }),
    );
    const p = openParams(report, dap.Role.helper);
    const changed = [
      { ...p, reportMetadata: { ...p.reportMetadata, time: p.reportMetadata.time + 1n } },
      { ...p, publicShare: new Uint8Array([0xef]) },
      { ...p, taskId: fill(32, 0x43) },
    ];
    for (const params of changed) {
      const e = await dap.openInputShare(params).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'HPKE_OPEN' });
      expect(dap.inputShareReportError(e)).toBe(dap.ReportError.hpke_decrypt_error);
    }
    const unknown = await dap.openInputShare({ ...p, keys: [leaderKeys] }).catch((x: unknown) => x);
    expect(unknown).toMatchObject({ code: 'HPKE_UNKNOWN_CONFIG' });
    expect(dap.inputShareReportError(unknown)).toBe(dap.ReportError.hpke_decrypt_error);
  });

  it('an InputShareOpener opens as openInputShare does, both roles, refusing alike', async () => {
    const reports = await Promise.all([sealOne(), sealOne(), sealOne()]);
    for (const role of [dap.Role.leader, dap.Role.helper]) {
      const opener = new dap.InputShareOpener(taskId, taskConfiguration, role);
      for (const report of reports) {
        const p = openParams(report, role);
        expect(await opener.open(p)).toEqual(await dap.openInputShare(p));
      }
      // The other role's share, an altered time or public share: the same HPKE_OPEN.
      const other = openParams(reports[0], role === dap.Role.leader ? dap.Role.helper : role);
      const p = openParams(reports[0], role);
      const refused = [
        { ...p, encryptedInputShare: other.encryptedInputShare, keys: other.keys },
        { ...p, reportMetadata: { ...p.reportMetadata, time: p.reportMetadata.time + 1n } },
        { ...p, publicShare: new Uint8Array([0xef]) },
      ];
      for (const params of refused.slice(role === dap.Role.helper ? 1 : 0)) {
        await expect(opener.open(params)).rejects.toThrow(
          expect.objectContaining({ code: 'HPKE_OPEN' }),
        );
      }
    }
    // A task ID of the wrong length or a role other than leader or helper: ParamError.
    expect(() => new dap.InputShareOpener(fill(31, 1), taskConfiguration, dap.Role.helper)).toThrow(
      ParamError,
    );
    expect(() => new dap.InputShareOpener(taskId, taskConfiguration, dap.Role.client)).toThrow(
      ParamError,
    );
  });

  it('maps an undecodable plaintext to invalid_message', async () => {
    // A sealed plaintext that is not a PlaintextInputShare (a bare 0x00 byte).
    const report = await sealOne();
    const aad = dap.encodeInputShareAad({
      taskId,
      taskConfiguration,
      reportMetadata: report.reportMetadata,
      publicShare: report.publicShare,
    });
    const bogus = await dap.hpkeSeal(
      helperKeys.config,
      dap.inputShareInfo(dap.Role.helper),
      aad,
      new Uint8Array([0]),
    );
    const e = await dap
      .openInputShare({ ...openParams(report, dap.Role.helper), encryptedInputShare: bogus })
      .catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'DECODE' });
    expect(dap.inputShareReportError(e)).toBe(dap.ReportError.invalid_message);
  });
});

describe('DAP-18 interoperability points', () => {
  it('HpkeConfigList keeps its 2-byte prefix; upload bodies go by the content length', () => {
    const list = dap.encodeHpkeConfigList([leaderKeys.config]);
    const one = dap.encodeHpkeConfig(leaderKeys.config);
    expect(list.length).toBe(one.length + 2);
    expect((list[0] << 8) | list[1]).toBe(one.length);
    expect(() => dap.decodeHpkeConfigList(one)).toThrow(DecodeError);

    const status = { id: fill(16, 1), error: dap.ReportError.report_dropped };
    // Two 17-byte statuses, nothing else: no prefix counts them.
    expect(dap.encodeUploadErrors([status, status]).length).toBe(34);
  });

  it('times and durations are counted in time_precision units, not seconds', async () => {
    // §4.1.1.1: with time_precision 10, POSIX 1234567890 is Time 123456789 and 110 s is 11.
    expect(dap.timeFromSeconds(1234567890n, 10n)).toBe(123456789n);
    expect(dap.timeFromSeconds(1234567899, 10n)).toBe(123456789n);
    expect(dap.timeToSeconds(11n, 10n)).toBe(110n);
    expect(dap.currentTime(3600n, 1_700_000_000_000)).toBe(1_700_000_000n / 3600n);
    const report = await sealOne();
    const bytes = dap.encodeReportMetadata(report.reportMetadata);
    // ReportID (16) then the uint64 time: 480001 units, not 480001 * 3600 seconds.
    expect(new DataView(bytes.buffer).getBigUint64(16)).toBe(480001n);
    expect(dap.timeIntervalBucket(480001n)).toEqual({ start: 480001n, duration: 1n });
  });

  it('both AADs embed the task configuration, URLs as configured (a slash matters)', async () => {
    const noSlash: dap.TaskConfiguration = {
      ...taskConfiguration,
      leaderAggregatorEndpoint: 'https://leader.example/api',
    };
    const encoded = dap.encodeTaskConfiguration(taskConfiguration);
    const url = new TextEncoder().encode('https://leader.example/api/');
    expect(Buffer.from(encoded).includes(Buffer.from(url))).toBe(true);
    expect(dap.encodeTaskConfiguration(noSlash).length).toBe(encoded.length - 1);

    const report = await sealOne();
    await expect(dap.openInputShare(openParams(report, dap.Role.leader, noSlash))).rejects.toThrow(
      expect.objectContaining({ code: 'HPKE_OPEN' }),
    );

    const collectionJobReq = dap.encodeCollectionJobReq({
      query: { batchMode: dap.BatchMode.leader_selected },
      aggParam: new Uint8Array(0),
      extensions: [],
    });
    const ct = await dap.sealAggregateShare({
      taskId,
      taskConfiguration,
      collectionJobReq,
      role: dap.Role.leader,
      collectorHpkeConfig: collectorKeys.config,
      aggregateShare: new Uint8Array([5]),
    });
    await expect(
      dap.openAggregateShare({
        taskId,
        taskConfiguration: noSlash,
        collectionJobReq,
        role: dap.Role.leader,
        keys: collectorKeys,
        ciphertext: ct,
      }),
    ).rejects.toThrow(expect.objectContaining({ code: 'HPKE_OPEN' }));
  });

  it('the Leader forwards the CollectionJobReq bytes; the share AAD has them', async () => {
    // The Collector's request, with an extension the aggregators pass through untouched.
    const collectionJobReq = dap.encodeCollectionJobReq({
      query: {
        batchMode: dap.BatchMode.time_interval,
        batchInterval: { start: 480000n, duration: 24n },
      },
      aggParam: new Uint8Array(0),
      extensions: [{ extensionType: 9, extensionData: new Uint8Array([1, 2]) }],
    });

    // Leader -> Helper.
    const body = dap.encodeAggregateShareReq({
      collectionJobReq,
      batchSelector: {
        batchMode: dap.BatchMode.time_interval,
        batchInterval: { start: 480000n, duration: 24n },
      },
      reportCount: 10n,
      checksum: fill(32, 0),
    });
    const received = dap.decodeAggregateShareReq(body);
    expect(received.collectionJobReq).toEqual(collectionJobReq);
    expect(Buffer.from(body.subarray(0, collectionJobReq.length))).toEqual(
      Buffer.from(collectionJobReq),
    );

    // Helper seals over the forwarded bytes; the Collector opens over the bytes it sent.
    const ct = await dap.sealAggregateShare({
      taskId,
      taskConfiguration,
      collectionJobReq: received.collectionJobReq,
      role: dap.Role.helper,
      collectorHpkeConfig: collectorKeys.config,
      aggregateShare: new Uint8Array([1, 2, 3, 4]),
    });
    const collectorSide = {
      taskId,
      taskConfiguration,
      collectionJobReq,
      keys: [collectorKeys],
      ciphertext: dap.decodeAggregateShare(dap.encodeAggregateShare(ct)),
    };
    expect(await dap.openAggregateShare({ ...collectorSide, role: dap.Role.helper })).toEqual(
      new Uint8Array([1, 2, 3, 4]),
    );
    // Sealed by the Helper, so the Leader's info string does not open it.
    await expect(
      dap.openAggregateShare({ ...collectorSide, role: dap.Role.leader }),
    ).rejects.toThrow(expect.objectContaining({ code: 'HPKE_OPEN' }));
    // A different request (another extension) yields another AAD.
    const other = dap.encodeCollectionJobReq({
      ...dap.decodeCollectionJobReq(collectionJobReq),
      extensions: [],
    });
    await expect(
      dap.openAggregateShare({ ...collectorSide, collectionJobReq: other, role: dap.Role.helper }),
    ).rejects.toThrow(expect.objectContaining({ code: 'HPKE_OPEN' }));
  });

  it('MultihotCountVec is encoded as length, chunk_length, max_weight', () => {
    // Distinct values so the order is visible: length 0x11, chunk_length 0x22, max_weight 0x33.
    const { vdafType, vdafConfiguration } = dap.encodeVdafConfig({
      type: 'Prio3MultihotCountVec',
      length: 0x11,
      chunkLength: 0x22,
      maxWeight: 0x33n,
    });
    expect(vdafType).toBe(5);
    expect(Buffer.from(vdafConfiguration).toString('hex')).toBe(
      '00000011' + '00000022' + '0000000000000033',
    );
  });

  it('outside the task interval: report_dropped at upload, task_not_started/expired later', () => {
    // Task interval [480000, 480024) in time_precision units.
    expect(dap.taskIntervalReportError(taskConfiguration, 479999n, 'upload')).toBe(
      dap.ReportError.report_dropped,
    );
    expect(dap.taskIntervalReportError(taskConfiguration, 480024n, 'upload')).toBe(
      dap.ReportError.report_dropped,
    );
    expect(dap.taskIntervalReportError(taskConfiguration, 479999n, 'aggregation')).toBe(
      dap.ReportError.task_not_started,
    );
    expect(dap.taskIntervalReportError(taskConfiguration, 480024n, 'aggregation')).toBe(
      dap.ReportError.task_expired,
    );
    expect(dap.taskIntervalReportError(taskConfiguration, 480000n, 'aggregation')).toBeUndefined();
    expect(dap.taskIntervalReportError(taskConfiguration, 480023n, 'upload')).toBeUndefined();
  });

  it('the VDAF context string is "dap-18" || task_id', () => {
    const ctx = dap.vdafContext(taskId);
    expect(ctx.length).toBe(38);
    expect(Buffer.from(ctx.subarray(0, 6)).toString('hex')).toBe('6461702d3138');
    expect(ctx.subarray(6)).toEqual(taskId);
    expect(() => dap.vdafContext(fill(31, 0))).toThrow(expect.objectContaining({ code: 'PARAM' }));
  });
});

describe('batch-bucket checksum (draft-ietf-ppm-dap-18 §4.5.4.3)', () => {
  it('XORs SHA-256 of each report ID into 32 zero bytes', async () => {
    const { createHash } = await import('node:crypto');
    const sha = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());
    const a = fill(16, 0);
    const b = fill(16, 0xab);
    // SHA-256 of sixteen zero bytes, a fixed value.
    expect(Buffer.from(await dap.updateChecksum([a])).toString('hex')).toBe(
      '374708fff7719dd5979ec875d56cd2286f6d3cf7ec317a3b25632aab28ec37bb',
    );
    const both = await dap.updateChecksum([a, b]);
    expect(both).toEqual(dap.xorChecksums(sha(a), sha(b)));
    // Shards combine by XOR, in any order; an empty bucket is all zeros.
    expect(dap.xorChecksums(await dap.updateChecksum([b]), await dap.updateChecksum([a]))).toEqual(
      both,
    );
    expect(await dap.updateChecksum([])).toEqual(dap.emptyChecksum());
    expect(await dap.updateChecksum([a], await dap.updateChecksum([a]))).toEqual(
      dap.emptyChecksum(),
    );
    await expect(dap.updateChecksum([fill(15, 0)])).rejects.toThrow(
      expect.objectContaining({ code: 'PARAM' }),
    );
  });
});
