// The two-party ping-pong topology (draft-irtf-cfrg-vdaf-20 §5.7.1) and chunk length selection
// (§7.4.3.1).
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeWith, encodeWith } from '../src/codec.js';
import {
  ParamError,
  Prio3Count,
  Prio3Histogram,
  chunkLengthForMeasLen,
  decodePingPongMessage,
  encodePingPongMessage,
  parallelSumProofLen,
  pingPongMessageCodec,
  pingPongHelperInit,
  pingPongLeaderContinued,
  pingPongLeaderInit,
  recommendedChunkLength,
  type PingPongMessage,
  type PingPongState,
  type Prio3,
} from '../src/index.js';

type AnyPrio3 = Prio3<unknown, unknown>;
const CTX = new TextEncoder().encode('dap-18 test');
const o = { backend: 'ts' as const };

function report(v: AnyPrio3, m: unknown) {
  const nonce = randomBytes(16);
  const r = v.shard(CTX, m, nonce, randomBytes(v.randSize));
  return {
    nonce,
    ps: v.encodePublicShare(r.publicShare),
    leader: v.encodeInputShare(r.inputShares[0]),
    helper: v.encodeInputShare(r.inputShares[1]),
  };
}

function kindAndCode(s: PingPongState): string {
  return s.kind === 'rejected' ? `rejected:${s.error.code}` : s.kind;
}

describe('ping-pong', () => {
  const v = new Prio3Histogram(2, 6, 2, o) as AnyPrio3;
  const key = randomBytes(32);

  it('both sides finish with output shares that sum to the measurement', () => {
    const r = report(v, 4);
    const l0 = pingPongLeaderInit(v, key, CTX, r.nonce, r.ps, r.leader);
    expect(l0.kind).toBe('continued');
    if (l0.kind !== 'continued') return;
    const h = pingPongHelperInit(v, key, CTX, r.nonce, r.ps, r.helper, l0.outbound);
    expect(h.kind).toBe('finishedWithOutbound');
    if (h.kind !== 'finishedWithOutbound') return;
    const l1 = pingPongLeaderContinued(v, CTX, l0, h.outbound);
    expect(l1.kind).toBe('finished');
    if (l1.kind !== 'finished') return;
    expect(v.unshard([l1.outShare, h.outShare], 1)).toEqual([0n, 0n, 0n, 0n, 1n, 0n]);
  });

  it('rejects a tampered leader verifier share (VERIFY) and a truncated message (DECODE)', () => {
    const r = report(v, 1);
    const l0 = pingPongLeaderInit(v, key, CTX, r.nonce, r.ps, r.leader);
    if (l0.kind !== 'continued') throw new Error('leader init failed');
    const tampered = l0.outbound.slice();
    tampered[10] ^= 1;
    expect(kindAndCode(pingPongHelperInit(v, key, CTX, r.nonce, r.ps, r.helper, tampered))).toBe(
      'rejected:VERIFY',
    );
    const cut = l0.outbound.subarray(0, l0.outbound.length - 1);
    expect(kindAndCode(pingPongHelperInit(v, key, CTX, r.nonce, r.ps, r.helper, cut))).toBe(
      'rejected:DECODE',
    );
    expect(
      kindAndCode(pingPongHelperInit(v, key, CTX, r.nonce, r.ps, r.helper, new Uint8Array([7]))),
    ).toBe('rejected:DECODE');
  });

  it('rejects a wrong message type and a wrong joint randomness seed at the leader', () => {
    const r = report(v, 2);
    const l0 = pingPongLeaderInit(v, key, CTX, r.nonce, r.ps, r.leader);
    if (l0.kind !== 'continued') throw new Error('leader init failed');
    const h = pingPongHelperInit(v, key, CTX, r.nonce, r.ps, r.helper, l0.outbound);
    if (h.kind !== 'finishedWithOutbound') throw new Error('helper failed');
    // The helper's own initialize message echoed back to the leader is refused.
    expect(kindAndCode(pingPongLeaderContinued(v, CTX, l0, l0.outbound))).toBe('rejected:VERIFY');
    const bad = h.outbound.slice();
    bad[bad.length - 1] ^= 0x80;
    expect(kindAndCode(pingPongLeaderContinued(v, CTX, l0, bad))).toBe('rejected:VERIFY');
  });

  it('rejects a report whose leader share does not decode', () => {
    const r = report(v, 0);
    expect(kindAndCode(pingPongLeaderInit(v, key, CTX, r.nonce, r.ps, r.leader.subarray(1)))).toBe(
      'rejected:DECODE',
    );
  });

  it('works without joint randomness (Prio3Count)', () => {
    const c = new Prio3Count(2, o) as AnyPrio3;
    const r = report(c, 1);
    const l0 = pingPongLeaderInit(c, key, CTX, r.nonce, r.ps, r.leader);
    if (l0.kind !== 'continued') throw new Error('leader init failed');
    const h = pingPongHelperInit(c, key, CTX, r.nonce, r.ps, r.helper, l0.outbound);
    if (h.kind !== 'finishedWithOutbound') throw new Error('helper failed');
    const l1 = pingPongLeaderContinued(c, CTX, l0, h.outbound);
    if (l1.kind !== 'finished') throw new Error('leader continued failed');
    expect(c.unshard([l1.outShare, h.outShare], 1)).toBe(1n);
  });

  it('requires exactly two shares', () => {
    const three = new Prio3Count(3, o) as AnyPrio3;
    expect(() =>
      pingPongLeaderInit(three, key, CTX, randomBytes(16), new Uint8Array(0), new Uint8Array(0)),
    ).toThrow(ParamError);
  });
});

describe('chunk length selection', () => {
  it('minimises the proof length over every chunk length', () => {
    for (let len = 1; len <= 400; len++) {
      const best = Math.min(
        ...Array.from({ length: len }, (_, c) => parallelSumProofLen(len, c + 1)),
      );
      expect(parallelSumProofLen(len, chunkLengthForMeasLen(len))).toBe(best);
    }
  });

  it('avoids the power-of-two cliff for Histogram(1024)', () => {
    expect(recommendedChunkLength({ type: 'Prio3Histogram', length: 1024 })).toBe(34);
    expect(parallelSumProofLen(1024, 34)).toBeLessThan(parallelSumProofLen(1024, 32));
  });

  it('sizes each variant by its encoded length', () => {
    expect(recommendedChunkLength({ type: 'Prio3SumVec', length: 10, maxMeasurement: 255 })).toBe(
      chunkLengthForMeasLen(80),
    );
    expect(
      recommendedChunkLength({ type: 'Prio3MultihotCountVec', length: 10, maxWeight: 2 }),
    ).toBe(chunkLengthForMeasLen(12));
    expect(recommendedChunkLength({ type: 'Prio3L1BoundSum', length: 10, maxValue: 240 })).toBe(
      chunkLengthForMeasLen(88),
    );
    expect(() => recommendedChunkLength({ type: 'Prio3Histogram', length: 0 })).toThrow(ParamError);
  });
});

describe('ping-pong message encoding', () => {
  it('the direct encoding of initialize and finish equals the codec writer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, init) => {
        const m: PingPongMessage = init
          ? { type: 'initialize', verifierShare: bytes }
          : { type: 'finish', verifierMessage: bytes };
        expect(encodePingPongMessage(m)).toEqual(encodeWith(pingPongMessageCodec, m));
      }),
      { numRuns: 100, seed: 5 },
    );
  });

  it('the direct decoding equals the codec reader, or both throw a DecodeError', () => {
    const viaCodec = (b: Uint8Array) => decodeWith(pingPongMessageCodec, b, 'PingPongMessage');
    const outcome = (f: () => PingPongMessage) => {
      try {
        return f();
      } catch (e) {
        return (e as { code?: string }).code;
      }
    };
    const wellFormed = fc
      .tuple(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(0, 1, 2))
      .map(([b, t]) => {
        const m: PingPongMessage =
          t === 0
            ? { type: 'initialize', verifierShare: b }
            : t === 1
              ? { type: 'continue', verifierMessage: b, verifierShare: b }
              : { type: 'finish', verifierMessage: b };
        return encodeWith(pingPongMessageCodec, m);
      });
    // Well-formed messages, then truncated, extended or random bytes.
    const input = fc.oneof(
      wellFormed,
      wellFormed.map((b) => b.subarray(0, Math.max(0, b.length - 1))),
      wellFormed.map((b) => Uint8Array.of(...b, 0)),
      fc.uint8Array({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(input, (b) => {
        const direct = outcome(() => decodePingPongMessage(b));
        expect(direct).toEqual(outcome(() => viaCodec(b)));
        if (typeof direct === 'string') expect(direct).toBe('DECODE');
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it('decodes a Buffer into a copy, never a view of it', () => {
    const buf = Buffer.from([2, 0, 0, 0, 2, 9, 9]);
    const m = decodePingPongMessage(buf);
    buf[5] = 0;
    expect(m).toEqual({ type: 'finish', verifierMessage: new Uint8Array([9, 9]) });
    expect(Buffer.isBuffer((m as { verifierMessage: Uint8Array }).verifierMessage)).toBe(false);
  });

  it('rejects a share that is not bytes with a ParamError', () => {
    const bad = { type: 'finish', verifierMessage: [1, 2] } as unknown as PingPongMessage;
    expect(() => encodePingPongMessage(bad)).toThrow(ParamError);
  });
});
