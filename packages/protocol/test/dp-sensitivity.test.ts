// Sensitivities under replace-one, checked against their definition: the largest L1 and squared
// L2 distance between the aggregatable outputs (truncate(encode(m))) of any two valid
// measurements, found by brute force over small parameter spaces of each Prio3 VDAF.
import { describe, expect, it } from 'vitest';
import {
  DpError,
  Prio3,
  Prio3Count,
  Prio3Histogram,
  Prio3L1BoundSum,
  Prio3MultihotCountVec,
  Prio3Sum,
  Prio3SumVec,
  Prio3SumVecWithMultiproof,
  countCircuit,
  prio3Sensitivity,
  vdafConfigSensitivity,
  NEIGHBOURING_RELATION,
  type VdafSensitivityConfig,
} from '../src/index.js';

/** Every vector of `length` entries in [0, max]. */
function vectors(length: number, max: number): number[][] {
  let out: number[][] = [[]];
  for (let i = 0; i < length; i++) {
    out = out.flatMap((v) => Array.from({ length: max + 1 }, (_, x) => [...v, x]));
  }
  return out;
}

/** Max pairwise L1 and squared L2 distance between the outputs of the measurements. */
function bruteForce<M>(
  vdaf: Prio3<M, unknown>,
  measurements: M[],
): { l1: bigint; l2Squared: bigint } {
  const valid = vdaf.flp.valid;
  const outs = measurements.map((m) => vdaf.field.toBigInts(valid.truncate(valid.encode(m))));
  let l1 = 0n;
  let l2Squared = 0n;
  for (const a of outs) {
    for (const b of outs) {
      let d1 = 0n;
      let d2 = 0n;
      for (let i = 0; i < a.length; i++) {
        const d = a[i] > b[i] ? a[i] - b[i] : b[i] - a[i];
        d1 += d;
        d2 += d * d;
      }
      if (d1 > l1) l1 = d1;
      if (d2 > l2Squared) l2Squared = d2;
    }
  }
  return { l1, l2Squared };
}

interface Case {
  name: string;
  vdaf: Prio3<never, unknown>;
  config: VdafSensitivityConfig;
  measurements: unknown[];
}

const cases: Case[] = [];
const add = (name: string, vdaf: unknown, config: VdafSensitivityConfig, ms: unknown[]): void => {
  cases.push({ name, vdaf: vdaf as Prio3<never, unknown>, config, measurements: ms });
};
add('Count', new Prio3Count(2), { type: 'Prio3Count' }, [0, 1]);
for (const m of [1, 2, 3, 7]) {
  add(`Sum(${m})`, new Prio3Sum(2, m), { type: 'Prio3Sum', maxMeasurement: BigInt(m) }, [
    ...Array(m + 1).keys(),
  ]);
}
for (const [len, m] of [
  [1, 1],
  [2, 3],
  [3, 2],
]) {
  add(
    `SumVec(${len}, ${m})`,
    new Prio3SumVec(2, len, m, 1),
    { type: 'Prio3SumVec', length: len, maxMeasurement: m },
    vectors(len, m),
  );
}
for (const len of [1, 2, 3, 5]) {
  add(`Histogram(${len})`, new Prio3Histogram(2, len, 1), { type: 'Prio3Histogram', length: len }, [
    ...Array(len).keys(),
  ]);
}
for (const [len, w] of [
  [1, 1],
  [3, 1],
  [3, 2],
  [4, 1],
  [4, 2],
  [5, 2],
  [4, 4],
]) {
  add(
    `MultihotCountVec(${len}, ${w})`,
    new Prio3MultihotCountVec(2, len, w, 1),
    { type: 'Prio3MultihotCountVec', length: len, maxWeight: BigInt(w) },
    vectors(len, 1).filter((v) => v.reduce((a, b) => a + b, 0) <= w),
  );
}
for (const [len, m] of [
  [1, 3],
  [2, 1],
  [2, 3],
  [3, 4],
  [4, 2],
]) {
  add(
    `L1BoundSum(${len}, ${m})`,
    new Prio3L1BoundSum(2, len, m, 1),
    { type: 'Prio3L1BoundSum', length: len, maxValue: m },
    vectors(len, m).filter((v) => v.reduce((a, b) => a + b, 0) <= m),
  );
}

describe('sensitivity under replace-one', () => {
  it('names the relation', () => {
    expect(NEIGHBOURING_RELATION).toBe('replace-one');
  });

  it.each(cases)('$name matches the brute-force maximum over valid measurements', (c) => {
    const brute = bruteForce(c.vdaf, c.measurements as never[]);
    expect(prio3Sensitivity(c.vdaf)).toEqual(brute);
    expect(vdafConfigSensitivity(c.config)).toEqual(brute);
  });

  it('gives the W3C Attribution noise numerator 2 * maxValue for L1BoundSum', () => {
    expect(vdafConfigSensitivity({ type: 'Prio3L1BoundSum', length: 20, maxValue: 255n })).toEqual({
      l1: 510n,
      l2Squared: 2n * 255n * 255n,
    });
  });

  it('treats SumVec with multiproof as SumVec', () => {
    const v = new Prio3SumVecWithMultiproof(2, 'Field64', 2, 3, 5, 1);
    expect(prio3Sensitivity(v)).toEqual(
      bruteForce(
        v,
        vectors(3, 5)
          .slice(0, 1)
          .concat([[5, 5, 5]]),
      ),
    );
  });

  it('keeps large parameters exact', () => {
    const m = (1n << 64n) - 1n;
    expect(vdafConfigSensitivity({ type: 'Prio3SumVec', length: 1000, maxMeasurement: m })).toEqual(
      {
        l1: 1000n * m,
        l2Squared: 1000n * m * m,
      },
    );
  });
});

describe('hostile input', () => {
  it.each(
    [
      null,
      {},
      { type: 'Poplar1', bits: 8 },
      { type: 'Prio3Bogus' },
      { type: 'Prio3Sum', maxMeasurement: 0 },
      { type: 'Prio3Sum', maxMeasurement: -1n },
      { type: 'Prio3Sum', maxMeasurement: 1.5 },
      { type: 'Prio3Sum', maxMeasurement: '7' },
      { type: 'Prio3SumVec', length: 0, maxMeasurement: 1 },
      { type: 'Prio3Histogram', length: Number.NaN },
      { type: 'Prio3Histogram', length: 2 ** 60 },
      { type: 'Prio3MultihotCountVec', length: 3, maxWeight: -1 },
      { type: 'Prio3L1BoundSum', length: 2, maxValue: Infinity },
    ].map((c) => [JSON.stringify(c, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)), c]),
  )('refuses %s with DpError', (_label, config) => {
    expect(() => vdafConfigSensitivity(config as VdafSensitivityConfig)).toThrow(DpError);
    try {
      vdafConfigSensitivity(config as VdafSensitivityConfig);
    } catch (e) {
      expect((e as DpError).code).toBe('DP');
    }
  });

  it('refuses a custom circuit and non-VDAF objects', () => {
    const custom = new Prio3({
      id: 0xffff0000,
      shares: 2,
      proofs: 1,
      circuit: (b) => countCircuit(b.Field64),
    });
    expect(() => prio3Sensitivity(custom)).toThrow(DpError);
    expect(() => prio3Sensitivity({})).toThrow(DpError);
  });
});
