// Benchmark suite "memory": what one operation costs in memory (peak heap, heap allocated,
// external memory, peak RSS), each case in a fresh node process: Prio3 shard, verify,
// aggregate and unshard by variant and histogram length, the noise samplers, and the client's
// measureConversion, on the WASM backend, the pure-TS twin and the Prio3 peer.
import {
  discreteGaussian,
  discreteLaplace,
  type BackendKind,
} from '@private-measurement/core-wasm';
import {
  Prio3Count,
  Prio3L1BoundSum,
  Prio3SumVec,
  recommendedChunkLength,
} from '@private-measurement/protocol';
import type { BenchBackend, MemoryCase, Suite, SuiteOptions } from '../suite.js';
import {
  aggregateOp,
  histogram,
  peerAggregateOp,
  peerHistogram,
  peerShardOp,
  peerVerifyOp,
  shardOp,
  unshardOp,
  verifyOp,
  type AnyPrio3,
} from './_prio3-ops.js';
import clientSuite from './client.js';

const OURS: BackendKind[] = ['wasm', 'ts'];
const PEER = 'peer:@divviup/prio3' as const;
const LENGTHS = [1024, 4096, 16384];
const LENGTHS_QUICK = [1024];
/** Largest histogram the BigInt peer is measured at, as in the prio3 suite. */
const PEER_MAX_LENGTH = 4096;
const AGG_LENGTH = 4096;
const AGG_COUNT = 10_000;
const AGG_COUNT_QUICK = 1000;
const NOISE_COUNTS = [65_536, 1 << 20];
const NOISE_COUNTS_QUICK = [65_536];
const CLIENT_SIZES = [32, 256];
const CLIENT_SIZES_QUICK = [32];
/** Noise parameters: Laplace scale 100, Gaussian variance 10^4 (both exact integers). */
const LAPLACE_SCALE = { num: 100n, den: 1n };
const GAUSSIAN_SIGMA2 = { num: 10_000n, den: 1n };

function mem(
  group: string,
  name: string,
  backend: BenchBackend,
  params: Record<string, number>,
  setup: MemoryCase['setup'],
): MemoryCase {
  return { name, group, backend, params, setup };
}

/** Prio3 cases: every variant sharded, Histogram sharded and verified by length, aggregated. */
function prio3Cases(quick: boolean, lengths: readonly number[]): MemoryCase[] {
  const out: MemoryCase[] = [];
  const count = quick ? AGG_COUNT_QUICK : AGG_COUNT;
  for (const b of OURS) {
    out.push(
      mem('prio3', 'Prio3Count shard', b, {}, () =>
        shardOp(new Prio3Count(2, { backend: b }) as AnyPrio3, () => 1),
      ),
    );
    if (!quick) {
      out.push(
        mem('prio3', 'Prio3SumVec shard', b, { length: 1000, max: 1 }, () => {
          const chunk = recommendedChunkLength({
            type: 'Prio3SumVec',
            length: 1000,
            maxMeasurement: 1,
          });
          const v = new Prio3SumVec(2, 1000, 1, chunk, { backend: b }) as AnyPrio3;
          const m = Array.from({ length: 1000 }, (_, i) => i % 2);
          return shardOp(v, () => m);
        }),
        mem('prio3', 'Prio3L1BoundSum shard', b, { length: 1024, max: 255 }, () => {
          const chunk = recommendedChunkLength({
            type: 'Prio3L1BoundSum',
            length: 1024,
            maxValue: 255,
          });
          const v = new Prio3L1BoundSum(2, 1024, 255, chunk, { backend: b }) as AnyPrio3;
          const m = Array.from({ length: 1024 }, (_, i) => (i % 97 === 0 ? 21 : 0));
          return shardOp(v, () => m);
        }),
      );
    }
    for (const length of lengths) {
      out.push(
        mem('prio3', 'Prio3Histogram shard', b, { length }, () =>
          shardOp(histogram(length, b), () => length >> 1),
        ),
        mem('prio3', 'Prio3Histogram verify', b, { length }, () =>
          verifyOp(histogram(length, b), length >> 1),
        ),
      );
    }
    out.push(
      mem('prio3', 'Prio3Histogram aggregate', b, { length: AGG_LENGTH, outShares: count }, () =>
        aggregateOp(histogram(AGG_LENGTH, b), AGG_LENGTH, count),
      ),
    );
    if (!quick) {
      const length = lengths[lengths.length - 1];
      out.push(
        mem('prio3', 'Prio3Histogram unshard', b, { length }, () =>
          unshardOp(histogram(length, b), length >> 1, 4),
        ),
      );
    }
  }
  for (const length of lengths.filter((l) => l <= PEER_MAX_LENGTH)) {
    out.push(
      mem('prio3', 'Prio3Histogram shard', PEER, { length }, () =>
        peerShardOp(peerHistogram(length), () => length >> 1),
      ),
    );
    if (!quick) {
      out.push(
        mem('prio3', 'Prio3Histogram verify', PEER, { length }, () =>
          peerVerifyOp(peerHistogram(length), length >> 1),
        ),
      );
    }
  }
  if (!quick) {
    out.push(
      mem('prio3', 'Prio3Histogram aggregate', PEER, { length: AGG_LENGTH, outShares: count }, () =>
        peerAggregateOp(peerHistogram(AGG_LENGTH), AGG_LENGTH, count),
      ),
    );
  }
  return out;
}

/** Noise cases: a block of discrete Laplace (and, in full runs, Gaussian) samples. */
function noiseCases(quick: boolean): MemoryCase[] {
  const out: MemoryCase[] = [];
  for (const count of quick ? NOISE_COUNTS_QUICK : NOISE_COUNTS) {
    for (const b of OURS) {
      out.push(
        mem(
          'noise',
          'discreteLaplace',
          b,
          { count, scale: 100 },
          () => () => discreteLaplace(LAPLACE_SCALE, count, { backend: b }),
        ),
      );
      if (!quick) {
        out.push(
          mem(
            'noise',
            'discreteGaussian',
            b,
            { count, sigma2: 10_000 },
            () => () => discreteGaussian(GAUSSIAN_SIGMA2, count, { backend: b }),
          ),
        );
      }
    }
  }
  return out;
}

/**
 * Client cases: one measureConversion, with the client suite's own setup (a store of 100
 * matching impressions, both aggregators' HPKE configurations), so both suites measure the
 * same operation.
 */
function clientCases(quick: boolean): MemoryCase[] {
  const name = 'measureConversion dap-18-histogram';
  const out: MemoryCase[] = [];
  for (const size of quick ? CLIENT_SIZES_QUICK : CLIENT_SIZES) {
    for (const b of OURS) {
      out.push(
        mem('client', name, b, { histogramSize: size }, async () => {
          const cases = await clientSuite.cases({ quick: true, sizes: [size] });
          const c = cases.find((x) => x.name === name && x.backend === b);
          if (c === undefined) throw new Error(`client suite: no case "${name}" on ${b}`);
          return c.fn;
        }),
      );
    }
  }
  return out;
}

const suite: Suite = {
  name: 'memory',
  description:
    'peak heap, allocation and peak RSS per operation (Prio3, noise, measureConversion), a fresh process per case',
  cases: () => [],
  memory(options: SuiteOptions): MemoryCase[] {
    const lengths = options.sizes ?? (options.quick ? LENGTHS_QUICK : LENGTHS);
    return [
      ...prio3Cases(options.quick, lengths),
      ...noiseCases(options.quick),
      ...clientCases(options.quick),
    ];
  },
};

export default suite;
