// Every Prio3 variant through the Collector: real shard, verification and aggregation on both
// aggregators, shares sealed to the Collector, then `collect` against a fetch that answers at
// once. The expected result is computed from the measurements directly.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  BatchMode,
  MediaType,
  Prio3Count,
  Prio3L1BoundSum,
  Prio3MultihotCountVec,
  Prio3Sum,
  Prio3SumVec,
  Role,
  decodeCollectionJobReq,
  deriveHpkeKeypair,
  encodeCollectionJobResp,
  makeTaskConfiguration,
  sealAggregateShare,
  vdafContext,
  type Prio3,
  type VdafConfig,
} from '@private-measurement/protocol';
import { Collector, UnshardError } from '../src/index.js';

type AnyPrio3 = Prio3<unknown, unknown>;

async function collectWith(config: VdafConfig, vdaf: AnyPrio3 | null, measurements: unknown[]) {
  const taskId = new Uint8Array(randomBytes(32));
  const key = await deriveHpkeKeypair(3, new Uint8Array(32).fill(9));
  const taskConfiguration = makeTaskConfiguration({
    taskInfo: new TextEncoder().encode('vdafs'),
    leaderAggregatorEndpoint: 'https://leader.example/',
    helperAggregatorEndpoint: 'https://helper.example/',
    timePrecision: 60n,
    minBatchSize: 1n,
    batchMode: BatchMode.leader_selected,
    vdaf: config,
  });

  // Real Prio3 on both aggregators (or placeholder shares for a VDAF we cannot run).
  let aggs: Uint8Array[] = [new Uint8Array(8), new Uint8Array(8)];
  if (vdaf !== null) {
    const ctx = vdafContext(taskId);
    const verifyKey = new Uint8Array(randomBytes(32));
    const outs: [unknown[], unknown[]] = [[], []];
    for (const m of measurements) {
      const nonce = new Uint8Array(randomBytes(16));
      const { publicShare, inputShares } = vdaf.shard(ctx, m, nonce, randomBytes(vdaf.randSize));
      const inits = [0, 1].map((i) =>
        vdaf.verifyInit(verifyKey, ctx, i, nonce, publicShare, inputShares[i]),
      );
      const msg = vdaf.verifierSharesToMessage(
        ctx,
        inits.map((x) => x.verifierShare),
      );
      for (const i of [0, 1]) outs[i].push(vdaf.verifyNext(ctx, inits[i].state, msg));
    }
    aggs = outs.map((o) => vdaf.encodeAggShare(vdaf.aggregate(o as never)));
  }

  const fetch = async (_url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Uint8Array(init?.body as Uint8Array);
    decodeCollectionJobReq(request);
    const seal = (role: Role, share: Uint8Array) =>
      sealAggregateShare({
        taskId,
        taskConfiguration,
        collectionJobReq: request,
        role,
        collectorHpkeConfig: key.config,
        aggregateShare: share,
      });
    const body = encodeCollectionJobResp({
      reportCount: BigInt(measurements.length),
      interval: { start: 29_000_000n, duration: 1n },
      leaderEncryptedAggShare: await seal(Role.leader, aggs[0]),
      helperEncryptedAggShare: await seal(Role.helper, aggs[1]),
    });
    return new Response(body as Uint8Array<ArrayBuffer>, {
      status: 201,
      headers: { 'content-type': MediaType.collectionJobResp, location: '/jobs/1' },
    });
  };
  const c = new Collector({
    taskId,
    taskConfiguration,
    authToken: 't',
    hpkeKeys: key,
    backend: 'ts',
    fetch: fetch as typeof globalThis.fetch,
  });
  return c.collect({ batchMode: 'leader_selected' });
}

const sumOf = (xs: number[]): bigint => BigInt(xs.reduce((a, b) => a + b, 0));
const columnSums = (rows: number[][]): bigint[] =>
  rows[0].map((_, j) => sumOf(rows.map((r) => Number(r[j]))));

describe('every Prio3 variant', () => {
  it('Prio3Count', async () => {
    const m = [1, 0, 1, 1, 0];
    const r = await collectWith(
      { type: 'Prio3Count' },
      new Prio3Count(2, { backend: 'ts' }) as AnyPrio3,
      m,
    );
    expect(r.vdaf).toBe('Prio3Count');
    expect(r.values).toEqual([3n]);
    expect(r.aggregate).toBe(3n);
  });

  it('Prio3Sum', async () => {
    const m = [7, 200, 0, 255];
    const r = await collectWith(
      { type: 'Prio3Sum', maxMeasurement: 255n },
      new Prio3Sum(2, 255, { backend: 'ts' }) as AnyPrio3,
      m,
    );
    expect(r.values).toEqual([sumOf(m)]);
  });

  it('Prio3SumVec', async () => {
    const m = [
      [1, 2, 3],
      [3, 0, 1],
    ];
    const r = await collectWith(
      { type: 'Prio3SumVec', length: 3, maxMeasurement: 3n, chunkLength: 2 },
      new Prio3SumVec(2, 3, 3, 2, { backend: 'ts' }) as AnyPrio3,
      m,
    );
    expect(r.values).toEqual(columnSums(m));
  });

  it('Prio3MultihotCountVec (configuration order length, chunk_length, max_weight)', async () => {
    const m = [
      [true, false, true, false, false],
      [false, false, true, true, false],
      [true, false, false, false, false],
    ];
    const r = await collectWith(
      { type: 'Prio3MultihotCountVec', length: 5, chunkLength: 2, maxWeight: 2n },
      new Prio3MultihotCountVec(2, 5, 2, 2, { backend: 'ts' }) as AnyPrio3,
      m,
    );
    expect(r.values).toEqual(columnSums(m.map((row) => row.map(Number))));
  });

  it('Prio3L1BoundSum', async () => {
    const m = [
      [1, 0, 2, 0],
      [0, 3, 0, 0],
      [0, 0, 0, 0],
    ];
    const r = await collectWith(
      { type: 'Prio3L1BoundSum', length: 4, maxValue: 3n, chunkLength: 2 },
      new Prio3L1BoundSum(2, 4, 3, 2, { backend: 'ts' }) as AnyPrio3,
      m,
    );
    expect(r.values).toEqual(columnSums(m));
  });

  it('refuses Poplar1 with UNSHARD after decryption', async () => {
    const e = await collectWith({ type: 'Poplar1', bits: 8 }, null, [0]).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(UnshardError);
    expect((e as UnshardError).code).toBe('UNSHARD');
  });
});
