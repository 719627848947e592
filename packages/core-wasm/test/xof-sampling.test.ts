// next_vec rejection sampling (draft-irtf-cfrg-vdaf-20 §6.2) checked against a byte-level
// reimplementation on the raw stream. The draft's fields almost never reject (Field64: 2^-32
// per candidate), so moduli well below 2^64 and 2^128 force the reject and mask paths.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { XofKernels } from '../src/backend.js';
import type { Field } from '../src/types.js';
import { instanceSync } from '../src/internal/wasm.js';
import { tsXof } from '../src/xof/ts.js';
import { wasmXof } from '../src/xof/wasm.js';

const backends: [string, XofKernels][] = [
  ['ts', tsXof],
  ['wasm', wasmXof(instanceSync('xof'))],
];

function field(size: 8 | 16, modulus: bigint): Field {
  return { name: 'Field?', modulus, encodedSize: size, words: size / 8 } as unknown as Field;
}

// [label, field, whether many candidates must be rejected over the run]
const FIELDS: [string, Field, boolean][] = [
  ['Field64', field(8, 2n ** 64n - 2n ** 32n + 1n), false],
  ['Field128', field(16, 2n ** 66n * 4611686018427387897n + 1n), false],
  // About half the candidates are rejected: p just above 2^63, mask 2^64 - 1.
  ['p = 2^63 + 25 (8 bytes)', field(8, 2n ** 63n + 25n), true],
  // The mask matters: p = 2^40 + 15 keeps 41 bits, then about half are rejected.
  ['p = 2^40 + 15 (8 bytes)', field(8, 2n ** 40n + 15n), true],
  ['p = 2^127 + 45 (16 bytes)', field(16, 2n ** 127n + 45n), true],
  ['p = 2^100 + 277 (16 bytes)', field(16, 2n ** 100n + 277n), true],
  // The smallest modulus: every candidate is masked to one bit, none is rejected.
  ['p = 2 (8 bytes)', field(8, 2n), false],
];

/** The draft's next_vec, written out over raw stream bytes, one candidate at a time. */
function reference(raw: Uint8Array, f: Field, n: number): { values: bigint[]; read: number } {
  const size = f.encodedSize;
  const m = (1n << BigInt((f.modulus - 1n).toString(2).length)) - 1n;
  const values: bigint[] = [];
  let off = 0;
  while (values.length < n) {
    if (off + size > raw.length) throw new Error('raw stream too short for the reference');
    let x = 0n;
    for (let k = size - 1; k >= 0; k--) x = (x << 8n) | BigInt(raw[off + k]);
    off += size;
    x &= m;
    if (x < f.modulus) values.push(x);
  }
  return { values, read: off };
}

function toBigInts(v: BigUint64Array, words: number): bigint[] {
  const out: bigint[] = [];
  for (let i = 0; i < v.length; i += words) {
    out.push(words === 1 ? v[i] : v[i] | (v[i + 1] << 64n));
  }
  return out;
}

describe.each(backends)('next_vec rejection sampling (%s)', (_name, x) => {
  it.each(FIELDS)('%s matches the byte-level reference over many seeds', (_label, f, rejects) => {
    let rejected = 0;
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 64 }),
        fc.uint8Array({ maxLength: 20 }),
        fc.integer({ min: 0, max: 130 }),
        (seed, binder, n) => {
          const dst = new Uint8Array([1, 2, 3]);
          const raw = x.xof(seed, dst, binder).next(4 * n * f.encodedSize + 4096);
          const want = reference(raw, f, n);
          rejected += want.read / f.encodedSize - n;

          const got = x.expandIntoVec(f, seed, dst, binder, n);
          expect(got.length).toBe(n * f.words);
          expect(toBigInts(got, f.words)).toEqual(want.values);

          // After next_vec, the stream continues right after the last candidate read.
          const xof = x.xof(seed, dst, binder);
          expect(toBigInts(xof.nextVec(f, n), f.words)).toEqual(want.values);
          expect(Array.from(xof.next(24))).toEqual(
            Array.from(raw.subarray(want.read, want.read + 24)),
          );
        },
      ),
      { numRuns: 60, seed: 20261203 },
    );
    if (rejects) expect(rejected).toBeGreaterThan(100);
    else expect(rejected).toBe(0);
  });
});
