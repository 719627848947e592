// The official XofTurboShake128 vector of draft-irtf-cfrg-vdaf-20 (vectors/vdaf/XofTurboShake128.json)
// on every XOF backend: derive_seed, expand_into_vec over Field128, and the same stream read
// through the streaming interface.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { XofKernels } from '../src/backend.js';
import type { Field } from '../src/types.js';
import { instanceSync } from '../src/internal/wasm.js';
import { tsFields } from '../src/field/ts.js';
import { tsXof } from '../src/xof/ts.js';
import { wasmXof } from '../src/xof/wasm.js';

const backends: [string, XofKernels][] = [
  ['ts', tsXof],
  ['wasm', wasmXof(instanceSync('xof'))],
];

interface XofVector {
  seed: string;
  dst: string;
  binder: string;
  derived_seed: string;
  expanded_vec_field128: string;
  length: number;
}

const vector = JSON.parse(
  readFileSync(new URL('../../../vectors/vdaf/XofTurboShake128.json', import.meta.url), 'utf8'),
) as XofVector;

const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// draft-irtf-cfrg-vdaf-20 §6.1.2: Field128, p = 2^66 * 4611686018427387897 + 1, 16-byte elements.
const Field128 = {
  name: 'Field128',
  modulus: 2n ** 66n * 4611686018427387897n + 1n,
  encodedSize: 16,
  words: 2,
} as unknown as Field;

/** Little-endian encoding of a Field128 vector (two 64-bit words per element). */
function encode128(v: BigUint64Array): string {
  const out = new Uint8Array(v.length * 8);
  const view = new DataView(out.buffer);
  v.forEach((w, i) => view.setBigUint64(8 * i, w, true));
  return hex(out);
}

describe.each(backends)('XofTurboShake128 official vector (%s)', (_name, x) => {
  const seed = bytes(vector.seed);
  const dst = bytes(vector.dst);
  const binder = bytes(vector.binder);

  it('has the expected shape', () => {
    expect(vector.expanded_vec_field128.length).toBe(vector.length * 32);
    expect(vector.derived_seed.length).toBe(64);
  });

  it('derive_seed', () => {
    expect(hex(x.deriveSeed(seed, dst, binder))).toBe(vector.derived_seed);
  });

  it('expand_into_vec over Field128', () => {
    const v = x.expandIntoVec(Field128, seed, dst, binder, vector.length);
    expect(v.length).toBe(2 * vector.length);
    expect(encode128(v)).toBe(vector.expanded_vec_field128);
  });

  it('next_vec in pieces reads the same stream', () => {
    const xof = x.xof(seed, dst, binder);
    const parts = [1, 0, 7, 12, 20].map((n) => xof.nextVec(Field128, n));
    expect(parts.map(encode128).join('')).toBe(vector.expanded_vec_field128);
  });

  it('next returns the raw stream (no Field128 candidate of this vector is rejected)', () => {
    const xof = x.xof(seed, dst, binder);
    const raw = [5, 27, 0, 168, 300, vector.length * 16 - 500].map((n) => hex(xof.next(n)));
    expect(raw.join('')).toBe(vector.expanded_vec_field128);
    expect(hex(x.xof(seed, dst, binder).next(32))).toBe(vector.derived_seed);
  });

  it('is the TurboSHAKE128 stream of the framed message with D = 1', () => {
    const m = [
      new Uint8Array([dst.length & 0xff, dst.length >> 8]),
      dst,
      Uint8Array.of(seed.length),
      seed,
      binder,
    ];
    const ts = x.turboShake128(1);
    for (const part of m) ts.absorb(part);
    expect(hex(ts.squeeze(32))).toBe(vector.derived_seed);
  });

  it('samples into the real Field objects of the twin', () => {
    const F = tsFields.Field128;
    const v = x.expandIntoVec(F, seed, dst, binder, vector.length);
    expect(hex(F.encode(v))).toBe(vector.expanded_vec_field128);
    expect(F.toBigInts(v)).toEqual(F.toBigInts(F.decode(bytes(vector.expanded_vec_field128))));

    // No Field64 candidate in these 640 bytes is >= p either, so they re-encode to the stream.
    const G = tsFields.Field64;
    const w = x.xof(seed, dst, binder).nextVec(G, 80);
    expect(G.decode(G.encode(w))).toEqual(w);
    expect(hex(G.encode(w))).toBe(vector.expanded_vec_field128);
  });
});
