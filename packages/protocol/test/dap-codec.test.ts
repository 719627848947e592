// Round trips and hostile-input fuzzing of every DAP-18 message codec: a decoder either returns
// a value that re-encodes to exactly the input, or throws DecodeError; nothing else.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, ParamError } from '../src/errors.js';
import * as dap from '../src/dap/index.js';
import * as arb from './dap-arbitraries.js';

interface Case<T> {
  name: string;
  arb: fc.Arbitrary<T>;
  encode: (v: T) => Uint8Array;
  decode: (b: Uint8Array) => T;
}

const c = <T>(
  name: string,
  a: fc.Arbitrary<T>,
  encode: (v: T) => Uint8Array,
  decode: (b: Uint8Array) => T,
): Case<unknown> => ({ name, arb: a, encode, decode }) as Case<unknown>;

const vdafConfigCase = c(
  'VdafConfig',
  arb.arbVdafConfig,
  (v) => {
    const e = dap.encodeVdafConfig(v);
    const out = new Uint8Array(4 + e.vdafConfiguration.length);
    new DataView(out.buffer).setUint32(0, e.vdafType);
    out.set(e.vdafConfiguration, 4);
    return out;
  },
  (b) => {
    if (b.length < 4) throw new DecodeError('short');
    return dap.decodeVdafConfig(new DataView(b.buffer, b.byteOffset).getUint32(0), b.subarray(4));
  },
);

const cases: Case<unknown>[] = [
  c('Interval', arb.arbInterval, dap.encodeInterval, dap.decodeInterval),
  c('HpkeCiphertext', arb.arbCiphertext, dap.encodeHpkeCiphertext, dap.decodeHpkeCiphertext),
  c('Extension', arb.arbExtension, dap.encodeExtension, dap.decodeExtension),
  c('HpkeConfig', arb.arbHpkeConfig, dap.encodeHpkeConfig, dap.decodeHpkeConfig),
  c(
    'HpkeConfigList',
    fc.array(arb.arbHpkeConfig, { minLength: 1, maxLength: 3 }),
    dap.encodeHpkeConfigList,
    dap.decodeHpkeConfigList,
  ),
  vdafConfigCase,
  c(
    'TaskConfiguration',
    arb.arbTaskConfiguration,
    dap.encodeTaskConfiguration,
    dap.decodeTaskConfiguration,
  ),
  c('ReportMetadata', arb.arbReportMetadata, dap.encodeReportMetadata, dap.decodeReportMetadata),
  c(
    'PlaintextInputShare',
    arb.arbPlaintextInputShare,
    dap.encodePlaintextInputShare,
    dap.decodePlaintextInputShare,
  ),
  c('Report', arb.arbReport, dap.encodeReport, dap.decodeReport),
  c(
    'UploadRequest',
    fc.array(arb.arbReport, { maxLength: 3 }),
    dap.encodeUploadRequest,
    dap.decodeUploadRequest,
  ),
  c(
    "UploadRequest with each report's bytes",
    fc
      .array(arb.arbReport, { maxLength: 3 })
      .map((rs) => rs.map((report) => ({ report, encoded: dap.encodeReport(report) }))),
    (items) => dap.encodeUploadRequest(items.map((i) => i.report)),
    dap.decodeUploadRequestEncoded,
  ),
  c(
    'UploadErrors',
    fc.array(arb.arbUploadStatus, { maxLength: 4 }),
    dap.encodeUploadErrors,
    dap.decodeUploadErrors,
  ),
  c(
    'InputShareAad',
    fc.record({
      taskId: arb.bytes(32, 32),
      taskConfiguration: arb.arbTaskConfiguration,
      reportMetadata: arb.arbReportMetadata,
      publicShare: arb.bytes(0, 30),
    }),
    dap.encodeInputShareAad,
    dap.decodeInputShareAad,
  ),
  c('Query', arb.arbQuery, dap.encodeQuery, dap.decodeQuery),
  c('BatchSelector', arb.arbBatchSelector, dap.encodeBatchSelector, dap.decodeBatchSelector),
  c(
    'AggregationJobInitReq',
    arb.arbAggregationJobInitReq,
    dap.encodeAggregationJobInitReq,
    dap.decodeAggregationJobInitReq,
  ),
  c(
    'AggregationJobResp',
    fc.array(arb.arbVerifyResp, { maxLength: 4 }),
    dap.encodeAggregationJobResp,
    dap.decodeAggregationJobResp,
  ),
  c(
    'AggregationJobContinueReq',
    arb.arbContinueReq,
    dap.encodeAggregationJobContinueReq,
    dap.decodeAggregationJobContinueReq,
  ),
  c(
    'CollectionJobReq',
    arb.arbCollectionJobReq,
    dap.encodeCollectionJobReq,
    dap.decodeCollectionJobReq,
  ),
  c(
    'CollectionJobResp',
    arb.arbCollectionJobResp,
    dap.encodeCollectionJobResp,
    dap.decodeCollectionJobResp,
  ),
  c(
    'AggregateShareReq',
    arb.arbAggregateShareReq,
    dap.encodeAggregateShareReq,
    dap.decodeAggregateShareReq,
  ),
  c('AggregateShare', arb.arbCiphertext, dap.encodeAggregateShare, dap.decodeAggregateShare),
  c(
    'AggregateShareAad',
    fc.record({
      taskId: arb.bytes(32, 32),
      taskConfiguration: arb.arbTaskConfiguration,
      collectionJobReq: arb.arbCollectionJobReq.map(dap.encodeCollectionJobReq),
    }),
    dap.encodeAggregateShareAad,
    dap.decodeAggregateShareAad,
  ),
  c('PingPongMessage', arb.arbPingPong, dap.encodePingPongMessage, dap.decodePingPongMessage),
];

/** Decodes hostile bytes: the result must re-encode to the input, or the error is a DecodeError. */
function decodesStrictly(kase: Case<unknown>, input: Uint8Array): void {
  let value: unknown;
  try {
    value = kase.decode(input);
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    expect((e as DecodeError).code).toBe('DECODE');
    return;
  }
  expect(kase.encode(value)).toEqual(input);
}

const RUNS = 150;

describe.each(cases)('$name', (kase) => {
  it('round-trips through encode and decode', () => {
    fc.assert(
      fc.property(kase.arb, (v) => {
        const bytes = kase.encode(v);
        expect(kase.decode(bytes)).toEqual(v);
        expect(kase.encode(kase.decode(bytes))).toEqual(bytes);
      }),
      { numRuns: RUNS },
    );
  });

  it('rejects or re-encodes random bytes', () => {
    fc.assert(
      fc.property(arb.bytes(0, 200), (b) => decodesStrictly(kase, b)),
      { numRuns: RUNS },
    );
  });

  it('rejects every truncation of a valid encoding, or re-encodes it', () => {
    fc.assert(
      fc.property(kase.arb, fc.nat(), (v, n) => {
        const bytes = kase.encode(v);
        if (bytes.length === 0) return;
        decodesStrictly(kase, bytes.subarray(0, n % bytes.length));
      }),
      { numRuns: RUNS },
    );
  });

  it('rejects or re-encodes a valid encoding with bytes appended', () => {
    fc.assert(
      fc.property(kase.arb, arb.bytes(1, 40), (v, extra) => {
        const bytes = kase.encode(v);
        const extended = new Uint8Array(bytes.length + extra.length);
        extended.set(bytes);
        extended.set(extra, bytes.length);
        decodesStrictly(kase, extended);
      }),
      { numRuns: RUNS },
    );
  });

  it('rejects or re-encodes a valid encoding with one byte changed', () => {
    fc.assert(
      fc.property(kase.arb, fc.nat(), arb.u8, (v, at, x) => {
        const bytes = kase.encode(v).slice();
        if (bytes.length === 0) return;
        bytes[at % bytes.length] ^= x | 1;
        decodesStrictly(kase, bytes);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('length prefixes', () => {
  it('never allocates from a hostile 4-byte length prefix', () => {
    // PlaintextInputShare: an empty extension list, then a payload claiming 2^32-1 bytes.
    const hostile = new Uint8Array([0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(() => dap.decodePlaintextInputShare(hostile)).toThrow(DecodeError);
  });

  it('rejects a vector shorter than its minimum', () => {
    // HpkeCiphertext.enc is opaque<1..2^16-1>: a zero length is not a valid encoding.
    const zeroEnc = new Uint8Array([0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xaa]);
    expect(() => dap.decodeHpkeCiphertext(zeroEnc)).toThrow(DecodeError);
    expect(() =>
      dap.encodeHpkeCiphertext({ configId: 1, enc: new Uint8Array(0), payload: new Uint8Array(1) }),
    ).toThrow(expect.objectContaining({ code: 'PARAM' }));
  });

  it('rejects an empty HpkeConfigList on both sides', () => {
    expect(() => dap.decodeHpkeConfigList(new Uint8Array([0, 0]))).toThrow(DecodeError);
    expect(() => dap.encodeHpkeConfigList([])).toThrow(expect.objectContaining({ code: 'PARAM' }));
  });
});

describe('encoders reject out-of-range values with ParamError', () => {
  const param = expect.objectContaining({ code: 'PARAM' });
  it('integers', () => {
    expect(() => dap.encodeInterval({ start: -1n, duration: 0n })).toThrow(param);
    expect(() => dap.encodeInterval({ start: 1n << 64n, duration: 0n })).toThrow(param);
    expect(() =>
      dap.encodeExtension({ extensionType: 0x10000, extensionData: new Uint8Array(0) }),
    ).toThrow(param);
    expect(() =>
      dap.encodeExtension({ extensionType: 1.5, extensionData: new Uint8Array(0) }),
    ).toThrow(param);
  });
  it('fixed lengths', () => {
    expect(() =>
      dap.encodeReportMetadata({ reportId: new Uint8Array(15), time: 0n, publicExtensions: [] }),
    ).toThrow(param);
    expect(() =>
      dap.encodeBatchSelector({
        batchMode: dap.BatchMode.leader_selected,
        batchId: new Uint8Array(31),
      }),
    ).toThrow(param);
  });
  it('URLs that are not printable ASCII', () => {
    fc.assert(
      fc.property(arb.arbTaskConfiguration, fc.constantFrom(' ', 'é', '\n', '\u0000'), (t, ch) => {
        expect(() =>
          dap.encodeTaskConfiguration({ ...t, leaderAggregatorEndpoint: 'https://a' + ch }),
        ).toThrow(param);
      }),
      { numRuns: 20 },
    );
  });
  it('an AggregateShareReq whose forwarded bytes are not one CollectionJobReq', () => {
    expect(() =>
      dap.encodeAggregateShareReq({
        collectionJobReq: new Uint8Array([1, 0]),
        batchSelector: { batchMode: dap.BatchMode.leader_selected, batchId: new Uint8Array(32) },
        reportCount: 0n,
        checksum: new Uint8Array(32),
      }),
    ).toThrow(param);
  });
});

describe('InputShareAadEncoder', () => {
  it('encodes what encodeInputShareAad encodes, for any task and report', () => {
    fc.assert(
      fc.property(
        arb.bytes(32, 32),
        arb.arbTaskConfiguration,
        fc.array(fc.tuple(arb.arbReportMetadata, arb.bytes(0, 80)), { minLength: 1, maxLength: 4 }),
        (taskId, taskConfiguration, reports) => {
          const aads = new dap.InputShareAadEncoder(taskId, taskConfiguration);
          for (const [reportMetadata, publicShare] of reports) {
            expect(aads.encode(reportMetadata, publicShare)).toEqual(
              dap.encodeInputShareAad({ taskId, taskConfiguration, reportMetadata, publicShare }),
            );
          }
        },
      ),
      { numRuns: 100, seed: 11 },
    );
  });

  it('refuses out-of-range fields with ParamError', () => {
    const cfg = fc.sample(arb.arbTaskConfiguration, { numRuns: 1, seed: 3 })[0];
    const meta = fc.sample(arb.arbReportMetadata, { numRuns: 1, seed: 3 })[0];
    expect(() => new dap.InputShareAadEncoder(new Uint8Array(33), cfg)).toThrow(ParamError);
    const aads = new dap.InputShareAadEncoder(new Uint8Array(32), cfg);
    expect(() => aads.encode({ ...meta, time: -1n }, new Uint8Array(0))).toThrow(ParamError);
    expect(() => aads.encode(meta, 'share' as unknown as Uint8Array)).toThrow(ParamError);
  });
});

describe('decodeUploadRequestEncoded', () => {
  it('gives each report the bytes it was decoded from, in order, as copies', () => {
    fc.assert(
      fc.property(fc.array(arb.arbReport, { maxLength: 4 }), (reports) => {
        const body = dap.encodeUploadRequest(reports);
        const got = dap.decodeUploadRequestEncoded(body);
        expect(got.map((g) => g.report)).toEqual(dap.decodeUploadRequest(body));
        let at = 0;
        for (const g of got) {
          expect(g.encoded).toEqual(body.subarray(at, at + g.encoded.length));
          expect(g.encoded).toEqual(dap.encodeReport(g.report));
          expect(g.encoded.buffer).not.toBe(body.buffer);
          at += g.encoded.length;
        }
        expect(at).toBe(body.length);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses what is not bytes with a DecodeError', () => {
    for (const bad of [undefined, null, 'abc', [1, 2, 3], new ArrayBuffer(4)]) {
      expect(() => dap.decodeUploadRequestEncoded(bad as unknown as Uint8Array)).toThrow(
        DecodeError,
      );
    }
  });
});

describe('Writer and Reader integers', () => {
  it('write big-endian at the bounds of each width and read them back', () => {
    const w = new dap.Writer();
    const u16s = [0, 1, 0xff, 0x100, 0xfffe, 0xffff];
    const u32s = [0, 1, 0xff, 0x1234, 0x12345678, 0x80000000, 0xffffffff];
    const u64s = [0n, 1n, 0xffffffffn, 0x100000000n, 0x0123456789abcdefn, 2n ** 64n - 1n];
    for (const v of u16s) w.u16(v, 'u16');
    for (const v of u32s) w.u32(v, 'u32');
    for (const v of u64s) w.u64(v, 'u64');
    w.u8(0xab, 'u8');
    const bytes = w.finish();
    // A few positions spelled out: 0x1234 as a uint32, and 0x0123456789abcdef.
    expect([...bytes.subarray(12 + 12, 12 + 16)]).toEqual([0x00, 0x00, 0x12, 0x34]);
    const at = 12 + 28 + 32;
    expect([...bytes.subarray(at, at + 8)]).toEqual([1, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]);
    const r = new dap.Reader(bytes, 'ints');
    expect(u16s.map(() => r.u16('u16'))).toEqual(u16s);
    expect(u32s.map(() => r.u32('u32'))).toEqual(u32s);
    expect(u64s.map(() => r.u64('u64'))).toEqual(u64s);
    expect(r.u8('u8')).toBe(0xab);
    r.end();
  });

  it('refuse out-of-range integers with a ParamError and write nothing for them', () => {
    const w = new dap.Writer();
    expect(() => w.u16(0x10000, 'x')).toThrow(ParamError);
    expect(() => w.u32(-1, 'x')).toThrow(ParamError);
    expect(() => w.u32(2 ** 32, 'x')).toThrow(ParamError);
    expect(() => w.u64(2n ** 64n, 'x')).toThrow(ParamError);
    expect(() => w.u64(-1n, 'x')).toThrow(ParamError);
    expect(w.finish().length).toBe(0);
  });

  it('grows past its first buffer and keeps every byte', () => {
    const w = new dap.Writer();
    const chunk = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    for (let k = 0; k < 10; k++) w.raw(chunk);
    const out = w.finish();
    expect(out.length).toBe(3000);
    for (let k = 0; k < 10; k++) expect(out.subarray(k * 300, (k + 1) * 300)).toEqual(chunk);
  });
});
