// The Prio3 operations the bench measures, built once and shared by the timing suite (prio3.ts)
// and the memory suite (memory.ts): shard, verification by both aggregators, aggregation and
// unsharding, for our Prio3 (either backend) and for the peer @divviup/prio3 (draft-08).
// A file starting with "_" is not a suite of its own.
import { webcrypto } from 'node:crypto';
import { Prio3Histogram as PeerHistogram } from '@divviup/prio3';
import type { BackendKind, FieldVec } from '@private-measurement/core-wasm';
import { Prio3Histogram, recommendedChunkLength, type Prio3 } from '@private-measurement/protocol';

/** The application context string of every benchmarked report. */
export const CTX = new TextEncoder().encode('bench');
/** Distinct output shares cycled through when aggregating (memory stays a few MB). */
export const DISTINCT_OUT_SHARES = 64;

/** Any of our Prio3 variants. */
export type AnyPrio3 = Prio3<unknown, unknown>;

/** The parts of a @divviup/prio3 instance the bench uses (draft-08 API, promise-based). */
export interface PeerPrio3 {
  randSize: number;
  verifyKeySize: number;
  shard(m: never, nonce: Buffer, rand: Buffer): Promise<PeerReport>;
  prepareInit(
    key: Buffer,
    aggId: number,
    aggParam: null,
    nonce: Buffer,
    publicShare: unknown,
    inputShare: unknown,
  ): Promise<{ preparationState: unknown; preparationShare: unknown }>;
  unshardPreparationShares(aggParam: null, shares: unknown[]): Promise<unknown>;
  prepareNext(state: never, msg: never): unknown;
  aggregate(aggParam: null, outShares: bigint[][]): bigint[];
  unshard(aggParam: null, aggShares: bigint[][], count: number): unknown;
  encodePublicShare(share: never): Buffer;
  encodeInputShare(share: never): Buffer;
}

interface PeerReport {
  publicShare: unknown;
  inputShares: unknown[];
}

/**
 * Random bytes from the platform CSPRNG.
 *
 * @param n - how many.
 * @returns them.
 */
export function rand(n: number): Uint8Array {
  return webcrypto.getRandomValues(new Uint8Array(n));
}

/**
 * Bytes of one encoded report of ours: the public share plus every input share.
 *
 * @param vdaf - the Prio3 instance.
 * @param m - a measurement.
 * @returns the size in bytes.
 */
export function reportBytes(vdaf: AnyPrio3, m: unknown): number {
  const r = vdaf.shard(CTX, m, rand(16), rand(vdaf.randSize));
  let n = vdaf.encodePublicShare(r.publicShare).length;
  for (const s of r.inputShares) n += vdaf.encodeInputShare(s).length;
  return n;
}

/**
 * Bytes of one encoded report of the peer (its draft-08 encoding).
 *
 * @param peer - the peer instance.
 * @param m - a measurement.
 * @returns the size in bytes.
 */
export async function peerReportBytes(peer: PeerPrio3, m: unknown): Promise<number> {
  const r = await peer.shard(m as never, Buffer.from(rand(16)), Buffer.from(rand(peer.randSize)));
  let n = peer.encodePublicShare(r.publicShare as never).length;
  for (const s of r.inputShares) n += peer.encodeInputShare(s as never).length;
  return n;
}

/**
 * Sharding one measurement with fresh nonce and randomness.
 *
 * @param vdaf - the Prio3 instance.
 * @param m - gives the measurement of each run.
 * @returns the operation.
 */
export function shardOp(vdaf: AnyPrio3, m: () => unknown): () => void {
  return () => {
    vdaf.shard(CTX, m(), rand(16), rand(vdaf.randSize));
  };
}

/**
 * Verification of one report by both aggregators from its encoded shares: decode, verifyInit
 * by each, combine the verifier shares, verifyNext by each (draft-irtf-cfrg-vdaf-20 §7.2.3).
 *
 * @param vdaf - the Prio3 instance.
 * @param m - the measurement of the report verified at every run.
 * @returns the operation, which returns the output shares.
 */
export function verifyOp(vdaf: AnyPrio3, m: unknown): () => FieldVec[] {
  const nonce = rand(16);
  const key = rand(32);
  const r = vdaf.shard(CTX, m, nonce, rand(vdaf.randSize));
  const ps = vdaf.encodePublicShare(r.publicShare);
  const shares = r.inputShares.map((s) => vdaf.encodeInputShare(s));
  return () => {
    const pub = vdaf.decodePublicShare(ps);
    const inits = shares.map((b, j) =>
      vdaf.verifyInit(key, CTX, j, nonce, pub, vdaf.decodeInputShare(j, b)),
    );
    const msg = vdaf.verifierSharesToMessage(
      CTX,
      inits.map((i) => i.verifierShare),
    );
    return inits.map((i) => vdaf.verifyNext(CTX, i.state, msg));
  };
}

/**
 * A Histogram instance of ours with the recommended chunk length.
 *
 * @param length - number of buckets.
 * @param backend - which backend.
 * @returns the instance.
 */
export function histogram(length: number, backend: BackendKind): AnyPrio3 {
  const chunk = recommendedChunkLength({ type: 'Prio3Histogram', length });
  return new Prio3Histogram(2, length, chunk, { backend }) as AnyPrio3;
}

/**
 * The same Histogram in the peer, with our chunk length, so both prove the same circuit shape.
 *
 * @param length - number of buckets.
 * @returns the peer instance.
 */
export function peerHistogram(length: number): PeerPrio3 {
  const chunkLength = recommendedChunkLength({ type: 'Prio3Histogram', length });
  return new PeerHistogram({ shares: 2, length, chunkLength }) as unknown as PeerPrio3;
}

/**
 * Aggregation of `count` output shares of Histogram(length): `count` references to
 * `DISTINCT_OUT_SHARES` random vectors, summed into one aggregate share.
 *
 * @param vdaf - a Histogram instance.
 * @param length - its length.
 * @param count - output shares per run.
 * @returns the operation.
 */
export function aggregateOp(vdaf: AnyPrio3, length: number, count: number): () => FieldVec {
  const size = vdaf.field.encodedSize;
  const distinct: FieldVec[] = [];
  for (let i = 0; i < DISTINCT_OUT_SHARES; i++) {
    // Random elements below the modulus: the top byte of each little-endian element is masked.
    const bytes = rand(length * size).map((b, k) => (k % size === size - 1 ? b & 0x3f : b));
    distinct.push(vdaf.field.decode(bytes));
  }
  const outs = Array.from({ length: count }, (_, i) => distinct[i % DISTINCT_OUT_SHARES]);
  return () => vdaf.aggregate(outs);
}

/**
 * The peer's aggregation of `count` output shares (BigInt vectors) of Histogram(length).
 *
 * @param peer - a peer Histogram.
 * @param length - its length.
 * @param count - output shares per run.
 * @returns the operation.
 */
export function peerAggregateOp(peer: PeerPrio3, length: number, count: number): () => void {
  const distinct = Array.from({ length: DISTINCT_OUT_SHARES }, (_, i) =>
    Array.from({ length }, (_, k) => BigInt(i * length + k)),
  );
  const outs = Array.from({ length: count }, (_, i) => distinct[i % DISTINCT_OUT_SHARES]);
  return () => {
    peer.aggregate(null, outs);
  };
}

/**
 * Unsharding: merging both aggregate shares and decoding the aggregate result. The shares come
 * from `reports` real reports, sharded, verified and aggregated by each aggregator.
 *
 * @param vdaf - the Prio3 instance.
 * @param m - the measurement of every report.
 * @param reports - how many reports were aggregated.
 * @returns the operation.
 */
export function unshardOp(vdaf: AnyPrio3, m: unknown, reports: number): () => unknown {
  const outs: FieldVec[][] = [[], []];
  for (let i = 0; i < reports; i++) {
    const [a, b] = verifyOp(vdaf, m)();
    outs[0].push(a);
    outs[1].push(b);
  }
  const aggShares = outs.map((o) => vdaf.aggregate(o));
  return () => vdaf.unshard(aggShares, reports);
}

/**
 * The peer's verification of one report by both aggregators.
 *
 * @param peer - the peer instance.
 * @param m - the measurement of the report.
 * @returns the operation, which resolves to both output shares.
 */
export async function peerVerifyOp(peer: PeerPrio3, m: unknown): Promise<() => Promise<unknown[]>> {
  const nonce = Buffer.from(rand(16));
  const key = Buffer.from(rand(peer.verifyKeySize));
  const r = await peer.shard(m as never, nonce, Buffer.from(rand(peer.randSize)));
  return async () => {
    const inits = await Promise.all(
      r.inputShares.map((s, j) => peer.prepareInit(key, j, null, nonce, r.publicShare, s)),
    );
    const msg = await peer.unshardPreparationShares(
      null,
      inits.map((i) => i.preparationShare),
    );
    return inits.map((i) => peer.prepareNext(i.preparationState as never, msg as never));
  };
}

/**
 * The peer's unsharding of aggregate shares from `reports` real reports.
 *
 * @param peer - the peer instance.
 * @param m - the measurement of every report.
 * @param reports - how many reports were aggregated.
 * @returns the operation.
 */
export async function peerUnshardOp(
  peer: PeerPrio3,
  m: unknown,
  reports: number,
): Promise<() => unknown> {
  const outs: bigint[][][] = [[], []];
  for (let i = 0; i < reports; i++) {
    const results = await (await peerVerifyOp(peer, m))();
    results.forEach((res, j) => outs[j].push((res as { outputShare: bigint[] }).outputShare));
  }
  const aggShares = outs.map((o) => peer.aggregate(null, o));
  return () => peer.unshard(null, aggShares, reports);
}

/**
 * A peer's shard operation.
 *
 * @param peer - the peer instance.
 * @param m - gives the measurement of each run.
 * @returns the operation.
 */
export function peerShardOp(peer: PeerPrio3, m: () => unknown): () => Promise<void> {
  return async () => {
    await peer.shard(m() as never, Buffer.from(rand(16)), Buffer.from(rand(peer.randSize)));
  };
}
