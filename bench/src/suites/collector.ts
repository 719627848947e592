// Collector benchmark suite: finishing a collection job (open the Leader's and the Helper's
// aggregate shares with HPKE, decode them, unshard, read the noisy values) for Prio3Histogram
// results of growing length, on the WASM backend and its pure-TS twin.
import { randomBytes } from 'node:crypto';
import { getBackend, type BackendKind } from '@private-measurement/core-wasm';
import {
  BatchMode,
  Prio3Histogram,
  Role,
  encodeCollectionJobReq,
  generateHpkeKeypair,
  makeTaskConfiguration,
  sealAggregateShare,
  type CollectionJobResp,
} from '@private-measurement/protocol';
import { Collector, type CollectionJob } from '@private-measurement/collector';
import type { BenchCase, Suite, SuiteOptions } from '../suite.js';

const LENGTHS = [16, 1024, 16384, 65536];
const LENGTHS_QUICK = [16, 1024, 16384];
const INTERVAL = { start: 490_000n, duration: 24n };

function available(kind: BackendKind): boolean {
  try {
    getBackend(kind);
    return true;
  } catch (e) {
    console.error(`collector suite: backend ${kind} unavailable: ${(e as Error).message}`);
    return false;
  }
}

/** A random field vector of the histogram's length, as an aggregate share would look. */
function randomShare(vdaf: Prio3Histogram, length: number) {
  const f = vdaf.field;
  const bytes = new Uint8Array(randomBytes(length * 8));
  const view = new DataView(bytes.buffer);
  // Values below 2^62 are canonical in Field128, whatever their high word.
  const xs = Array.from({ length }, (_, i) => view.getBigUint64(i * 8) >> 2n);
  return f.fromBigInts(xs);
}

async function finishCase(length: number, kind: BackendKind): Promise<BenchCase> {
  const taskId = new Uint8Array(randomBytes(32));
  const key = await generateHpkeKeypair(1);
  const chunkLength = Math.max(1, Math.round(Math.sqrt(length)));
  const taskConfiguration = makeTaskConfiguration({
    taskInfo: new TextEncoder().encode('bench'),
    leaderAggregatorEndpoint: 'https://leader.example/',
    helperAggregatorEndpoint: 'https://helper.example/',
    timePrecision: 3600n,
    minBatchSize: 1n,
    batchMode: BatchMode.time_interval,
    vdaf: { type: 'Prio3Histogram', length, chunkLength },
  });
  const vdaf = new Prio3Histogram(2, length, chunkLength, { backend: kind });
  const request = encodeCollectionJobReq({
    query: { batchMode: BatchMode.time_interval, batchInterval: INTERVAL },
    aggParam: new Uint8Array(0),
    extensions: [],
  });
  const seal = (role: Role) =>
    sealAggregateShare({
      taskId,
      taskConfiguration,
      collectionJobReq: request,
      role,
      collectorHpkeConfig: key.config,
      aggregateShare: vdaf.encodeAggShare(randomShare(vdaf, length)),
    });
  const response: CollectionJobResp = {
    reportCount: 1000n,
    interval: INTERVAL,
    leaderEncryptedAggShare: await seal(Role.leader),
    helperEncryptedAggShare: await seal(Role.helper),
  };
  const collector = new Collector({
    taskId,
    taskConfiguration,
    authToken: 'bench',
    hpkeKeys: key,
    backend: kind,
    noise: { mechanism: 'discrete-laplace', scale: 10 },
  });
  const job: CollectionJob = {
    location: 'https://leader.example/job',
    request,
    query: { batchMode: 'time_interval', batchInterval: INTERVAL },
  };
  return {
    name: 'Collector finish (open, unshard) Prio3Histogram',
    group: 'collector',
    backend: kind,
    params: { length },
    unit: 'bucket',
    unitsPerOp: length,
    bytes:
      response.leaderEncryptedAggShare.payload.length +
      response.helperEncryptedAggShare.payload.length,
    async: true,
    fn: async () => {
      await collector.finish(job, response);
    },
  };
}

const suite: Suite = {
  name: 'collector',
  description: 'collection job finish: HPKE open of both aggregate shares, unshard, noisy values',
  async cases(options: SuiteOptions): Promise<BenchCase[]> {
    const lengths = options.sizes ?? (options.quick ? LENGTHS_QUICK : LENGTHS);
    const kinds = (['wasm', 'ts'] as const).filter(available);
    const out: BenchCase[] = [];
    for (const length of lengths) {
      for (const kind of kinds) out.push(await finishCase(length, kind));
    }
    return out;
  },
};

export default suite;
