// Hostile parameters of the noise samplers on both backends: every invalid scale, count, seed
// or options value gets a ParamError (code PARAM) before any sampling, the caller's seed is left
// as it was, and the limits of the supported range are accepted.
import { describe, expect, it } from 'vitest';
import { discreteGaussian, discreteLaplace, getBackend, ParamError } from '../src/index.js';
import type { NoiseOptions, Rational } from '../src/index.js';

const backends = [getBackend('wasm'), getBackend('ts')];
const seed = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);

/** The error thrown by `f`, or undefined. */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

function expectParamError(f: () => unknown): ParamError {
  const e = thrown(f);
  expect(e).toBeInstanceOf(ParamError);
  expect((e as ParamError).code).toBe('PARAM');
  return e as ParamError;
}

const badScales: [string, unknown][] = [
  ['0', 0],
  ['-0', -0],
  ['-1', -1],
  ['-2.5', -2.5],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ['2^53 (numerator too large)', 2 ** 53],
  ['1e300', 1e300],
  ['5e-324 (denominator 2^1074)', 5e-324],
  ['2^-63 (denominator 2^63)', 2 ** -63],
  ['1e-10 (exactly m / 2^86)', 1e-10],
  ['0/1', { num: 0n, den: 1n }],
  ['-3/1', { num: -3n, den: 1n }],
  ['1/0', { num: 1n, den: 0n }],
  ['1/-2', { num: 1n, den: -2n }],
  ['-1/-2', { num: -1n, den: -2n }],
  ['2^53/1', { num: 1n << 53n, den: 1n }],
  ['3 * 2^53 / 3 (reduces to 2^53)', { num: 3n << 53n, den: 3n }],
  ['1/2^63', { num: 1n, den: 1n << 63n }],
  ['number parts', { num: 1, den: 1 }],
  ['missing den', { num: 1n }],
  ['null', null],
  ['undefined', undefined],
  ['string', '1'],
  ['bigint', 5n],
];

const goodScales: [string, Rational | number][] = [
  ['2^53 - 1', { num: (1n << 53n) - 1n, den: 1n }],
  ['1/(2^63 - 1)', { num: 1n, den: (1n << 63n) - 1n }],
  ['2^54/2 reduced below 2^53', { num: 1n << 54n, den: 4n }],
  ['2^-62', 2 ** -62],
  ['2^53 - 1 as a number', 2 ** 53 - 1],
  ['0.001 (2^-62 denominator after exact conversion)', 0.001],
];

const badCounts: unknown[] = [-1, 1.5, NaN, Infinity, 2 ** 26 + 1, '4', 4n, null];

const badOptions: [string, unknown][] = [
  ['31-byte seed', { seed: seed.subarray(0, 31) }],
  ['33-byte seed', { seed: new Uint8Array(33) }],
  ['empty seed', { seed: new Uint8Array(0) }],
  ['number[] seed', { seed: Array.from(seed) }],
  ['string seed', { seed: 'a'.repeat(32) }],
  ['Uint16Array seed', { seed: new Uint16Array(32) }],
  ['null options', null],
  ['string options', 'seed'],
];

for (const b of backends) {
  const samplers = [
    ['discreteLaplace', b.discreteLaplace],
    ['discreteGaussian', b.discreteGaussian],
  ] as const;

  describe(`${b.kind} backend`, () => {
    for (const [name, sample] of samplers) {
      it(`${name} rejects invalid parameters with ParamError`, () => {
        for (const [label, v] of badScales) {
          const e = expectParamError(() => sample(v as Rational, 4, { seed }));
          expect(e.message, label).toMatch(/^(scale|sigmaSquared): /);
        }
      });

      it(`${name} accepts the limits of the supported range`, () => {
        for (const [label, v] of goodScales) {
          expect(sample(v, 3, { seed }), label).toHaveLength(3);
        }
      });

      it(`${name} rejects bad counts, seeds and options; the seed stays untouched`, () => {
        for (const c of badCounts) {
          expect(expectParamError(() => sample(3, c as number, { seed })).message).toMatch(
            /^count: /,
          );
        }
        // 2^26 is the largest count accepted.
        expectParamError(() => sample(3, 2 ** 26 + 1, { seed }));
        const before = seed.slice();
        for (const [label, o] of badOptions) {
          const e = expectParamError(() => sample(3, 4, o as NoiseOptions));
          expect(e.message, label).toMatch(/^(seed|options): /);
          // Messages never carry seed bytes.
          expect(e.message).not.toMatch(/200|199|198/);
        }
        expect(seed).toEqual(before);
      });
    }
  });
}

describe('public entry points', () => {
  it('validate before choosing a backend, and reject an unknown backend', () => {
    expectParamError(() => discreteLaplace(NaN, 4, { seed }));
    expectParamError(() => discreteGaussian(-1, 4, { seed, backend: 'ts' }));
    expectParamError(() => discreteLaplace(1, 4, { seed, backend: 'gpu' as 'ts' }));
  });
});
