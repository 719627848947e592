// The WASM backend and the pure-TS twin give byte-identical Prio3 messages for the same inputs:
// random measurements, shares and randomness for every variant, compared message by message.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
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
type Make = (backend: 'ts' | 'wasm') => AnyPrio3;
const CTX = new TextEncoder().encode('backends');

const variants: [string, Make, fc.Arbitrary<unknown>][] = [
  ['Prio3Count(3)', (b) => new Prio3Count(3, { backend: b }) as AnyPrio3, fc.constantFrom(0, 1)],
  [
    'Prio3Sum(2, 1337)',
    (b) => new Prio3Sum(2, 1337, { backend: b }) as AnyPrio3,
    fc.integer({ min: 0, max: 1337 }),
  ],
  [
    'Prio3SumVec(2, 7, 100, 3)',
    (b) => new Prio3SumVec(2, 7, 100, 3, { backend: b }) as AnyPrio3,
    fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 7, maxLength: 7 }),
  ],
  [
    'Prio3SumVecWithMultiproof(2, Field64, 3, 4, 9, 2)',
    (b) => new Prio3SumVecWithMultiproof(2, 'Field64', 3, 4, 9, 2, { backend: b }) as AnyPrio3,
    fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 4, maxLength: 4 }),
  ],
  [
    'Prio3Histogram(4, 37, 7)',
    (b) => new Prio3Histogram(4, 37, 7, { backend: b }) as AnyPrio3,
    fc.integer({ min: 0, max: 36 }),
  ],
  [
    'Prio3MultihotCountVec(2, 9, 3, 4)',
    (b) => new Prio3MultihotCountVec(2, 9, 3, 4, { backend: b }) as AnyPrio3,
    fc
      .uniqueArray(fc.integer({ min: 0, max: 8 }), { maxLength: 3 })
      .map((s) => Array.from({ length: 9 }, (_, i) => s.includes(i))),
  ],
  [
    'Prio3L1BoundSum(2, 6, 50, 5)',
    (b) => new Prio3L1BoundSum(2, 6, 50, 5, { backend: b }) as AnyPrio3,
    fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 6, maxLength: 6 }),
  ],
];

/** Every message of one report, encoded, in order. */
function transcript(
  v: AnyPrio3,
  m: unknown,
  nonce: Uint8Array,
  rand: Uint8Array,
  key: Uint8Array,
): string[] {
  const r = v.shard(CTX, m, nonce, rand);
  const out = [
    v.encodePublicShare(r.publicShare),
    ...r.inputShares.map((s) => v.encodeInputShare(s)),
  ];
  const inits = r.inputShares.map((s, j) => v.verifyInit(key, CTX, j, nonce, r.publicShare, s));
  out.push(...inits.map((i) => v.encodeVerifierShare(i.verifierShare)));
  const msg = v.verifierSharesToMessage(
    CTX,
    inits.map((i) => i.verifierShare),
  );
  out.push(v.encodeVerifierMessage(msg));
  const outs = inits.map((i) => v.verifyNext(CTX, i.state, msg));
  out.push(...outs.map((o) => v.encodeOutShare(o)), v.encodeAggShare(v.aggregate(outs)));
  return out.map((b) => Buffer.from(b).toString('hex'));
}

describe.each(variants)('%s on wasm and ts', (_name, make, meas) => {
  const wasm = make('wasm');
  const ts = make('ts');
  it('produces byte-identical messages', () => {
    fc.assert(
      fc.property(meas, (m) => {
        const nonce = randomBytes(16);
        const rand = randomBytes(wasm.randSize);
        const key = randomBytes(32);
        expect(transcript(wasm, m, nonce, rand, key)).toEqual(transcript(ts, m, nonce, rand, key));
      }),
      { numRuns: 8, seed: 1 },
    );
  });
});
