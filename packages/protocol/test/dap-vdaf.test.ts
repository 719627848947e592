// vdafFromConfig, and one whole DAP-18 round through the message codecs: a Client report is
// sealed, uploaded, opened by both aggregators, verified by ping-pong inside aggregation-job
// messages, aggregated, sealed to the Collector and unsharded.
import { describe, expect, it } from 'vitest';
import * as dap from '../src/dap/index.js';
import {
  Prio3Count,
  Prio3Histogram,
  Prio3L1BoundSum,
  Prio3MultihotCountVec,
  Prio3Sum,
  Prio3SumVec,
  pingPongHelperInit,
  pingPongLeaderContinued,
  pingPongLeaderInit,
  type PingPongState,
} from '../src/vdaf/index.js';

const ts = { backend: 'ts' as const };

describe('vdafFromConfig', () => {
  it('builds each Prio3 variant with two shares and the configured parameters', () => {
    const cases: [dap.VdafConfig, unknown, Record<string, unknown>][] = [
      [{ type: 'Prio3Count' }, Prio3Count, {}],
      [{ type: 'Prio3Sum', maxMeasurement: 255n }, Prio3Sum, { maxMeasurement: 255n }],
      [
        { type: 'Prio3SumVec', length: 4, maxMeasurement: 3n, chunkLength: 2 },
        Prio3SumVec,
        { length: 4, maxMeasurement: 3n, chunkLength: 2 },
      ],
      [
        { type: 'Prio3Histogram', length: 5, chunkLength: 2 },
        Prio3Histogram,
        { length: 5, chunkLength: 2 },
      ],
      [
        { type: 'Prio3MultihotCountVec', length: 6, chunkLength: 3, maxWeight: 2n },
        Prio3MultihotCountVec,
        { length: 6, chunkLength: 3, maxWeight: 2 },
      ],
      [
        { type: 'Prio3L1BoundSum', length: 3, maxValue: 7n, chunkLength: 2 },
        Prio3L1BoundSum,
        { length: 3, maxValue: 7n, chunkLength: 2 },
      ],
    ];
    for (const [config, cls, fields] of cases) {
      const vdaf = dap.vdafFromConfig(config, ts);
      expect(vdaf).toBeInstanceOf(cls as new (...a: never[]) => unknown);
      expect(vdaf.shares).toBe(2);
      expect(vdaf.id).toBe(dap.encodeVdafConfig(config).vdafType);
      expect(vdaf).toMatchObject(fields);
    }
  });

  it('round-trips through the task configuration bytes', () => {
    const config: dap.VdafConfig = {
      type: 'Prio3MultihotCountVec',
      length: 10,
      chunkLength: 3,
      maxWeight: 4n,
    };
    const { vdafType, vdafConfiguration } = dap.encodeVdafConfig(config);
    const vdaf = dap.vdafFromConfig(dap.decodeVdafConfig(vdafType, vdafConfiguration), ts);
    expect(vdaf).toMatchObject({ length: 10, chunkLength: 3, maxWeight: 4 });
  });

  it('rejects Poplar1 and out-of-range parameters with ParamError', () => {
    expect(() => dap.vdafFromConfig({ type: 'Poplar1', bits: 8 })).toThrow(
      expect.objectContaining({ code: 'PARAM' }),
    );
    expect(() =>
      dap.vdafFromConfig(
        { type: 'Prio3MultihotCountVec', length: 4, chunkLength: 2, maxWeight: 1n << 60n },
        ts,
      ),
    ).toThrow(expect.objectContaining({ code: 'PARAM' }));
  });
});

describe('one DAP-18 round end to end (Prio3Histogram)', () => {
  it('counts the measurements through every message', async () => {
    const taskId = crypto.getRandomValues(new Uint8Array(32));
    const taskConfiguration = dap.makeTaskConfiguration({
      taskInfo: new Uint8Array([1]),
      leaderAggregatorEndpoint: 'https://leader.example/',
      helperAggregatorEndpoint: 'https://helper.example/',
      timePrecision: 60n,
      minBatchSize: 1n,
      batchMode: dap.BatchMode.leader_selected,
      vdaf: { type: 'Prio3Histogram', length: 4, chunkLength: 2 },
    });
    const [leaderKeys, helperKeys, collectorKeys] = await Promise.all(
      [1, 2, 3].map((id) => dap.generateHpkeKeypair(id)),
    );
    const verifyKey = crypto.getRandomValues(new Uint8Array(32));
    const vdaf = dap.vdafFromConfig(dap.taskVdafConfig(taskConfiguration), ts) as Prio3Histogram;
    const ctx = dap.vdafContext(taskId);
    const measurements = [0, 2, 2, 3];

    // Client: shard with the report ID as nonce, seal, upload.
    const reports: dap.Report[] = [];
    for (const m of measurements) {
      const reportId = dap.generateReportId();
      const rand = crypto.getRandomValues(new Uint8Array(vdaf.randSize));
      const { publicShare, inputShares } = vdaf.shard(ctx, m, reportId, rand);
      reports.push(
        await dap.sealReport({
          taskId,
          taskConfiguration,
          leaderHpkeConfig: dap.selectHpkeConfig(
            dap.decodeHpkeConfigList(dap.encodeHpkeConfigList([leaderKeys.config])),
          ),
          helperHpkeConfig: helperKeys.config,
          reportId,
          time: dap.currentTime(taskConfiguration.timePrecision),
          publicShare: vdaf.encodePublicShare(publicShare),
          leaderInputShare: vdaf.encodeInputShare(inputShares[0]),
          helperInputShare: vdaf.encodeInputShare(inputShares[1]),
        }),
      );
    }
    const uploaded = dap.decodeUploadRequest(dap.encodeUploadRequest(reports));

    // Leader: open its shares, ping-pong init, build the AggregationJobInitReq.
    const batchId = crypto.getRandomValues(new Uint8Array(32));
    const leaderStates: PingPongState[] = [];
    const verifyInits: dap.VerifyInit[] = [];
    for (const r of uploaded) {
      const share = await dap.openInputShare({
        taskId,
        taskConfiguration,
        role: dap.Role.leader,
        keys: [leaderKeys],
        reportMetadata: r.reportMetadata,
        publicShare: r.publicShare,
        encryptedInputShare: r.leaderEncryptedInputShare,
      });
      const state = pingPongLeaderInit(
        vdaf,
        verifyKey,
        ctx,
        r.reportMetadata.reportId,
        r.publicShare,
        share.payload,
      );
      if (state.kind !== 'continued') throw new Error('leader init did not continue');
      expect(dap.decodePingPongMessage(state.outbound).type).toBe('initialize');
      leaderStates.push(state);
      verifyInits.push({
        reportShare: {
          reportMetadata: r.reportMetadata,
          publicShare: r.publicShare,
          encryptedInputShare: r.helperEncryptedInputShare,
        },
        payload: state.outbound,
      });
    }
    const initBody = dap.encodeAggregationJobInitReq({
      verificationKeyId: 0,
      aggParam: new Uint8Array(0),
      extensions: [dap.leaderSelectedBatchIdExtension(batchId)],
      verifyInits,
    });

    // Helper: decode, open, ping-pong init, commit, answer.
    const initReq = dap.decodeAggregationJobInitReq(initBody);
    expect(dap.leaderSelectedBatchId(initReq.extensions)).toEqual(batchId);
    let helperAgg = vdaf.aggInit();
    const verifyResps: dap.VerifyResp[] = [];
    for (const vi of initReq.verifyInits) {
      const rs = vi.reportShare;
      const share = await dap.openInputShare({
        taskId,
        taskConfiguration,
        role: dap.Role.helper,
        keys: helperKeys,
        reportMetadata: rs.reportMetadata,
        publicShare: rs.publicShare,
        encryptedInputShare: rs.encryptedInputShare,
      });
      const state = pingPongHelperInit(
        vdaf,
        verifyKey,
        ctx,
        rs.reportMetadata.reportId,
        rs.publicShare,
        share.payload,
        vi.payload,
      );
      if (state.kind !== 'finishedWithOutbound') throw new Error('helper did not finish');
      expect(dap.decodePingPongMessage(state.outbound).type).toBe('finish');
      helperAgg = vdaf.aggUpdate(helperAgg, state.outShare);
      verifyResps.push({
        reportId: rs.reportMetadata.reportId,
        type: 'continue',
        payload: state.outbound,
      });
    }
    const respBody = dap.encodeAggregationJobResp(verifyResps);

    // Leader: finish each report in order and commit.
    const resps = dap.decodeAggregationJobResp(respBody);
    let leaderAgg = vdaf.aggInit();
    resps.forEach((resp, i) => {
      expect(resp.reportId).toEqual(uploaded[i].reportMetadata.reportId);
      if (resp.type !== 'continue') throw new Error('unexpected response type');
      const next = pingPongLeaderContinued(vdaf, ctx, leaderStates[i], resp.payload);
      if (next.kind !== 'finished') throw new Error('leader did not finish');
      leaderAgg = vdaf.aggUpdate(leaderAgg, next.outShare);
    });

    // Collection: the Collector's request, forwarded; both shares sealed over its bytes.
    const collectionJobReq = dap.encodeCollectionJobReq({
      query: { batchMode: dap.BatchMode.leader_selected },
      aggParam: new Uint8Array(0),
      extensions: [],
    });
    const asr = dap.decodeAggregateShareReq(
      dap.encodeAggregateShareReq({
        collectionJobReq,
        batchSelector: { batchMode: dap.BatchMode.leader_selected, batchId },
        reportCount: BigInt(measurements.length),
        checksum: new Uint8Array(32),
      }),
    );
    const common = { taskId, taskConfiguration, collectorHpkeConfig: collectorKeys.config };
    const helperShare = dap.decodeAggregateShare(
      dap.encodeAggregateShare(
        await dap.sealAggregateShare({
          ...common,
          collectionJobReq: asr.collectionJobReq,
          role: dap.Role.helper,
          aggregateShare: vdaf.encodeAggShare(helperAgg),
        }),
      ),
    );
    const leaderShare = await dap.sealAggregateShare({
      ...common,
      collectionJobReq,
      role: dap.Role.leader,
      aggregateShare: vdaf.encodeAggShare(leaderAgg),
    });
    const resp = dap.decodeCollectionJobResp(
      dap.encodeCollectionJobResp({
        reportCount: BigInt(measurements.length),
        interval: { start: 0n, duration: 1n },
        leaderEncryptedAggShare: leaderShare,
        helperEncryptedAggShare: helperShare,
      }),
    );

    // Collector: open both, unshard.
    const open = (role: dap.Role, ciphertext: dap.HpkeCiphertext) =>
      dap.openAggregateShare({
        taskId,
        taskConfiguration,
        collectionJobReq,
        role,
        keys: collectorKeys,
        ciphertext,
      });
    const shares = [
      vdaf.decodeAggShare(await open(dap.Role.leader, resp.leaderEncryptedAggShare)),
      vdaf.decodeAggShare(await open(dap.Role.helper, resp.helperEncryptedAggShare)),
    ];
    expect(vdaf.unshard(shares, Number(resp.reportCount))).toEqual([1n, 0n, 2n, 1n]);
  });
});
