// Hostile input for every Prio3 decoder of every variant: random, truncated and extended bytes
// either decode to a value that re-encodes to the same bytes, or raise DecodeError; nothing else.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DecodeError,
  ParamError,
  Prio3Count,
  Prio3Histogram,
  Prio3L1BoundSum,
  Prio3MultihotCountVec,
  Prio3Sum,
  Prio3SumVec,
  Prio3SumVecWithMultiproof,
  type Prio3,
} from '../src/index.js';

type AnyPrio3 = Prio3<unknown, unknown>;
const o = { backend: 'ts' as const };
const CTX = new Uint8Array(0);

const instances: [string, AnyPrio3, unknown][] = [
  ['Prio3Count(2)', new Prio3Count(2, o) as AnyPrio3, 1],
  ['Prio3Histogram(3, 7, 3)', new Prio3Histogram(3, 7, 3, o) as AnyPrio3, 4],
  ['Prio3Sum(2, 1000)', new Prio3Sum(2, 1000, o) as AnyPrio3, 999],
  ['Prio3SumVec(2, 3, 5, 2)', new Prio3SumVec(2, 3, 5, 2, o) as AnyPrio3, [5, 0, 3]],
  [
    'Prio3MultihotCountVec(2, 5, 2, 2)',
    new Prio3MultihotCountVec(2, 5, 2, 2, o) as AnyPrio3,
    [true, false, false, true, false],
  ],
  ['Prio3L1BoundSum(2, 3, 10, 2)', new Prio3L1BoundSum(2, 3, 10, 2, o) as AnyPrio3, [1, 2, 3]],
  [
    'Prio3SumVecWithMultiproof(2, Field64, 2, 3, 7, 2)',
    new Prio3SumVecWithMultiproof(2, 'Field64', 2, 3, 7, 2, o) as AnyPrio3,
    [7, 0, 3],
  ],
];

/** Every decoder with the encoder that must reproduce its input. */
function codecs(v: AnyPrio3): [string, (b: Uint8Array) => Uint8Array][] {
  return [
    ['public share', (b) => v.encodePublicShare(v.decodePublicShare(b))],
    ['leader input share', (b) => v.encodeInputShare(v.decodeInputShare(0, b))],
    ['helper input share', (b) => v.encodeInputShare(v.decodeInputShare(1, b))],
    ['verifier share', (b) => v.encodeVerifierShare(v.decodeVerifierShare(b))],
    ['verifier message', (b) => v.encodeVerifierMessage(v.decodeVerifierMessage(b))],
    ['aggregate share', (b) => v.encodeAggShare(v.decodeAggShare(b))],
    ['output share', (b) => v.encodeOutShare(v.decodeOutShare(b))],
    ['verify state', (b) => v.encodeVerifyState(v.decodeVerifyState(b))],
  ];
}

/** Genuine encodings of each message of one report, to mutate. */
function genuine(v: AnyPrio3, m: unknown): Record<string, Uint8Array> {
  const nonce = randomBytes(16);
  const key = randomBytes(32);
  const r = v.shard(CTX, m, nonce, randomBytes(v.randSize));
  const init = r.inputShares.map((s, j) => v.verifyInit(key, CTX, j, nonce, r.publicShare, s));
  const msg = v.verifierSharesToMessage(
    CTX,
    init.map((i) => i.verifierShare),
  );
  return {
    'public share': v.encodePublicShare(r.publicShare),
    'leader input share': v.encodeInputShare(r.inputShares[0]),
    'helper input share': v.encodeInputShare(r.inputShares[1]),
    'verifier share': v.encodeVerifierShare(init[0].verifierShare),
    'verifier message': v.encodeVerifierMessage(msg),
    'aggregate share': v.encodeAggShare(init[0].state.outShare),
    'output share': v.encodeOutShare(init[1].state.outShare),
    'verify state': v.encodeVerifyState(init[0].state),
  };
}

function roundTripsOrDecodeError(f: (b: Uint8Array) => Uint8Array, b: Uint8Array): void {
  let out: Uint8Array;
  try {
    out = f(b);
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    expect((e as DecodeError).code).toBe('DECODE');
    return;
  }
  expect(Buffer.from(out).equals(Buffer.from(b))).toBe(true);
}

describe.each(instances)('%s decoders', (_name, v, m) => {
  const good = genuine(v, m);

  it.each(codecs(v))('%s: genuine bytes round-trip', (name, f) => {
    expect(Buffer.from(f(good[name])).equals(Buffer.from(good[name]))).toBe(true);
  });

  it.each(codecs(v))('%s: truncated and extended bytes raise DecodeError', (name, f) => {
    const b = good[name];
    if (b.length > 0) expect(() => f(b.subarray(0, b.length - 1))).toThrow(DecodeError);
    expect(() => f(new Uint8Array([...b, 0]))).toThrow(DecodeError);
    expect(() => f(new Uint8Array([...b, ...randomBytes(17)]))).toThrow(DecodeError);
  });

  it.each(codecs(v))('%s: random and mutated bytes re-encode or raise DecodeError', (name, f) => {
    const b = good[name];
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: b.length + 40 }),
          fc.uint8Array({ minLength: b.length, maxLength: b.length }),
          fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([i, d]) => {
            const c = b.slice();
            if (c.length > 0) c[i % c.length] ^= d;
            return c;
          }),
        ),
        (bytes) => roundTripsOrDecodeError(f, bytes),
      ),
      { numRuns: 100, seed: 11 },
    );
  });
});

describe('non-canonical field elements', () => {
  it('are rejected in a leader input share', () => {
    const v = new Prio3Count(2, o) as AnyPrio3;
    const b = v.encodeInputShare(
      v.shard(CTX, 1, randomBytes(16), randomBytes(v.randSize)).inputShares[0],
    );
    b.fill(0xff, 0, 8); // the measurement share becomes 2^64 - 1 >= p
    expect(() => v.decodeInputShare(0, b)).toThrow(DecodeError);
  });

  it('are rejected in an aggregate share (Field128)', () => {
    const v = new Prio3Histogram(2, 2, 1, o) as AnyPrio3;
    expect(() => v.decodeAggShare(new Uint8Array(32).fill(0xff))).toThrow(DecodeError);
  });
});

describe('parameters of the decoders and operations', () => {
  const v = new Prio3Count(2, o) as AnyPrio3;
  it('reject an aggregator id out of range with ParamError', () => {
    expect(() => v.decodeInputShare(2, new Uint8Array(32))).toThrow(ParamError);
    expect(() => v.decodeInputShare(-1, new Uint8Array(32))).toThrow(ParamError);
    expect(() => v.decodeInputShare(0.5, new Uint8Array(32))).toThrow(ParamError);
  });

  it('shard rejects wrong nonce, rand and ctx sizes with ParamError', () => {
    expect(() => v.shard(CTX, 1, randomBytes(15), randomBytes(v.randSize))).toThrow(ParamError);
    expect(() => v.shard(CTX, 1, randomBytes(16), randomBytes(v.randSize + 1))).toThrow(ParamError);
    expect(() =>
      v.shard(new Uint8Array(65528), 1, randomBytes(16), randomBytes(v.randSize)),
    ).toThrow(ParamError);
  });

  it('verifyInit rejects a wrong key size, aggregator id or share shape with ParamError', () => {
    const nonce = randomBytes(16);
    const r = v.shard(CTX, 0, nonce, randomBytes(v.randSize));
    expect(() =>
      v.verifyInit(randomBytes(31), CTX, 0, nonce, r.publicShare, r.inputShares[0]),
    ).toThrow(ParamError);
    expect(() =>
      v.verifyInit(randomBytes(32), CTX, 2, nonce, r.publicShare, r.inputShares[0]),
    ).toThrow(ParamError);
    expect(() =>
      v.verifyInit(randomBytes(32), CTX, 1, nonce, r.publicShare, r.inputShares[0]),
    ).toThrow(ParamError);
    expect(() =>
      v.verifyInit(randomBytes(32), CTX, 0, nonce, [randomBytes(32)], r.inputShares[0]),
    ).toThrow(ParamError);
  });

  it('constructors reject out-of-range parameters with ParamError', () => {
    expect(() => new Prio3Count(1, o)).toThrow(ParamError);
    expect(() => new Prio3Count(256, o)).toThrow(ParamError);
    expect(() => new Prio3Histogram(2, 0, 1, o)).toThrow(ParamError);
    expect(() => new Prio3Histogram(2, 4, 0, o)).toThrow(ParamError);
    expect(() => new Prio3L1BoundSum(2, 4, 0, 1, o)).toThrow(ParamError);
    expect(() => new Prio3SumVecWithMultiproof(2, 'Field64', 0, 4, 1, 1, o)).toThrow(ParamError);
    expect(() => new Prio3SumVecWithMultiproof(2, 'Field64', 256, 4, 1, 1, o)).toThrow(ParamError);
  });
});
