// Hostile input to the public DAP-18 functions that are not message codecs: every failure is a
// typed ProtocolError with a stable code, never a crash or a different error class.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import * as dap from '../src/dap/index.js';
import { DecodeError, ProtocolError } from '../src/errors.js';

const taskId = new Uint8Array(32).fill(7);
const taskConfiguration = dap.makeTaskConfiguration({
  taskInfo: new Uint8Array([1]),
  leaderAggregatorEndpoint: 'https://l.example/',
  helperAggregatorEndpoint: 'https://h.example/',
  timePrecision: 1n,
  minBatchSize: 1n,
  batchMode: dap.BatchMode.time_interval,
  vdaf: { type: 'Prio3Count' },
});

let keys: dap.HpkeKeypair;
beforeAll(async () => {
  keys = await dap.generateHpkeKeypair(4);
});

describe('openInputShare and openAggregateShare on random ciphertexts', () => {
  it('fail with an HpkeError code', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 40 }),
        fc.uint8Array({ minLength: 1, maxLength: 80 }),
        fc.constantFrom(3, 4),
        async (enc, payload, configId) => {
          const e = await dap
            .openInputShare({
              taskId,
              taskConfiguration,
              role: dap.Role.leader,
              keys,
              reportMetadata: { reportId: new Uint8Array(16), time: 0n, publicExtensions: [] },
              publicShare: new Uint8Array(0),
              encryptedInputShare: { configId, enc, payload },
            })
            .catch((x: unknown) => x);
          expect(e).toBeInstanceOf(ProtocolError);
          expect(['HPKE_OPEN', 'HPKE_UNKNOWN_CONFIG']).toContain((e as ProtocolError).code);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('reject a collectionJobReq that is not one encoded request with ParamError', async () => {
    const e = await dap
      .openAggregateShare({
        taskId,
        taskConfiguration,
        collectionJobReq: new Uint8Array([9, 9]),
        role: dap.Role.leader,
        keys,
        ciphertext: { configId: 4, enc: new Uint8Array(32), payload: new Uint8Array(17) },
      })
      .catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'PARAM' });
  });
});

describe('sealReport with out-of-range parameters', () => {
  it('throws ParamError before any encryption', async () => {
    const base = {
      taskId,
      taskConfiguration,
      leaderHpkeConfig: keys.config,
      helperHpkeConfig: keys.config,
      reportId: new Uint8Array(16),
      time: 1n,
      publicShare: new Uint8Array(0),
      leaderInputShare: new Uint8Array([1]),
      helperInputShare: new Uint8Array([1]),
    };
    for (const change of [
      { reportId: new Uint8Array(15) },
      { taskId: new Uint8Array(33) },
      { time: -1n },
      { leaderInputShare: new Uint8Array(0) },
      { publicExtensions: [{ extensionType: 70000, extensionData: new Uint8Array(0) }] },
    ]) {
      await expect(dap.sealReport({ ...base, ...change })).rejects.toThrow(
        expect.objectContaining({ code: 'PARAM' }),
      );
    }
  });
});

describe('Base 64, media types and problem types', () => {
  it('base64UrlDecode accepts exactly the canonical encodings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (s) => {
        try {
          expect(dap.base64UrlEncode(dap.base64UrlDecode(s))).toBe(s);
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
        }
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        expect(dap.base64UrlDecode(dap.base64UrlEncode(b))).toEqual(b);
      }),
      { numRuns: 200 },
    );
  });

  it('dapMessageOf never throws', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => {
        const m = dap.dapMessageOf(s);
        expect(m === undefined || typeof m === 'string').toBe(true);
      }),
      { numRuns: 300 },
    );
    expect(dap.dapMessageOf(undefined)).toBeUndefined();
    expect(dap.dapMessageOf('application/ppm-dap;message=a;message=b')).toBeUndefined();
  });

  it('problem helpers reject unknown tokens', () => {
    expect(() => dap.problemDocument('nope' as dap.ProblemType)).toThrow(
      expect.objectContaining({ code: 'PARAM' }),
    );
    expect(() => dap.problemTypeUrn('toString' as dap.ProblemType)).toThrow(
      expect.objectContaining({ code: 'PARAM' }),
    );
    expect(dap.problemTypeOf(42)).toBeUndefined();
  });
});

describe('time and configuration helpers', () => {
  it('reject bad precisions and times with ParamError', () => {
    const param = expect.objectContaining({ code: 'PARAM' });
    expect(() => dap.timeFromSeconds(10n, 0n)).toThrow(param);
    expect(() => dap.timeFromSeconds(-1, 10n)).toThrow(param);
    expect(() => dap.timeFromSeconds(Number.NaN, 10n)).toThrow(param);
    expect(() => dap.timeToSeconds(-1n, 10n)).toThrow(param);
    expect(() => dap.currentTime(-5n)).toThrow(param);
  });

  it('makeTaskConfiguration rejects duplicate extensions and bad fields', () => {
    const params = {
      taskInfo: new Uint8Array([1]),
      leaderAggregatorEndpoint: 'https://l/',
      helperAggregatorEndpoint: 'https://h/',
      timePrecision: 60n,
      minBatchSize: 1n,
      batchMode: dap.BatchMode.time_interval,
      vdaf: { type: 'Prio3Count' } as dap.VdafConfig,
    };
    const param = expect.objectContaining({ code: 'PARAM' });
    expect(() =>
      dap.makeTaskConfiguration({
        ...params,
        taskInterval: { start: 0n, duration: 1n },
        extensions: [{ extensionType: 1, extensionData: new Uint8Array(16) }],
      }),
    ).toThrow(param);
    expect(() => dap.makeTaskConfiguration({ ...params, taskInfo: new Uint8Array(0) })).toThrow(
      param,
    );
    expect(() => dap.makeTaskConfiguration({ ...params, timePrecision: 0n })).toThrow(param);
    expect(() =>
      dap.makeTaskConfiguration({
        ...params,
        vdaf: { type: 'Prio9' } as unknown as dap.VdafConfig,
      }),
    ).toThrow(param);
    // Extensions come out sorted by type, whatever order they were given in.
    const sorted = dap.makeTaskConfiguration({
      ...params,
      taskInterval: { start: 0n, duration: 1n },
      extensions: [{ extensionType: 9, extensionData: new Uint8Array(0) }],
    });
    expect(sorted.extensions.map((e) => e.extensionType)).toEqual([1, 9]);
    expect(dap.extensionsStrictlyIncreasing(sorted.extensions)).toBe(true);
    expect(dap.extensionsStrictlyIncreasing([...sorted.extensions].reverse())).toBe(false);
  });

  it('decodeVdafConfig rejects unknown types and wrong lengths', () => {
    expect(() => dap.decodeVdafConfig(8, new Uint8Array(0))).toThrow(DecodeError);
    expect(() => dap.decodeVdafConfig(1, new Uint8Array(1))).toThrow(DecodeError);
    expect(() => dap.decodeVdafConfig(2, new Uint8Array(7))).toThrow(DecodeError);
  });

  it('taskInterval rejects a malformed extension with DecodeError', () => {
    const bad = {
      ...taskConfiguration,
      extensions: [{ extensionType: 1, extensionData: new Uint8Array(15) }],
    };
    expect(() => dap.taskInterval(bad)).toThrow(DecodeError);
    expect(() =>
      dap.leaderSelectedBatchId([{ extensionType: 1, extensionData: new Uint8Array(31) }]),
    ).toThrow(DecodeError);
  });

  it('decoders copy out of Node Buffers', () => {
    const bytes = Buffer.from(
      dap.encodeReportMetadata({
        reportId: new Uint8Array(16).fill(5),
        time: 3n,
        publicExtensions: [],
      }),
    );
    const decoded = dap.decodeReportMetadata(bytes);
    bytes.fill(0);
    expect(decoded.reportId).toEqual(new Uint8Array(16).fill(5));
    expect(decoded.reportId.constructor).toBe(Uint8Array);
  });
});
