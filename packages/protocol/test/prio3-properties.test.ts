// Prio3 end-to-end properties (fast-check): unshard(aggregate(verify(shard(m)))) is the true
// aggregate for every variant and 2 to 5 shares (and 255); shard refuses invalid measurements
// with ParamError; a tampered byte anywhere in a report (each region named) is never accepted.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getBackend, type FieldVec } from '@private-measurement/core-wasm';
import {
  PRIO3_ALGORITHM_IDS,
  Prio3,
  Prio3Count,
  Prio3Histogram,
  Prio3L1BoundSum,
  Prio3MultihotCountVec,
  Prio3Sum,
  Prio3SumVec,
  Prio3SumVecWithMultiproof,
  ProtocolError,
} from '../src/index.js';
import { higherDegreeCircuit } from '../src/vdaf/testvec.js';

type AnyPrio3 = Prio3<unknown, unknown>;
const CTX = new TextEncoder().encode('prio3 properties');

/** A variant instance, a generator of valid measurements and the true aggregate function. */
interface Case {
  vdaf: AnyPrio3;
  meas: fc.Arbitrary<unknown>;
  truth: (ms: unknown[]) => unknown;
  invalid: fc.Arbitrary<unknown>;
}

const sumInts = (ms: unknown[]): bigint => ms.reduce<bigint>((a, m) => a + BigInt(m as number), 0n);
const sumVecs = (len: number) => (ms: unknown[]) =>
  Array.from({ length: len }, (_, i) =>
    ms.reduce<bigint>((a, m) => a + BigInt(Number((m as (number | boolean)[])[i])), 0n),
  );

const shares = fc.integer({ min: 2, max: 5 });

/** Generators of (variant, valid measurement generator, truth, invalid measurement generator). */
function casesFor(backend: 'ts' | 'wasm'): fc.Arbitrary<Case> {
  const o = { backend };
  return fc.oneof(
    shares.map((s) => ({
      vdaf: new Prio3Count(s, o) as AnyPrio3,
      meas: fc.constantFrom(0, 1),
      truth: sumInts,
      invalid: fc.oneof(
        fc.integer({ min: 2, max: 1000 }),
        fc.constant(-1),
        fc.constant(0.5),
        fc.constant('1'),
      ),
    })),
    fc.tuple(shares, fc.integer({ min: 1, max: 5000 })).map(([s, max]) => ({
      vdaf: new Prio3Sum(s, max, o) as AnyPrio3,
      meas: fc.integer({ min: 0, max }),
      truth: sumInts,
      invalid: fc.oneof(
        fc.integer({ min: max + 1, max: max + 1e6 }),
        fc.constant(-1),
        fc.constant(NaN),
      ),
    })),
    fc
      .tuple(
        shares,
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 6 }),
      )
      .map(([s, len, max, chunk]) => ({
        vdaf: new Prio3SumVec(s, len, max, chunk, o) as AnyPrio3,
        meas: fc.array(fc.integer({ min: 0, max }), { minLength: len, maxLength: len }),
        truth: sumVecs(len),
        invalid: fc.oneof(
          fc.array(fc.integer({ min: 0, max }), { minLength: len + 1, maxLength: len + 3 }),
          fc.constant(Array.from({ length: len }, (_, i) => (i === 0 ? max + 1 : 0))),
          fc.constant(Array.from({ length: len }, () => -1)),
          fc.constant(5),
        ),
      })),
    fc
      .tuple(
        fc.integer({ min: 2, max: 3 }),
        fc.constantFrom('Field64', 'Field128') as fc.Arbitrary<'Field64' | 'Field128'>,
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
      )
      .map(([s, field, proofs, len, chunk]) => ({
        vdaf: new Prio3SumVecWithMultiproof(s, field, proofs, len, 15, chunk, o) as AnyPrio3,
        meas: fc.array(fc.integer({ min: 0, max: 15 }), { minLength: len, maxLength: len }),
        truth: sumVecs(len),
        invalid: fc.constant(Array.from({ length: len }, () => 16)),
      })),
    fc
      .tuple(shares, fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 5 }))
      .map(([s, len, chunk]) => ({
        vdaf: new Prio3Histogram(s, len, chunk, o) as AnyPrio3,
        meas: fc.integer({ min: 0, max: len - 1 }),
        truth: (ms: unknown[]) =>
          Array.from({ length: len }, (_, i) => BigInt(ms.filter((m) => m === i).length)),
        invalid: fc.oneof(
          fc.integer({ min: len, max: len + 100 }),
          fc.constant(-1),
          fc.constant([0]),
        ),
      })),
    fc
      .tuple(shares, fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 4 }))
      .chain(([s, len, chunk]) =>
        fc.integer({ min: 1, max: len }).map((maxWeight) => ({
          vdaf: new Prio3MultihotCountVec(s, len, maxWeight, chunk, o) as AnyPrio3,
          meas: fc
            .uniqueArray(fc.integer({ min: 0, max: len - 1 }), { maxLength: maxWeight })
            .map((set) => Array.from({ length: len }, (_, i) => set.includes(i))),
          truth: sumVecs(len),
          invalid:
            maxWeight < len
              ? fc.constant(Array.from({ length: len }, () => true))
              : fc.constant(Array.from({ length: len + 1 }, () => false)),
        })),
      ),
    fc
      .tuple(
        shares,
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 6 }),
      )
      .map(([s, len, max, chunk]) => ({
        vdaf: new Prio3L1BoundSum(s, len, max, chunk, o) as AnyPrio3,
        // A random composition of at most `max` spread over the components.
        meas: fc
          .array(fc.integer({ min: 0, max }), { minLength: len, maxLength: len })
          .map((xs) => {
            let budget = max;
            return xs.map((x) => {
              const v = Math.min(x, budget);
              budget -= v;
              return v;
            });
          }),
        truth: sumVecs(len),
        invalid: fc.oneof(
          // L1 norm above the bound although each component is in range.
          fc
            .constant(Array.from({ length: len }, (_, i) => (i === 0 ? max : 0)))
            .map((xs) => (len > 1 ? xs.map((x, i) => (i === 1 ? 1 : x)) : [max + 1])),
          fc.constant(Array.from({ length: len + 1 }, () => 0)),
        ),
      })),
    shares.map((s) => ({
      vdaf: new Prio3({
        id: PRIO3_ALGORITHM_IDS.PrivateUse,
        shares: s,
        proofs: 1,
        backend,
        circuit: higherDegreeCircuit,
      }) as AnyPrio3,
      meas: fc.constantFrom(0, 1, 2),
      truth: sumInts,
      invalid: fc.constant(-3),
    })),
  );
}

/** Runs one report through verification by every aggregator, over the encoded messages. */
function verifyAll(
  vdaf: AnyPrio3,
  key: Uint8Array,
  nonce: Uint8Array,
  publicShare: Uint8Array,
  inputShares: Uint8Array[],
): FieldVec[] {
  const ps = vdaf.decodePublicShare(publicShare);
  const inits = inputShares.map((b, j) =>
    vdaf.verifyInit(key, CTX, j, nonce, ps, vdaf.decodeInputShare(j, b)),
  );
  const vshares = inits.map((i) =>
    vdaf.decodeVerifierShare(vdaf.encodeVerifierShare(i.verifierShare)),
  );
  const msg = vdaf.decodeVerifierMessage(
    vdaf.encodeVerifierMessage(vdaf.verifierSharesToMessage(CTX, vshares)),
  );
  return inits.map((i) => vdaf.verifyNext(CTX, i.state, msg));
}

function encodedReport(vdaf: AnyPrio3, m: unknown, nonce: Uint8Array) {
  const r = vdaf.shard(CTX, m, nonce, randomBytes(vdaf.randSize));
  return {
    publicShare: vdaf.encodePublicShare(r.publicShare),
    inputShares: r.inputShares.map((s) => vdaf.encodeInputShare(s)),
  };
}

/** shard, verification by every aggregator, aggregate and unshard, over encoded messages. */
function collect(vdaf: AnyPrio3, ms: readonly unknown[]): unknown {
  const key = randomBytes(32);
  const aggs: FieldVec[][] = Array.from({ length: vdaf.shares }, () => []);
  for (const m of ms) {
    const nonce = randomBytes(16);
    const r = encodedReport(vdaf, m, nonce);
    verifyAll(vdaf, key, nonce, r.publicShare, r.inputShares).forEach((o, j) =>
      aggs[j].push(vdaf.decodeOutShare(vdaf.encodeOutShare(o))),
    );
  }
  const aggShares = aggs.map((outs) =>
    vdaf.decodeAggShare(vdaf.encodeAggShare(vdaf.aggregate(outs))),
  );
  return vdaf.unshard(aggShares, ms.length);
}

describe.each(['ts', 'wasm'] as const)('Prio3 properties (%s backend)', (backend) => {
  const cases = casesFor(backend);
  const o = { backend };

  it('backend is available', () => {
    expect(getBackend(backend).kind).toBe(backend);
  });

  it('unshard(aggregate(verify(shard(m)))) equals the true aggregate', () => {
    fc.assert(
      fc.property(
        cases.chain((c) =>
          fc.tuple(fc.constant(c), fc.array(c.meas, { minLength: 1, maxLength: 3 })),
        ),
        ([c, ms]) => {
          expect(collect(c.vdaf, ms)).toEqual(c.truth(ms));
        },
      ),
      { numRuns: 150, seed: 20261203 },
    );
  });

  it('shard refuses invalid measurements with ParamError and nothing else', () => {
    fc.assert(
      fc.property(
        cases.chain((c) => fc.tuple(fc.constant(c), c.invalid)),
        ([c, m]) => {
          const run = () => c.vdaf.shard(CTX, m, randomBytes(16), randomBytes(c.vdaf.randSize));
          expect(run).toThrow(ProtocolError);
          try {
            run();
          } catch (e) {
            expect((e as ProtocolError).code).toBe('PARAM');
          }
        },
      ),
      { numRuns: 150, seed: 7 },
    );
  });

  it('a tampered byte in the public share or an input share is never accepted', () => {
    fc.assert(
      fc.property(
        cases.chain((c) =>
          fc.tuple(fc.constant(c), c.meas, fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 })),
        ),
        ([c, m, which, pos, delta]) => {
          const { vdaf } = c;
          const key = randomBytes(32);
          const nonce = randomBytes(16);
          const r = encodedReport(vdaf, m, nonce);
          // Candidates: the public share (when non-empty) and every input share.
          const targets = [r.publicShare, ...r.inputShares].filter((b) => b.length > 0);
          const t = targets[which % targets.length];
          t[pos % t.length] ^= delta;
          let accepted = false;
          try {
            verifyAll(vdaf, key, nonce, r.publicShare, r.inputShares);
            accepted = true;
          } catch (e) {
            expect(e).toBeInstanceOf(ProtocolError);
            expect(['DECODE', 'VERIFY']).toContain((e as ProtocolError).code);
          }
          expect(accepted).toBe(false);
        },
      ),
      { numRuns: 400, seed: 42 },
    );
  });

  it('rejects a tampered measurement share, proof share, seed, blind or public share part', () => {
    const variants: [AnyPrio3, unknown][] = [
      [new Prio3Count(3, o) as AnyPrio3, 1],
      [new Prio3Histogram(2, 7, 3, o) as AnyPrio3, 6],
      [new Prio3L1BoundSum(3, 4, 20, 3, o) as AnyPrio3, [5, 0, 7, 8]],
      [new Prio3SumVecWithMultiproof(2, 'Field64', 3, 3, 9, 2, o) as AnyPrio3, [9, 0, 4]],
    ];
    for (const [vdaf, m] of variants) {
      const es = vdaf.field.encodedSize;
      const measBytes = vdaf.flp.measLen * es;
      const proofBytes = vdaf.flp.proofLen * vdaf.proofs * es;
      // [which message (-1: public share), start, end] of every region of a report.
      const regions: [number, number, number][] = [
        [0, 0, measBytes],
        [0, measBytes, measBytes + proofBytes],
        [1, 0, 32],
      ];
      if (vdaf.usesJointRand) {
        regions.push([0, measBytes + proofBytes, measBytes + proofBytes + 32], [1, 32, 64]);
        for (let j = 0; j < vdaf.shares; j++) regions.push([-1, 32 * j, 32 * (j + 1)]);
      }
      for (const [which, start, end] of regions) {
        for (let trial = 0; trial < 3; trial++) {
          const key = randomBytes(32);
          const nonce = randomBytes(16);
          const r = encodedReport(vdaf, m, nonce);
          const target = which < 0 ? r.publicShare : r.inputShares[which];
          target[start + ((trial * 7919) % (end - start))] ^= 1 + trial;
          let code = 'accepted';
          try {
            verifyAll(vdaf, key, nonce, r.publicShare, r.inputShares);
          } catch (e) {
            code = (e as ProtocolError).code;
          }
          expect(['DECODE', 'VERIFY']).toContain(code);
        }
      }
    }
  });

  it('works with the most shares the draft allows (255)', () => {
    expect(collect(new Prio3Count(255, o) as AnyPrio3, [1, 0, 1])).toBe(2n);
    expect(collect(new Prio3Histogram(255, 5, 2, o) as AnyPrio3, [4, 0, 4])).toEqual([
      1n,
      0n,
      0n,
      0n,
      2n,
    ]);
    expect(collect(new Prio3L1BoundSum(255, 3, 7, 2, o) as AnyPrio3, [[1, 2, 4]])).toEqual([
      1n,
      2n,
      4n,
    ]);
  });

  it('handles maxima beyond 2^53 exactly (Sum near 2^62, SumVec near 2^100)', () => {
    const max = (1n << 62n) + 12345n;
    expect(collect(new Prio3Sum(2, max, o) as AnyPrio3, [max, max - 1n, 0n])).toBe(2n * max - 1n);
    const big = (1n << 100n) - 3n;
    expect(
      collect(new Prio3SumVec(3, 2, big, 50, o) as AnyPrio3, [
        [big, 7n],
        [1n, big],
      ]),
    ).toEqual([big + 1n, big + 7n]);
    expect(() =>
      new Prio3Sum(2, max, o).shard(CTX, max + 1n, randomBytes(16), randomBytes(64)),
    ).toThrow(ProtocolError);
  });

  it('a tampered verifier share or verifier message is never accepted', () => {
    const vdaf = new Prio3Histogram(2, 5, 2, o) as AnyPrio3;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.boolean(),
        (m, pos, delta, onMessage) => {
          const key = randomBytes(32);
          const nonce = randomBytes(16);
          const r = vdaf.shard(CTX, m, nonce, randomBytes(vdaf.randSize));
          const inits = r.inputShares.map((s, j) =>
            vdaf.verifyInit(key, CTX, j, nonce, r.publicShare, s),
          );
          const vs = inits.map((i) => vdaf.encodeVerifierShare(i.verifierShare));
          let msg: Uint8Array;
          if (onMessage) {
            msg = vdaf.encodeVerifierMessage(
              vdaf.verifierSharesToMessage(
                CTX,
                vs.map((b) => vdaf.decodeVerifierShare(b)),
              ),
            );
            msg[pos % msg.length] ^= delta;
          } else {
            vs[0][pos % vs[0].length] ^= delta;
            msg = new Uint8Array(0);
          }
          const run = () => {
            const message = onMessage
              ? vdaf.decodeVerifierMessage(msg)
              : vdaf.verifierSharesToMessage(
                  CTX,
                  vs.map((b) => vdaf.decodeVerifierShare(b)),
                );
            for (const i of inits) vdaf.verifyNext(CTX, i.state, message);
          };
          expect(run).toThrow(ProtocolError);
        },
      ),
      { numRuns: 100, seed: 5 },
    );
  });
});
