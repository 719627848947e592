// Prio3 benchmark suite: sharding and verification of the draft-20 variants on the WASM backend,
// its pure-TS twin and the peer @divviup/prio3 (draft-08, BigInt), with report sizes.
import { webcrypto } from 'node:crypto';
import {
  Prio3Count as PeerCount,
  Prio3Histogram as PeerHistogram,
  Prio3SumVec as PeerSumVec,
} from '@divviup/prio3';
import { getBackend, type BackendKind, type FieldVec } from '@private-measurement/core-wasm';
import {
  Prio3Count,
  Prio3Histogram,
  Prio3L1BoundSum,
  Prio3SumVec,
  recommendedChunkLength,
  type Prio3,
} from '@private-measurement/protocol';
import type { BenchCase, Suite, SuiteOptions } from '../suite.js';

const CTX = new TextEncoder().encode('bench');
const OURS: BackendKind[] = ['wasm', 'ts'];
const PEER = 'peer:@divviup/prio3' as const;
const GROWTH = [16, 256, 1024, 4096, 16384];
const GROWTH_QUICK = [16, 256, 1024];
/** Largest histogram the BigInt peer is measured at (its cost grows too fast beyond). */
const PEER_MAX_LENGTH = 4096;
/** Distinct output shares cycled through in the aggregation case (memory stays ~4 MB). */
const DISTINCT_OUT_SHARES = 64;

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

function rand(n: number): Uint8Array {
  return webcrypto.getRandomValues(new Uint8Array(n));
}

type AnyPrio3 = Prio3<unknown, unknown>;

/** Bytes of one encoded report: public share plus every input share. */
function reportBytes(vdaf: AnyPrio3, m: unknown): number {
  const r = vdaf.shard(CTX, m, rand(16), rand(vdaf.randSize));
  let n = vdaf.encodePublicShare(r.publicShare).length;
  for (const s of r.inputShares) n += vdaf.encodeInputShare(s).length;
  return n;
}

function shardCase(
  name: string,
  backend: BackendKind,
  vdaf: AnyPrio3,
  m: () => unknown,
  params: Record<string, number>,
): BenchCase {
  return {
    name,
    group: 'prio3',
    backend,
    params,
    unit: 'report',
    unitsPerOp: 1,
    bytes: reportBytes(vdaf, m()),
    fn: () => {
      vdaf.shard(CTX, m(), rand(16), rand(vdaf.randSize));
    },
  };
}

/** Verification by both aggregators: decode, verifyInit x2, combine, verifyNext x2. */
function verifyCase(
  name: string,
  backend: BackendKind,
  vdaf: AnyPrio3,
  m: unknown,
  params: Record<string, number>,
): BenchCase {
  const nonce = rand(16);
  const key = rand(32);
  const r = vdaf.shard(CTX, m, nonce, rand(vdaf.randSize));
  const ps = vdaf.encodePublicShare(r.publicShare);
  const shares = r.inputShares.map((s) => vdaf.encodeInputShare(s));
  return {
    name,
    group: 'prio3',
    backend,
    params,
    unit: 'report',
    unitsPerOp: 1,
    fn: () => {
      const pub = vdaf.decodePublicShare(ps);
      const inits = shares.map((b, j) =>
        vdaf.verifyInit(key, CTX, j, nonce, pub, vdaf.decodeInputShare(j, b)),
      );
      const msg = vdaf.verifierSharesToMessage(
        CTX,
        inits.map((i) => i.verifierShare),
      );
      for (const i of inits) vdaf.verifyNext(CTX, i.state, msg);
    },
  };
}

function peerShardCase(
  name: string,
  peer: { randSize: number; shard(m: never, n: Buffer, r: Buffer): Promise<unknown> },
  m: () => unknown,
  params: Record<string, number>,
): BenchCase {
  return {
    name,
    group: 'prio3',
    backend: PEER,
    params,
    unit: 'report',
    unitsPerOp: 1,
    async: true,
    fn: async () => {
      await peer.shard(m() as never, Buffer.from(rand(16)), Buffer.from(rand(peer.randSize)));
    },
  };
}

async function peerHistogramVerifyCase(length: number, chunk: number): Promise<BenchCase> {
  const peer = new PeerHistogram({ shares: 2, length, chunkLength: chunk });
  const nonce = Buffer.from(rand(16));
  const key = Buffer.from(rand(peer.verifyKeySize));
  const r = await peer.shard(1, nonce, Buffer.from(rand(peer.randSize)));
  return {
    name: 'Prio3Histogram verify',
    group: 'prio3',
    backend: PEER,
    params: { length },
    unit: 'report',
    unitsPerOp: 1,
    async: true,
    fn: async () => {
      const inits = await Promise.all(
        r.inputShares.map((s, j) => peer.prepareInit(key, j, null, nonce, r.publicShare, s)),
      );
      const msg = await peer.unshardPreparationShares(
        null,
        inits.map((i) => i.preparationShare),
      );
      for (const i of inits) peer.prepareNext(i.preparationState, msg);
    },
  };
}

function aggregateCases(quick: boolean, backends: readonly BackendKind[]): BenchCase[] {
  const length = 4096;
  const count = quick ? 1000 : 10_000;
  const cases: BenchCase[] = [];
  for (const backend of backends) {
    const vdaf = new Prio3Histogram(
      2,
      length,
      recommendedChunkLength({ type: 'Prio3Histogram', length }),
      { backend },
    );
    const distinct: FieldVec[] = [];
    for (let i = 0; i < DISTINCT_OUT_SHARES; i++) {
      distinct.push(
        vdaf.field.decode(rand(length * 16).map((b, k) => (k % 16 === 15 ? b & 0x3f : b))),
      );
    }
    const outs = Array.from({ length: count }, (_, i) => distinct[i % DISTINCT_OUT_SHARES]);
    cases.push({
      name: 'Prio3Histogram aggregate',
      group: 'prio3',
      backend,
      params: { length, outShares: count },
      unit: 'out share',
      unitsPerOp: count,
      fn: () => {
        vdaf.aggregate(outs);
      },
    });
  }
  const peer = new PeerHistogram({
    shares: 2,
    length,
    chunkLength: recommendedChunkLength({ type: 'Prio3Histogram', length }),
  });
  const peerOuts = Array.from({ length: DISTINCT_OUT_SHARES }, (_, i) =>
    Array.from({ length }, (_, k) => BigInt(i * length + k)),
  );
  const outs = Array.from({ length: count }, (_, i) => peerOuts[i % DISTINCT_OUT_SHARES]);
  cases.push({
    name: 'Prio3Histogram aggregate',
    group: 'prio3',
    backend: PEER,
    params: { length, outShares: count },
    unit: 'out share',
    unitsPerOp: count,
    fn: () => {
      peer.aggregate(null, outs);
    },
  });
  return cases;
}

const suite: Suite = {
  name: 'prio3',
  description:
    'Prio3 (draft-20) shard and verification per variant, histogram growth, aggregation; WASM, TS twin and @divviup/prio3 (draft-08)',
  async cases(options: SuiteOptions): Promise<BenchCase[]> {
    const cases: BenchCase[] = [];
    const lengths = options.sizes ?? (options.quick ? GROWTH_QUICK : GROWTH);
    const backends = availableBackends();
    for (const backend of backends) {
      const count = new Prio3Count(2, { backend });
      cases.push(shardCase('Prio3Count shard', backend, count as AnyPrio3, () => 1, {}));

      const sumVecChunk = recommendedChunkLength({
        type: 'Prio3SumVec',
        length: 1000,
        maxMeasurement: 1,
      });
      const sumVec = new Prio3SumVec(2, 1000, 1, sumVecChunk, { backend });
      const vec = Array.from({ length: 1000 }, (_, i) => i % 2);
      cases.push(
        shardCase('Prio3SumVec shard', backend, sumVec as AnyPrio3, () => vec, {
          length: 1000,
          max: 1,
        }),
      );

      const l1Chunk = recommendedChunkLength({
        type: 'Prio3L1BoundSum',
        length: 1024,
        maxValue: 255,
      });
      const l1 = new Prio3L1BoundSum(2, 1024, 255, l1Chunk, { backend });
      const l1m = Array.from({ length: 1024 }, (_, i) => (i % 97 === 0 ? 21 : 0));
      cases.push(
        shardCase('Prio3L1BoundSum shard', backend, l1 as AnyPrio3, () => l1m, {
          length: 1024,
          max: 255,
        }),
      );

      for (const length of lengths) {
        const chunk = recommendedChunkLength({ type: 'Prio3Histogram', length });
        const h = new Prio3Histogram(2, length, chunk, { backend }) as AnyPrio3;
        cases.push(shardCase('Prio3Histogram shard', backend, h, () => length >> 1, { length }));
        cases.push(verifyCase('Prio3Histogram verify', backend, h, length >> 1, { length }));
      }
    }

    // The peer, where it has the variant (no L1BoundSum in draft-08).
    const peerCount = new PeerCount({ shares: 2 });
    cases.push(peerShardCase('Prio3Count shard', peerCount, () => true, {}));
    // The peer gets the same chunk length as ours, so both prove the same circuit shape.
    const peerSumVec = new PeerSumVec({
      shares: 2,
      length: 1000,
      bits: 1,
      chunkLength: recommendedChunkLength({ type: 'Prio3SumVec', length: 1000, maxMeasurement: 1 }),
    });
    const vec = Array.from({ length: 1000 }, (_, i) => i % 2);
    cases.push(peerShardCase('Prio3SumVec shard', peerSumVec, () => vec, { length: 1000, max: 1 }));
    for (const length of lengths.filter((l) => l <= PEER_MAX_LENGTH)) {
      const chunk = recommendedChunkLength({ type: 'Prio3Histogram', length });
      const peer = new PeerHistogram({ shares: 2, length, chunkLength: chunk });
      cases.push(peerShardCase('Prio3Histogram shard', peer, () => length >> 1, { length }));
      cases.push(await peerHistogramVerifyCase(length, chunk));
    }

    cases.push(...aggregateCases(options.quick, backends));
    return cases;
  },
};

export default suite;
