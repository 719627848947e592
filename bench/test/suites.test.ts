// Tests that the measured operations do what their names say (a real pipeline on a small
// Histogram, ours on both backends and the peer's) and that the memory suite lists its cases
// as the options ask, the same list each time (the child processes rely on it).
import { describe, expect, it } from 'vitest';
import {
  histogram,
  peerHistogram,
  peerUnshardOp,
  peerVerifyOp,
  reportBytes,
  unshardOp,
  verifyOp,
} from '../src/suites/_prio3-ops.js';
import memorySuite from '../src/suites/memory.js';
import prio3Suite from '../src/suites/prio3.js';

describe('Prio3 operations', () => {
  for (const backend of ['wasm', 'ts'] as const) {
    it(`unshard after shard, verify and aggregate gives the histogram (${backend})`, () => {
      const vdaf = histogram(16, backend);
      const result = unshardOp(vdaf, 5, 3)() as Array<number | bigint>;
      expect(result.map(Number)).toEqual(Array.from({ length: 16 }, (_, i) => (i === 5 ? 3 : 0)));
      expect(verifyOp(vdaf, 2)()).toHaveLength(2);
      expect(reportBytes(vdaf, 1)).toBeGreaterThan(16 * 16);
    });
  }

  it('the peer pipeline gives the same histogram', async () => {
    const peer = peerHistogram(16);
    const result = (await peerUnshardOp(peer, 5, 3))() as Array<number | bigint>;
    expect(result.map(Number)).toEqual(Array.from({ length: 16 }, (_, i) => (i === 5 ? 3 : 0)));
    const outs = await (await peerVerifyOp(peer, 1))();
    expect(outs).toHaveLength(2);
  });
});

describe('memory suite listing', () => {
  const list = memorySuite.memory!;

  it('has no timed cases and lists the same memory cases on every call', () => {
    expect(memorySuite.cases({ quick: false })).toEqual([]);
    const key = (o: Parameters<typeof list>[0]): string[] =>
      list(o).map((c) => `${c.group}/${c.name}/${JSON.stringify(c.params)}/${c.backend}`);
    expect(key({ quick: false })).toEqual(key({ quick: false }));
    expect(key({ quick: true })).toEqual(key({ quick: true }));
  });

  it('covers Prio3, noise and the client on both backends, and the Prio3 peer', () => {
    const full = list({ quick: false });
    const groups = new Set(full.map((c) => c.group));
    expect([...groups].sort()).toEqual(['client', 'noise', 'prio3']);
    for (const g of groups) {
      const backends = new Set(full.filter((c) => c.group === g).map((c) => c.backend));
      expect(backends.has('wasm') && backends.has('ts')).toBe(true);
    }
    expect(full.some((c) => c.backend === 'peer:@divviup/prio3')).toBe(true);
    const names = new Set(full.map((c) => c.name));
    for (const n of ['shard', 'verify', 'aggregate', 'unshard']) {
      expect(names.has(`Prio3Histogram ${n}`)).toBe(true);
    }
    expect(list({ quick: true }).length).toBeLessThan(full.length);
  });

  it('takes the histogram lengths from --sizes', () => {
    const lengths = (o: Parameters<typeof list>[0]): number[] => [
      ...new Set(
        list(o)
          .filter((c) => c.name === 'Prio3Histogram shard')
          .map((c) => Number(c.params?.length)),
      ),
    ];
    expect(lengths({ quick: true, sizes: [64, 128] })).toEqual([64, 128]);
    expect(lengths({ quick: false })).toEqual([1024, 4096, 16384]);
  });

  it('a listed case sets up an operation that runs', async () => {
    const c = list({ quick: true }).find((x) => x.name === 'Prio3Count shard')!;
    const op = await c.setup();
    expect(() => op()).not.toThrow();
  });
});

describe('prio3 suite listing', () => {
  it('has every variant and operation of the issue, at the sizes asked', async () => {
    const cases = await prio3Suite.cases({ quick: true, sizes: [16] });
    const seen = new Set(cases.map((c) => `${c.name} ${c.backend}`));
    for (const b of ['wasm', 'ts']) {
      for (const v of ['Prio3Count', 'Prio3SumVec', 'Prio3L1BoundSum', 'Prio3Histogram']) {
        expect(seen.has(`${v} shard ${b}`) && seen.has(`${v} verify ${b}`)).toBe(true);
      }
      expect(seen.has(`Prio3Histogram aggregate ${b}`)).toBe(true);
      expect(seen.has(`Prio3Histogram unshard ${b}`)).toBe(true);
    }
    for (const v of ['Prio3Count', 'Prio3SumVec', 'Prio3Histogram']) {
      expect(seen.has(`${v} shard peer:@divviup/prio3`)).toBe(true);
    }
    const shards = cases.filter((c) => c.name.endsWith(' shard'));
    expect(shards.every((c) => typeof c.bytes === 'number' && c.bytes > 0)).toBe(true);
    const l1 = cases.find((c) => c.name === 'Prio3L1BoundSum shard')!;
    expect(l1.params).toEqual({ length: 1024, max: 255 });
  });
});
