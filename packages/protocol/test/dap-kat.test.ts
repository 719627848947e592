// Known-answer encodings of DAP-18 messages, each written by hand from the struct definitions
// and examples of draft-ietf-ppm-dap-18 (the comment above each expectation derives the bytes).
import { describe, expect, it } from 'vitest';
import * as dap from '../src/dap/index.js';
import { DecodeError } from '../src/errors.js';

/** Hex with spaces between fields, for readability. */
const hex = (s: string): Uint8Array => {
  const clean = s.replace(/\s+/g, '');
  return new Uint8Array(clean.match(/../g)?.map((b) => parseInt(b, 16)) ?? []);
};
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fill = (n: number, byte: number) => new Uint8Array(n).fill(byte);
const rid = fill(16, 0x0a);
const ridHex = '0a'.repeat(16);

describe('basic types (draft-ietf-ppm-dap-18 §4.1)', () => {
  it('Interval of §4.1.1.1: start 123456789, duration 11', () => {
    // struct { uint64 start; uint64 duration; }: 123456789 = 0x075bcd15, 11 = 0x0b, 8 bytes each.
    const bytes = hex('00000000075bcd15 000000000000000b');
    expect(dap.encodeInterval({ start: 123456789n, duration: 11n })).toEqual(bytes);
    expect(dap.decodeInterval(bytes)).toEqual({ start: 123456789n, duration: 11n });
  });

  it('HpkeCiphertext', () => {
    // uint8 config_id = 1; opaque enc<1..2^16-1> = 2-byte length 0x0002 then 0f0e;
    // opaque payload<1..2^32-1> = 4-byte length 0x00000003 then 0b0a09.
    const ct = { configId: 1, enc: hex('0f0e'), payload: hex('0b0a09') };
    expect(dap.encodeHpkeCiphertext(ct)).toEqual(hex('01 0002 0f0e 00000003 0b0a09'));
  });

  it('Role and ReportError codepoints', () => {
    // enum Role { collector(0), client(1), leader(2), helper(3) } and ReportError §4.1, §9.2.6.
    expect(dap.Role).toEqual({ collector: 0, client: 1, leader: 2, helper: 3 });
    expect(dap.ReportError.report_dropped).toBe(3);
    expect(dap.ReportError.task_expired).toBe(7);
    expect(dap.ReportError.task_not_started).toBe(10);
    expect(dap.ReportError.outdated_config).toBe(11);
    expect(dap.reportErrorName(9)).toBe('report_too_early');
  });
});

describe('HPKE configuration (draft-ietf-ppm-dap-18 §4.4.1)', () => {
  it('the second HpkeConfig of the §4.4.1.1 example, and a list holding it', () => {
    // id = 17 -> 11; kem_id 0x0020, kdf_id 0x0001, aead_id 0x0003 (uint16 each);
    // public_key = [04 03 02 01] as opaque<1..2^16-1> -> 0004 04030201. 13 bytes in all.
    const config = { id: 17, kemId: 0x20, kdfId: 1, aeadId: 3, publicKey: hex('04030201') };
    const one = hex('11 0020 0001 0003 0004 04030201');
    expect(dap.encodeHpkeConfig(config)).toEqual(one);
    // HpkeConfig HpkeConfigList<10..2^16-1>: 2-byte byte length 0x000d before the configs.
    expect(dap.encodeHpkeConfigList([config])).toEqual(hex('000d' + toHex(one)));
    expect(dap.decodeHpkeConfigList(hex('000d' + toHex(one)))).toEqual([config]);
  });
});

describe('upload (draft-ietf-ppm-dap-18 §4.4.2)', () => {
  const metadata = { reportId: rid, time: 17419860n, publicExtensions: [] };
  // ReportID (16 bytes) || uint64 time 17419860 = 0x0109ce54 || public_extensions<0..2^16-1> = 0000.
  const metadataHex = ridHex + '000000000109ce54' + '0000';
  const leader = { configId: 1, enc: hex('0f0e'), payload: hex('0b0a') };
  const helper = { configId: 2, enc: hex('0c0d'), payload: hex('080a') };
  const report = {
    reportMetadata: metadata,
    publicShare: hex('0a0b'),
    leaderEncryptedInputShare: leader,
    helperEncryptedInputShare: helper,
  };
  // ReportMetadata || public_share<0..2^32-1> = 00000002 0a0b || two HpkeCiphertexts
  // (config_id, 2-byte enc length, enc, 4-byte payload length, payload).
  const reportHex =
    metadataHex + '000000020a0b' + '01 0002 0f0e 00000002 0b0a' + '02 0002 0c0d 00000002 080a';

  it('ReportMetadata of the §4.4.2.3 example (time 17419860, no extensions)', () => {
    expect(toHex(dap.encodeReportMetadata(metadata))).toBe(metadataHex);
  });

  it('Report, and an UploadRequest that is the reports with no length prefix', () => {
    expect(dap.encodeReport(report)).toEqual(hex(reportHex));
    // struct { Report reports[message_length]; }: sized by the content length, no prefix.
    expect(dap.encodeUploadRequest([report, report])).toEqual(hex(reportHex + reportHex));
    expect(dap.decodeUploadRequest(hex(reportHex + reportHex))).toEqual([report, report]);
    expect(dap.encodeUploadRequest([])).toEqual(new Uint8Array(0));
  });

  it('UploadErrors of the §4.4.2.3 example (one report_replayed)', () => {
    // ReportUploadStatus { ReportID id; ReportError error; } back to back, no prefix;
    // report_replayed = 2.
    const body = hex(ridHex + '02');
    expect(dap.encodeUploadErrors([{ id: rid, error: dap.ReportError.report_replayed }])).toEqual(
      body,
    );
  });

  it('PlaintextInputShare with one private extension', () => {
    // private_extensions<0..2^16-1>: length 0x0005 = one Extension (uint16 type 0x0007,
    // extension_data<0..2^16-1> = 0001 ff); payload<1..2^32-1> = 00000001 aa.
    const share = {
      privateExtensions: [{ extensionType: 7, extensionData: hex('ff') }],
      payload: hex('aa'),
    };
    expect(dap.encodePlaintextInputShare(share)).toEqual(hex('0005 0007 0001 ff 00000001 aa'));
  });
});

describe('task configuration (draft-ietf-ppm-dap-18 §4.2, Appendix B)', () => {
  const config = dap.makeTaskConfiguration({
    taskInfo: hex('74'),
    leaderAggregatorEndpoint: 'https://leader.example/',
    helperAggregatorEndpoint: 'https://helper.example/dap',
    timePrecision: 3600n,
    minBatchSize: 100n,
    batchMode: dap.BatchMode.time_interval,
    vdaf: { type: 'Prio3Histogram', length: 4, chunkLength: 2 },
    taskInterval: { start: 1659540n, duration: 100n },
  });

  it('encodes every field in order, URLs as given', () => {
    // task_info<1..2^8-1> = 01 74; each Url<1..2^16-1> = 2-byte length + ASCII bytes
    // ("https://leader.example/" is 23 = 0x17 bytes, "https://helper.example/dap" 26 = 0x1a);
    // time_precision 3600 = 0x0e10; min_batch_size 100 = 0x64; batch_mode time_interval = 01;
    // batch_config<0..2^16-1> empty = 0000; vdaf_type Prio3Histogram = 00000004;
    // vdaf_configuration = 0008 + Prio3HistogramConfig { uint32 length 4; uint32 chunk_length 2 };
    // extensions<0..2^16-1> = 0014 + TaskExtension { task_interval = 0001, extension_data =
    // 0010 + Interval { start 1659540 = 0x195294, duration 100 = 0x64 } }.
    const expected =
      '01 74' +
      '0017 68747470733a2f2f6c65616465722e6578616d706c652f' +
      '001a 68747470733a2f2f68656c7065722e6578616d706c652f646170' +
      '0000000000000e10 0000000000000064 01 0000' +
      '00000004 0008 00000004 00000002' +
      '0014 0001 0010 0000000000195294 0000000000000064';
    expect(toHex(dap.encodeTaskConfiguration(config))).toBe(expected.replace(/\s+/g, ''));
    expect(dap.taskInterval(config)).toEqual({ start: 1659540n, duration: 100n });
  });

  it('encodes each VDAF configuration of Appendix B and l1-bound-sum §4', () => {
    const cases: [dap.VdafConfig, number, string][] = [
      // B.1 Prio3Count: Empty.
      [{ type: 'Prio3Count' }, 1, ''],
      // B.2 Prio3Sum: uint64 max_measurement = 255.
      [{ type: 'Prio3Sum', maxMeasurement: 255n }, 2, '00000000000000ff'],
      // B.3 Prio3SumVec: uint32 length 10, uint64 max_measurement 3, uint32 chunk_length 4.
      [
        { type: 'Prio3SumVec', length: 10, maxMeasurement: 3n, chunkLength: 4 },
        3,
        '0000000a 0000000000000003 00000004',
      ],
      // B.4 Prio3Histogram: uint32 length 4, uint32 chunk_length 2.
      [{ type: 'Prio3Histogram', length: 4, chunkLength: 2 }, 4, '00000004 00000002'],
      // B.5 Prio3MultihotCountVec: uint32 length 10, uint32 chunk_length 3, uint64 max_weight 2
      // (length, chunk_length, max_weight: not the VDAF's parameter order).
      [
        { type: 'Prio3MultihotCountVec', length: 10, chunkLength: 3, maxWeight: 2n },
        5,
        '0000000a 00000003 0000000000000002',
      ],
      // B.6 Poplar1: uint16 bits 256.
      [{ type: 'Poplar1', bits: 256 }, 6, '0100'],
      // l1-bound-sum §4: uint32 length 4, uint64 max_value 5, uint32 chunk_length 2; id 7.
      [
        { type: 'Prio3L1BoundSum', length: 4, maxValue: 5n, chunkLength: 2 },
        7,
        '00000004 0000000000000005 00000002',
      ],
    ];
    for (const [vdaf, type, body] of cases) {
      const encoded = dap.encodeVdafConfig(vdaf);
      expect(encoded.vdafType).toBe(type);
      expect(toHex(encoded.vdafConfiguration)).toBe(body.replace(/\s+/g, ''));
      expect(dap.decodeVdafConfig(type, encoded.vdafConfiguration)).toEqual(vdaf);
    }
  });
});

describe('aggregation (draft-ietf-ppm-dap-18 §4.5)', () => {
  it('AggregationJobInitReq with the leader_selected_batch_id extension', () => {
    // uint8 verification_key_id 0; agg_param<0..2^32-1> empty = 00000000;
    // extensions<0..2^16-1> = 0024 + { type leader_selected_batch_id 0001, data 0020 + BatchID };
    // then one VerifyInit: ReportShare { ReportMetadata (id, time 1, 0000), public_share
    // 00000000, HpkeCiphertext 05 0001 ee 00000001 dd } || payload 00000002 0000.
    const batchId = fill(32, 0x1f);
    const req = {
      verificationKeyId: 0,
      aggParam: new Uint8Array(0),
      extensions: [dap.leaderSelectedBatchIdExtension(batchId)],
      verifyInits: [
        {
          reportShare: {
            reportMetadata: { reportId: rid, time: 1n, publicExtensions: [] },
            publicShare: new Uint8Array(0),
            encryptedInputShare: { configId: 5, enc: hex('ee'), payload: hex('dd') },
          },
          payload: hex('0000'),
        },
      ],
    };
    const expected =
      '00 00000000 0024 0001 0020' +
      '1f'.repeat(32) +
      ridHex +
      '0000000000000001 0000' +
      '00000000' +
      '05 0001 ee 00000001 dd' +
      '00000002 0000';
    expect(toHex(dap.encodeAggregationJobInitReq(req))).toBe(expected.replace(/\s+/g, ''));
    expect(dap.leaderSelectedBatchId(req.extensions)).toEqual(batchId);
  });

  it('VerifyResp variants and AggregationJobResp', () => {
    // ReportID || VerifyRespType (continue 0, finish 1, reject 2) || select body:
    // continue: payload<1..2^32-1>; finish: Empty; reject: ReportError (uint8).
    const resps: dap.VerifyResp[] = [
      { reportId: rid, type: 'continue', payload: hex('abcd') },
      { reportId: rid, type: 'finish' },
      { reportId: rid, type: 'reject', reportError: dap.ReportError.vdaf_verify_error },
    ];
    const expected = ridHex + '00 00000002 abcd' + ridHex + '01' + ridHex + '02 06';
    expect(toHex(dap.encodeAggregationJobResp(resps))).toBe(expected.replace(/\s+/g, ''));
  });

  it('AggregationJobContinueReq', () => {
    // uint16 step = 0001, then VerifyContinue { ReportID; payload<1..2^32-1> } to the end.
    const req = { step: 1, verifyContinues: [{ reportId: rid, payload: hex('02') }] };
    expect(toHex(dap.encodeAggregationJobContinueReq(req))).toBe('0001' + ridHex + '0000000102');
  });

  it('ping-pong messages (draft-irtf-cfrg-vdaf-20 §5.7.1)', () => {
    // MessageType initialize(0) || verifier_share<0..2^32-1>.
    expect(toHex(dap.encodePingPongMessage({ type: 'initialize', verifierShare: hex('aa') }))).toBe(
      '0000000001aa',
    );
    // continue(1) || verifier_message<..> || verifier_share<..>; finish(2) || verifier_message.
    expect(
      toHex(
        dap.encodePingPongMessage({
          type: 'continue',
          verifierMessage: hex('bb'),
          verifierShare: hex(''),
        }),
      ),
    ).toBe('0100000001bb00000000');
    expect(toHex(dap.encodePingPongMessage({ type: 'finish', verifierMessage: hex('') }))).toBe(
      '0200000000',
    );
  });
});

describe('collection (draft-ietf-ppm-dap-18 §4.6, §5)', () => {
  // The query of the §4.6.4.1 example: Query { batch_mode time_interval = 01,
  // config<0..2^16-1> = 0010 + TimeIntervalQueryConfig { Interval { start 1659540 = 0x195294,
  // duration 100 = 0x64 } } }.
  const queryHex = '01 0010 0000000000195294 0000000000000064';
  const query: dap.Query = {
    batchMode: dap.BatchMode.time_interval,
    batchInterval: { start: 1659540n, duration: 100n },
  };

  it('Query for both batch modes', () => {
    expect(toHex(dap.encodeQuery(query))).toBe(queryHex.replace(/\s+/g, ''));
    // §5.2.1: the leader-selected query config is empty: 02 0000.
    expect(toHex(dap.encodeQuery({ batchMode: dap.BatchMode.leader_selected }))).toBe('020000');
    expect(() => dap.decodeQuery(hex('02 0001 00'))).toThrow(DecodeError);
  });

  it('CollectionJobReq, AggregateShareReq and AggregateShareAad', () => {
    // CollectionJobReq: Query || agg_param<0..2^32-1> = 00000000 || extensions = 0000.
    const cjr = dap.encodeCollectionJobReq({ query, aggParam: new Uint8Array(0), extensions: [] });
    const cjrHex = (queryHex + '00000000 0000').replace(/\s+/g, '');
    expect(toHex(cjr)).toBe(cjrHex);

    // AggregateShareReq: the CollectionJobReq bytes || BatchSelector { 01, 0010 + Interval
    // { 1659544 = 0x195298, 10 } } || uint64 report_count 1000 = 0x3e8 || checksum[32].
    const asr = dap.encodeAggregateShareReq({
      collectionJobReq: cjr,
      batchSelector: {
        batchMode: dap.BatchMode.time_interval,
        batchInterval: { start: 1659544n, duration: 10n },
      },
      reportCount: 1000n,
      checksum: fill(32, 0x0a),
    });
    const asrHex =
      cjrHex + '01 0010 0000000000195298 000000000000000a 00000000000003e8' + '0a'.repeat(32);
    expect(toHex(asr)).toBe(asrHex.replace(/\s+/g, ''));

    // AggregateShareAad: TaskID[32] || TaskConfiguration || CollectionJobReq bytes.
    const taskId = fill(32, 0x01);
    const taskConfiguration = dap.decodeTaskConfiguration(
      hex('01 74 0001 61 0001 62 0000000000000001 0000000000000001 01 0000 00000001 0000 0000'),
    );
    const aad = dap.encodeAggregateShareAad({ taskId, taskConfiguration, collectionJobReq: cjr });
    expect(toHex(aad)).toBe(
      '01'.repeat(32) +
        '0174000161000162000000000000000100000000000000010100000000000100000000' +
        cjrHex,
    );
  });

  it('CollectionJobResp', () => {
    // uint64 report_count 1000 || Interval { 16595440 = 0xfd39f0, 1 } || two HpkeCiphertexts.
    const resp = {
      reportCount: 1000n,
      interval: { start: 16595440n, duration: 1n },
      leaderEncryptedAggShare: { configId: 9, enc: hex('01'), payload: hex('02') },
      helperEncryptedAggShare: { configId: 9, enc: hex('03'), payload: hex('04') },
    };
    expect(toHex(dap.encodeCollectionJobResp(resp))).toBe(
      '00000000000003e8 0000000000fd39f0 0000000000000001 09 0001 01 00000001 02 09 0001 03 00000001 04'.replace(
        /\s+/g,
        '',
      ),
    );
  });
});

describe('HTTP surface (draft-ietf-ppm-dap-18 §3, §9.1, Appendix A)', () => {
  it('expands the §3 example resource URL', () => {
    // The example: helper "https://example.com/api/dap", task ID f0 16 34 ... e7 and aggregation
    // job ID 95 ce da ... 28 give .../tasks/8BY0Rz.../aggregation_jobs/lc7aUeGpdSNosNlh-UZhKA.
    const taskId = hex('f0163447364ccf1bc0e3affcca6873c9c381f64acdf9020662f83f46c07219e7');
    const jobId = hex('95ceda51e1a9752368b0d961f9466128');
    expect(
      dap.resourceUrl(
        'https://example.com/api/dap',
        dap.ResourcePath.aggregationJobs(taskId, jobId),
      ),
    ).toBe(
      'https://example.com/api/dap/tasks/8BY0RzZMzxvA46_8ymhzycOB9krN-QIGYvg_RsByGec/aggregation_jobs/lc7aUeGpdSNosNlh-UZhKA',
    );
    expect(dap.base64UrlDecode('8BY0RzZMzxvA46_8ymhzycOB9krN-QIGYvg_RsByGec', 32)).toEqual(taskId);
    expect(() => dap.base64UrlDecode('8BY0RzZMzxvA46_8ymhzycOB9krN-QIGYvg_RsByGec=')).toThrow();
    expect(() => dap.base64UrlDecode('lc7aUeGpdSNosNlh-UZhKB')).toThrow(); // non-zero pad bits
  });

  it('names every resource and media type as §9.1 and Appendix A do', () => {
    const t = fill(32, 0);
    const id = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    expect(dap.ResourcePath.hpkeConfig()).toBe('/hpke_config');
    expect(dap.ResourcePath.reports(t)).toBe(`/tasks/${id}/reports`);
    expect(dap.ResourcePath.collectionJobs(t)).toBe(`/tasks/${id}/collection_jobs`);
    expect(dap.ResourcePath.aggregateShares(t)).toBe(`/tasks/${id}/aggregate_shares`);
    expect(dap.MediaType.uploadReq).toBe('application/ppm-dap;message=upload-req');
    expect(dap.MediaType.aggregationJobContinueReq).toBe(
      'application/ppm-dap;message=aggregation-job-continue-req',
    );
    expect(dap.dapMessageOf('Application/PPM-DAP; message=upload-req; version=18')).toBe(
      'upload-req',
    );
    expect(dap.dapMessageOf('application/octet-stream')).toBeUndefined();
  });

  it('builds problem documents with the DAP URN and taskid', () => {
    const doc = dap.problemDocument('unrecognizedTask', { taskId: fill(32, 0) });
    expect(doc.type).toBe('urn:ietf:params:ppm:dap:error:unrecognizedTask');
    expect(doc.taskid).toBe('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(doc.status).toBeGreaterThanOrEqual(400);
    expect(doc.status).toBeLessThan(500);
    expect(Object.keys(dap.PROBLEM_TYPES).sort()).toEqual(
      [
        'invalidMessage',
        'unrecognizedTask',
        'unrecognizedAggregationJob',
        'batchInvalid',
        'invalidBatchSize',
        'invalidAggregationParameter',
        'batchMismatch',
        'stepMismatch',
        'batchOverlap',
        'unsupportedExtension',
        'invalidExtension',
      ].sort(),
    );
    expect(dap.problemTypeOf('urn:ietf:params:ppm:dap:error:batchMismatch')).toBe('batchMismatch');
    expect(dap.problemTypeOf('urn:ietf:params:ppm:dap:error:madeUp')).toBeUndefined();
  });
});
