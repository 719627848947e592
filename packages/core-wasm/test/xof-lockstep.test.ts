// The WASM XOF kernels in lockstep with the pure-TS twin (whose Keccak is @noble/hashes) on
// random inputs: the permutation itself, TurboSHAKE128 under random absorb/squeeze chunkings,
// XofTurboShake128 with random seeds, dsts, binders and lengths (0 and 1 included), many
// streams interleaved, and memory growth in the middle of a stream.
import fc from 'fast-check';
import { keccakP } from '@noble/hashes/sha3.js';
import { describe, expect, it } from 'vitest';
import type { Field } from '../src/types.js';
import { instanceSync } from '../src/internal/wasm.js';
import { tsXof } from '../src/xof/ts.js';
import { wasmXof } from '../src/xof/wasm.js';

const instance = instanceSync('xof');
const wasm = wasmXof(instance);

const Field64 = {
  name: 'Field64',
  modulus: 2n ** 64n - 2n ** 32n + 1n,
  encodedSize: 8,
  words: 1,
} as unknown as Field;
const Field128 = {
  name: 'Field128',
  modulus: 2n ** 66n * 4611686018427387897n + 1n,
  encodedSize: 16,
  words: 2,
} as unknown as Field;

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const words = (v: BigUint64Array): string[] => Array.from(v, (w) => w.toString(16));

/** Lengths biased towards 0, 1 and the block boundaries around 168. */
const len = (max: number) =>
  fc.oneof(
    fc.constantFrom(0, 1, 7, 8, 15, 16, 167, 168, 169, 335, 336, 337),
    fc.integer({ min: 0, max }),
  );

describe('Keccak-p[1600, 12] (wasm) against @noble/hashes keccakP', () => {
  it('agrees on random states', () => {
    const k = instance.exports as unknown as {
      memory: WebAssembly.Memory;
      heapBase(): number;
      permute(p: number): void;
    };
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 200, maxLength: 200 }), (state) => {
        const at = k.heapBase() + 4096;
        new Uint8Array(k.memory.buffer).set(state, at);
        k.permute(at);
        const ref = new Uint32Array(new Uint8Array(state).buffer);
        keccakP(ref, 12);
        const got = new Uint8Array(k.memory.buffer, at, 200);
        expect(hex(got)).toBe(hex(new Uint8Array(ref.buffer)));
      }),
      { numRuns: 200, seed: 1 },
    );
  });
});

describe('TurboSHAKE128 wasm vs twin', () => {
  it('agrees under random domains, messages and absorb/squeeze chunkings', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 0x7f }),
        fc.array(fc.uint8Array({ maxLength: 400 }), { maxLength: 6 }),
        fc.array(len(700), { maxLength: 6 }),
        fc.boolean(),
        (domain, absorbs, squeezes, into) => {
          const a = wasm.turboShake128(domain);
          const b = tsXof.turboShake128(domain);
          for (const m of absorbs) {
            a.absorb(m);
            b.absorb(m);
          }
          for (const n of squeezes) {
            if (into) {
              const x = new Uint8Array(n);
              const y = new Uint8Array(n);
              a.squeezeInto(x);
              b.squeezeInto(y);
              expect(hex(x)).toBe(hex(y));
            } else {
              expect(hex(a.squeeze(n))).toBe(hex(b.squeeze(n)));
            }
          }
        },
      ),
      { numRuns: 300, seed: 2 },
    );
  });

  it('keeps interleaved streams apart', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.boolean(), len(300)), {
          minLength: 1,
          maxLength: 40,
        }),
        (ops) => {
          const a = [1, 2, 0x1f, 0x7f, 1].map((d) => wasm.turboShake128(d));
          const b = [1, 2, 0x1f, 0x7f, 1].map((d) => tsXof.turboShake128(d));
          const squeezing = [false, false, false, false, false];
          for (const [i, sq, n] of ops) {
            if (sq || squeezing[i]) {
              squeezing[i] = true;
              expect(hex(a[i].squeeze(n))).toBe(hex(b[i].squeeze(n)));
            } else {
              const m = new Uint8Array(n).map((_, j) => (j * 31 + i) & 0xff);
              a[i].absorb(m);
              b[i].absorb(m);
            }
          }
          for (let i = 0; i < 5; i++) expect(hex(a[i].squeeze(200))).toBe(hex(b[i].squeeze(200)));
        },
      ),
      { numRuns: 150, seed: 3 },
    );
  });
});

describe('XofTurboShake128 wasm vs twin', () => {
  const inputs = fc.tuple(
    fc.uint8Array({ maxLength: 255 }),
    fc.uint8Array({ maxLength: 300 }),
    fc.uint8Array({ maxLength: 400 }),
  );

  it('derive_seed and expand_into_vec agree for random seeds, dsts, binders and lengths', () => {
    fc.assert(
      fc.property(inputs, len(200), ([seed, dst, binder], n) => {
        expect(hex(wasm.deriveSeed(seed, dst, binder))).toBe(
          hex(tsXof.deriveSeed(seed, dst, binder)),
        );
        for (const f of [Field64, Field128]) {
          const x = wasm.expandIntoVec(f, seed, dst, binder, n);
          expect(x.length).toBe(n * (f.words as number));
          expect(words(x)).toEqual(words(tsXof.expandIntoVec(f, seed, dst, binder, n)));
        }
      }),
      { numRuns: 200, seed: 4 },
    );
  });

  it('next and next_vec agree in any interleaving, across several live XOFs', () => {
    fc.assert(
      fc.property(
        fc.array(inputs, { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 2 }), len(60)), { maxLength: 30 }),
        (xs, ops) => {
          const a = xs.map(([s, d, b]) => wasm.xof(s, d, b));
          const b = xs.map(([s, d, bi]) => tsXof.xof(s, d, bi));
          for (const [pick, kind, n] of ops) {
            const i = pick % xs.length;
            if (kind === 0) expect(hex(a[i].next(n))).toBe(hex(b[i].next(n)));
            else {
              const f = kind === 1 ? Field64 : Field128;
              expect(words(a[i].nextVec(f, n))).toEqual(words(b[i].nextVec(f, n)));
            }
          }
          for (let i = 0; i < xs.length; i++) expect(hex(a[i].next(50))).toBe(hex(b[i].next(50)));
        },
      ),
      { numRuns: 150, seed: 5 },
    );
  });

  it('keeps a stream intact while memory grows under it', () => {
    const seed = new Uint8Array(32).fill(9);
    const a = wasm.xof(seed, new Uint8Array(3), new Uint8Array(0));
    const b = tsXof.xof(seed, new Uint8Array(3), new Uint8Array(0));
    expect(hex(a.next(13))).toBe(hex(b.next(13)));

    // 400k Field128 elements (6.4 MB) and a 3 MB absorb force several rounds of growth.
    const big = wasm.expandIntoVec(Field128, seed, new Uint8Array(1), new Uint8Array(5), 400_000);
    const ref = tsXof.expandIntoVec(Field128, seed, new Uint8Array(1), new Uint8Array(5), 400_000);
    expect(big.length).toBe(800_000);
    expect(words(big.subarray(799_990))).toEqual(words(ref.subarray(799_990)));
    const msg = new Uint8Array(3_000_000).map((_, i) => i & 0xff);
    expect(hex(wasm.turboShake128(7).absorb(msg).squeeze(64))).toBe(
      hex(tsXof.turboShake128(7).absorb(msg).squeeze(64)),
    );

    expect(words(a.nextVec(Field64, 1000))).toEqual(words(b.nextVec(Field64, 1000)));
    expect(hex(a.next(3_000_000).subarray(2_999_000))).toBe(
      hex(b.next(3_000_000).subarray(2_999_000)),
    );
  });
});
