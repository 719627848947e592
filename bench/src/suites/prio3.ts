// Prio3 benchmark suite: every draft-20 variant the issues name (Count, SumVec, L1BoundSum and
// Histogram by length) sharded, verified by both aggregators, aggregated and unsharded, on the
// WASM backend, its pure-TS twin and the peer @divviup/prio3 (draft-08, BigInt), with the size
// of each report in bytes.
import { Prio3Count as PeerCount, Prio3SumVec as PeerSumVec } from '@divviup/prio3';
import { getBackend, type BackendKind } from '@private-measurement/core-wasm';
import {
  Prio3Count,
  Prio3L1BoundSum,
  Prio3SumVec,
  recommendedChunkLength,
} from '@private-measurement/protocol';
import type { BenchCase, Suite, SuiteOptions } from '../suite.js';
import {
  aggregateOp,
  histogram,
  peerAggregateOp,
  peerHistogram,
  peerReportBytes,
  peerShardOp,
  peerUnshardOp,
  peerVerifyOp,
  reportBytes,
  shardOp,
  unshardOp,
  verifyOp,
  type AnyPrio3,
  type PeerPrio3,
} from './_prio3-ops.js';

const GROUP = 'prio3';
const OURS: BackendKind[] = ['wasm', 'ts'];
const PEER = 'peer:@divviup/prio3' as const;
const GROWTH = [16, 256, 1024, 4096, 16384];
const GROWTH_QUICK = [16, 256, 1024];
/** Largest histogram the BigInt peer is measured at (its cost grows too fast beyond). */
const PEER_MAX_LENGTH = 4096;
/** Length of the aggregation case and output shares per run (issue: 10,000 of Histogram(4096)). */
const AGG_LENGTH = 4096;
const AGG_COUNT = 10_000;
const AGG_COUNT_QUICK = 1000;
/** Reports behind the aggregate shares of the unshard case. */
const UNSHARD_REPORTS = 4;
const SUMVEC = { length: 1000, max: 1 };
const L1 = { length: 1024, max: 255 };

/** Our backends that can be instantiated here; a missing one is reported, not measured. */
function availableBackends(): BackendKind[] {
  return OURS.filter((kind) => {
    try {
      getBackend(kind);
      return true;
    } catch (e) {
      console.error(`prio3 suite: backend ${kind} unavailable: ${(e as Error).message}`);
      return false;
    }
  });
}

function oneReport(
  name: string,
  backend: BenchCase['backend'],
  params: Record<string, number>,
  fn: BenchCase['fn'],
  extra: Partial<BenchCase> = {},
): BenchCase {
  return { name, group: GROUP, backend, params, unit: 'report', unitsPerOp: 1, fn, ...extra };
}

/** Shard and verify cases of one of our variants. */
function variantCases(
  variant: string,
  backend: BackendKind,
  vdaf: AnyPrio3,
  m: () => unknown,
  params: Record<string, number>,
): BenchCase[] {
  return [
    oneReport(`${variant} shard`, backend, params, shardOp(vdaf, m), {
      bytes: reportBytes(vdaf, m()),
    }),
    oneReport(`${variant} verify`, backend, params, verifyOp(vdaf, m())),
  ];
}

/** Shard and verify cases of a peer variant, with the size of its (draft-08) report. */
async function peerVariantCases(
  variant: string,
  peer: PeerPrio3,
  m: () => unknown,
  params: Record<string, number>,
): Promise<BenchCase[]> {
  return [
    oneReport(`${variant} shard`, PEER, params, peerShardOp(peer, m), {
      async: true,
      bytes: await peerReportBytes(peer, m()),
    }),
    oneReport(`${variant} verify`, PEER, params, await peerVerifyOp(peer, m()), { async: true }),
  ];
}

function chunkOf(type: 'Prio3SumVec' | 'Prio3L1BoundSum'): number {
  return type === 'Prio3SumVec'
    ? recommendedChunkLength({ type, length: SUMVEC.length, maxMeasurement: SUMVEC.max })
    : recommendedChunkLength({ type, length: L1.length, maxValue: L1.max });
}

const vec = (): number[] => Array.from({ length: SUMVEC.length }, (_, i) => i % 2);
const l1m = (): number[] => Array.from({ length: L1.length }, (_, i) => (i % 97 === 0 ? 21 : 0));

/** Aggregation of Histogram(4096) output shares, ours and the peer's. */
function aggregateCases(count: number, backends: readonly BackendKind[]): BenchCase[] {
  const params = { length: AGG_LENGTH, outShares: count };
  const agg = (backend: BenchCase['backend'], fn: BenchCase['fn']): BenchCase => ({
    name: 'Prio3Histogram aggregate',
    group: GROUP,
    backend,
    params,
    unit: 'out share',
    unitsPerOp: count,
    fn,
  });
  const cases = backends.map((b) =>
    agg(b, aggregateOp(histogram(AGG_LENGTH, b), AGG_LENGTH, count)),
  );
  cases.push(agg(PEER, peerAggregateOp(peerHistogram(AGG_LENGTH), AGG_LENGTH, count)));
  return cases;
}

/** Unsharding Histogram(length): merge both aggregate shares and decode the counts. */
async function unshardCases(
  lengths: readonly number[],
  backends: readonly BackendKind[],
): Promise<BenchCase[]> {
  const cases: BenchCase[] = [];
  for (const length of lengths) {
    const params = { length };
    for (const b of backends) {
      const fn = unshardOp(histogram(length, b), length >> 1, UNSHARD_REPORTS);
      cases.push({ name: 'Prio3Histogram unshard', group: GROUP, backend: b, params, fn });
    }
    if (length <= PEER_MAX_LENGTH) {
      const fn = await peerUnshardOp(peerHistogram(length), length >> 1, UNSHARD_REPORTS);
      cases.push({ name: 'Prio3Histogram unshard', group: GROUP, backend: PEER, params, fn });
    }
  }
  return cases;
}

const suite: Suite = {
  name: 'prio3',
  description:
    'Prio3 (draft-20) shard, verify, aggregate and unshard per variant and histogram length, report bytes; WASM, TS twin and @divviup/prio3 (draft-08)',
  async cases(options: SuiteOptions): Promise<BenchCase[]> {
    const cases: BenchCase[] = [];
    const lengths = options.sizes ?? (options.quick ? GROWTH_QUICK : GROWTH);
    const backends = availableBackends();
    for (const b of backends) {
      cases.push(...variantCases('Prio3Count', b, new Prio3Count(2, { backend: b }), () => 1, {}));
      const sumVec = new Prio3SumVec(2, SUMVEC.length, SUMVEC.max, chunkOf('Prio3SumVec'), {
        backend: b,
      });
      cases.push(...variantCases('Prio3SumVec', b, sumVec as AnyPrio3, vec, SUMVEC));
      const l1 = new Prio3L1BoundSum(2, L1.length, L1.max, chunkOf('Prio3L1BoundSum'), {
        backend: b,
      });
      cases.push(...variantCases('Prio3L1BoundSum', b, l1 as AnyPrio3, l1m, L1));
      for (const length of lengths) {
        cases.push(
          ...variantCases('Prio3Histogram', b, histogram(length, b), () => length >> 1, { length }),
        );
      }
    }

    // The peer, where it has the variant (no L1BoundSum in draft-08).
    const peerCount = new PeerCount({ shares: 2 }) as unknown as PeerPrio3;
    cases.push(...(await peerVariantCases('Prio3Count', peerCount, () => true, {})));
    // The peer gets the same chunk length as ours, so both prove the same circuit shape.
    const peerSumVec = new PeerSumVec({
      shares: 2,
      length: SUMVEC.length,
      bits: 1,
      chunkLength: chunkOf('Prio3SumVec'),
    }) as unknown as PeerPrio3;
    cases.push(...(await peerVariantCases('Prio3SumVec', peerSumVec, vec, SUMVEC)));
    for (const length of lengths.filter((l) => l <= PEER_MAX_LENGTH)) {
      cases.push(
        ...(await peerVariantCases('Prio3Histogram', peerHistogram(length), () => length >> 1, {
          length,
        })),
      );
    }

    cases.push(...aggregateCases(options.quick ? AGG_COUNT_QUICK : AGG_COUNT, backends));
    const unshardLengths = options.quick ? [lengths[lengths.length - 1]] : lengths;
    cases.push(...(await unshardCases(unshardLengths, backends)));
    return cases;
  },
};

export default suite;
