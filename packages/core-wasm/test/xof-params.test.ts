// Hostile parameters for TurboSHAKE128 and XofTurboShake128 on every XOF backend: each is
// rejected with a ParamError (code "PARAM") and leaves the stream it was called on unchanged.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { XofKernels } from '../src/backend.js';
import { BackendError, ParamError } from '../src/errors.js';
import type { Field } from '../src/types.js';
import { instanceSync } from '../src/internal/wasm.js';
import { tsXof } from '../src/xof/ts.js';
import { wasmXof } from '../src/xof/wasm.js';

const backends: [string, XofKernels][] = [
  ['ts', tsXof],
  ['wasm', wasmXof(instanceSync('xof'))],
];

const Field64 = {
  name: 'Field64',
  modulus: 2n ** 64n - 2n ** 32n + 1n,
  encodedSize: 8,
  words: 1,
} as unknown as Field;

function expectParam(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ParamError);
    expect((e as ParamError).code).toBe('PARAM');
    return;
  }
  expect.fail('expected a ParamError');
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const B = (n: number): Uint8Array => new Uint8Array(n).fill(7);

describe.each(backends)('XOF hostile parameters (%s)', (_name, x) => {
  it('rejects domain bytes outside 0x01..0x7f', () => {
    for (const d of [0, 0x80, 0xff, -1, 1.5, NaN, Infinity, 256]) {
      expectParam(() => x.turboShake128(d));
    }
    expectParam(() => x.turboShake128('1' as unknown as number));
  });

  it('rejects a seed over 255 bytes and a dst over 65535 bytes', () => {
    expectParam(() => x.xof(B(256), B(0), B(0)));
    expectParam(() => x.xof(B(0), B(65536), B(0)));
    expectParam(() => x.deriveSeed(B(256), B(1), B(1)));
    expectParam(() => x.deriveSeed(B(1), B(65536), B(1)));
    expectParam(() => x.expandIntoVec(Field64, B(256), B(1), B(1), 1));
    expectParam(() => x.expandIntoVec(Field64, B(1), B(65536), B(1), 1));
    expect(x.xof(B(255), B(65535), B(100_000)).next(1).length).toBe(1);
  });

  it('rejects arguments that are not byte arrays', () => {
    const bad = [null, undefined, 'abc', [1, 2], new Uint16Array(2), 5] as unknown as Uint8Array[];
    for (const b of bad) {
      expectParam(() => x.xof(b, B(1), B(1)));
      expectParam(() => x.xof(B(1), b, B(1)));
      expectParam(() => x.xof(B(1), B(1), b));
      expectParam(() => x.deriveSeed(b, B(1), B(1)));
      expectParam(() => x.turboShake128(1).absorb(b));
      expectParam(() => x.turboShake128(1).squeezeInto(b));
    }
  });

  it('rejects negative, fractional and huge lengths, and leaves the stream unchanged', () => {
    const want = hex(x.xof(B(16), B(3), B(2)).next(64));
    const xof = x.xof(B(16), B(3), B(2));
    const first = xof.next(10);
    for (const n of [-1, 1.5, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 53]) {
      expectParam(() => xof.next(n));
      expectParam(() => xof.nextVec(Field64, n));
      expectParam(() => x.expandIntoVec(Field64, B(16), B(3), B(2), n));
    }
    expect(hex(first) + hex(xof.next(54))).toBe(want);
  });

  it('rejects fields it cannot sample', () => {
    const bad = [
      { ...Field64, encodedSize: 4 },
      { ...Field64, words: 2 },
      { ...Field64, modulus: 2n ** 64n },
      { ...Field64, modulus: 1n },
      { ...Field64, modulus: 5 },
      null,
    ] as unknown as Field[];
    const xof = x.xof(B(32), B(1), B(0));
    const want = hex(x.xof(B(32), B(1), B(0)).next(16));
    for (const f of bad) {
      expectParam(() => xof.nextVec(f, 1));
      expectParam(() => x.expandIntoVec(f, B(32), B(1), B(0), 1));
    }
    expect(hex(xof.next(16))).toBe(want);
  });

  it('rejects absorb after squeeze and keeps squeezing the same stream', () => {
    const want = hex(x.turboShake128(0x1f).absorb(B(10)).squeeze(400));
    const ts = x.turboShake128(0x1f).absorb(B(10));
    const a = ts.squeeze(100);
    expectParam(() => ts.absorb(B(1)));
    expectParam(() => ts.absorb(B(0)));
    const b = ts.squeeze(300);
    expect(hex(a) + hex(b)).toBe(want);
  });

  it('treats zero-length reads as no-ops', () => {
    const xof = x.xof(B(32), B(4), B(4));
    expect(xof.next(0).length).toBe(0);
    expect(xof.nextVec(Field64, 0).length).toBe(0);
    expect(x.expandIntoVec(Field64, B(32), B(4), B(4), 0).length).toBe(0);
    expect(hex(xof.next(8))).toBe(hex(x.xof(B(32), B(4), B(4)).next(8)));
  });

  it('survives random hostile calls without corrupting another stream', () => {
    // Large valid lengths are left out: they are legal and would only cost time.
    const args = fc.oneof(
      fc.integer({ min: -(2 ** 31), max: 300 }),
      fc.integer({ min: 2 ** 31, max: 2 ** 53 }),
      fc.double(),
      fc.constantFrom(null, undefined, 'x', {}, [], new Uint8Array(3)),
    );
    fc.assert(
      fc.property(args, args, (d, n) => {
        const keep = x.xof(B(32), B(0), B(0));
        const want = hex(x.xof(B(32), B(0), B(0)).next(40));
        const a = keep.next(20);
        try {
          x.turboShake128(d as number).squeeze(n as number);
        } catch (e) {
          expect(e).toBeInstanceOf(ParamError);
        }
        try {
          keep.nextVec(Field64, n as number);
          return true;
        } catch (e) {
          expect(e).toBeInstanceOf(ParamError);
        }
        expect(hex(a) + hex(keep.next(20))).toBe(want);
        return true;
      }),
      { numRuns: 200, seed: 0x5eed },
    );
  });
});

describe('wasmXof on a foreign instance', () => {
  it('throws BackendError when the kernels are missing', () => {
    const empty = new WebAssembly.Instance(
      new WebAssembly.Module(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])),
    );
    expect(() => wasmXof(empty)).toThrow(BackendError);
  });
});
