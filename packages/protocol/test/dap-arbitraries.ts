// fast-check arbitraries of every DAP-18 message, shared by the dap tests.
import fc from 'fast-check';
import {
  BatchMode,
  type AggregateShareReq,
  type AggregationJobContinueReq,
  type AggregationJobInitReq,
  type BatchSelector,
  type CollectionJobReq,
  type CollectionJobResp,
  type Extension,
  type HpkeCiphertext,
  type HpkeConfig,
  type Interval,
  type PingPongMessage,
  type PlaintextInputShare,
  type Query,
  type Report,
  type ReportMetadata,
  type ReportShare,
  type ReportUploadStatus,
  type TaskConfiguration,
  type VdafConfig,
  type VerifyContinue,
  type VerifyInit,
  type VerifyResp,
  encodeCollectionJobReq,
} from '../src/dap/index.js';

export const bytes = (min: number, max: number) =>
  fc.uint8Array({ minLength: min, maxLength: max });
export const u8 = fc.integer({ min: 0, max: 0xff });
export const u16 = fc.integer({ min: 0, max: 0xffff });
export const u32 = fc.integer({ min: 0, max: 0xffffffff });
export const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

export const arbInterval: fc.Arbitrary<Interval> = fc.record({ start: u64, duration: u64 });
export const arbExtension: fc.Arbitrary<Extension> = fc.record({
  extensionType: u16,
  extensionData: bytes(0, 8),
});
export const arbExtensions = fc.array(arbExtension, { maxLength: 3 });
export const arbCiphertext: fc.Arbitrary<HpkeCiphertext> = fc.record({
  configId: u8,
  enc: bytes(1, 40),
  payload: bytes(1, 40),
});
export const arbHpkeConfig: fc.Arbitrary<HpkeConfig> = fc.record({
  id: u8,
  kemId: u16,
  kdfId: u16,
  aeadId: u16,
  publicKey: bytes(1, 40),
});
export const arbReportMetadata: fc.Arbitrary<ReportMetadata> = fc.record({
  reportId: bytes(16, 16),
  time: u64,
  publicExtensions: arbExtensions,
});
export const arbPlaintextInputShare: fc.Arbitrary<PlaintextInputShare> = fc.record({
  privateExtensions: arbExtensions,
  payload: bytes(1, 40),
});
export const arbReport: fc.Arbitrary<Report> = fc.record({
  reportMetadata: arbReportMetadata,
  publicShare: bytes(0, 40),
  leaderEncryptedInputShare: arbCiphertext,
  helperEncryptedInputShare: arbCiphertext,
});
export const arbUploadStatus: fc.Arbitrary<ReportUploadStatus> = fc.record({
  id: bytes(16, 16),
  error: u8,
});
const urlChars = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789:/.-_~?#[]@!$&()*+,;=%');
export const arbUrl = fc
  .array(urlChars, { minLength: 1, maxLength: 30 })
  .map((cs) => 'https://' + cs.join(''));
export const arbVdafConfig: fc.Arbitrary<VdafConfig> = fc.oneof(
  fc.constant({ type: 'Prio3Count' as const }),
  fc.record({ type: fc.constant('Prio3Sum' as const), maxMeasurement: u64 }),
  fc.record({
    type: fc.constant('Prio3SumVec' as const),
    length: u32,
    maxMeasurement: u64,
    chunkLength: u32,
  }),
  fc.record({ type: fc.constant('Prio3Histogram' as const), length: u32, chunkLength: u32 }),
  fc.record({
    type: fc.constant('Prio3MultihotCountVec' as const),
    length: u32,
    chunkLength: u32,
    maxWeight: u64,
  }),
  fc.record({ type: fc.constant('Poplar1' as const), bits: u16 }),
  fc.record({
    type: fc.constant('Prio3L1BoundSum' as const),
    length: u32,
    maxValue: u64,
    chunkLength: u32,
  }),
);
export const arbTaskConfiguration: fc.Arbitrary<TaskConfiguration> = fc.record({
  taskInfo: bytes(1, 20),
  leaderAggregatorEndpoint: arbUrl,
  helperAggregatorEndpoint: arbUrl,
  timePrecision: u64,
  minBatchSize: u64,
  batchMode: u8,
  batchConfig: bytes(0, 8),
  vdafType: u32,
  vdafConfiguration: bytes(0, 24),
  extensions: arbExtensions,
});
export const arbQuery: fc.Arbitrary<Query> = fc.oneof(
  fc.record({ batchMode: fc.constant(BatchMode.time_interval), batchInterval: arbInterval }),
  fc.record({ batchMode: fc.constant(BatchMode.leader_selected) }),
);
export const arbBatchSelector: fc.Arbitrary<BatchSelector> = fc.oneof(
  fc.record({ batchMode: fc.constant(BatchMode.time_interval), batchInterval: arbInterval }),
  fc.record({ batchMode: fc.constant(BatchMode.leader_selected), batchId: bytes(32, 32) }),
);
export const arbReportShare: fc.Arbitrary<ReportShare> = fc.record({
  reportMetadata: arbReportMetadata,
  publicShare: bytes(0, 40),
  encryptedInputShare: arbCiphertext,
});
export const arbVerifyInit: fc.Arbitrary<VerifyInit> = fc.record({
  reportShare: arbReportShare,
  payload: bytes(1, 40),
});
export const arbAggregationJobInitReq: fc.Arbitrary<AggregationJobInitReq> = fc.record({
  verificationKeyId: u8,
  aggParam: bytes(0, 8),
  extensions: arbExtensions,
  verifyInits: fc.array(arbVerifyInit, { maxLength: 3 }),
});
export const arbVerifyResp: fc.Arbitrary<VerifyResp> = fc.oneof(
  fc.record({
    reportId: bytes(16, 16),
    type: fc.constant('continue' as const),
    payload: bytes(1, 30),
  }),
  fc.record({ reportId: bytes(16, 16), type: fc.constant('finish' as const) }),
  fc.record({ reportId: bytes(16, 16), type: fc.constant('reject' as const), reportError: u8 }),
);
export const arbVerifyContinue: fc.Arbitrary<VerifyContinue> = fc.record({
  reportId: bytes(16, 16),
  payload: bytes(1, 30),
});
export const arbContinueReq: fc.Arbitrary<AggregationJobContinueReq> = fc.record({
  step: u16,
  verifyContinues: fc.array(arbVerifyContinue, { maxLength: 3 }),
});
export const arbCollectionJobReq: fc.Arbitrary<CollectionJobReq> = fc.record({
  query: arbQuery,
  aggParam: bytes(0, 8),
  extensions: arbExtensions,
});
export const arbCollectionJobResp: fc.Arbitrary<CollectionJobResp> = fc.record({
  reportCount: u64,
  interval: arbInterval,
  leaderEncryptedAggShare: arbCiphertext,
  helperEncryptedAggShare: arbCiphertext,
});
export const arbAggregateShareReq: fc.Arbitrary<AggregateShareReq> = fc.record({
  collectionJobReq: arbCollectionJobReq.map(encodeCollectionJobReq),
  batchSelector: arbBatchSelector,
  reportCount: u64,
  checksum: bytes(32, 32),
});
export const arbPingPong: fc.Arbitrary<PingPongMessage> = fc.oneof(
  fc.record({ type: fc.constant('initialize' as const), verifierShare: bytes(0, 30) }),
  fc.record({
    type: fc.constant('continue' as const),
    verifierMessage: bytes(0, 30),
    verifierShare: bytes(0, 30),
  }),
  fc.record({ type: fc.constant('finish' as const), verifierMessage: bytes(0, 30) }),
);
