// Property tests: whatever bytes the Leader returns as a collection-job-resp (random, or a valid
// answer truncated, extended or with a byte flipped), the Collector returns a result or throws a
// typed CollectorError, never anything else.
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BatchMode, MediaType, encodeCollectionJobReq } from '@private-measurement/protocol';
import { Collector, CollectorError, type CollectionResult } from '../src/index.js';
import {
  aggregateShares,
  collectionJobResp,
  histogram,
  makeTask,
  type TestTask,
} from './fake-leader.js';

const LEADER = 'https://leader.example/dap/';
const INTERVAL = { start: 490_000n, duration: 24n };
const MEASUREMENTS = [0, 1, 1, 2, 3];

let task: TestTask;
let valid: Uint8Array;

beforeAll(async () => {
  task = await makeTask(LEADER);
  const request = encodeCollectionJobReq({
    query: { batchMode: BatchMode.time_interval, batchInterval: INTERVAL },
    aggParam: new Uint8Array(0),
    extensions: [],
  });
  valid = await collectionJobResp(
    task,
    request,
    aggregateShares(task, MEASUREMENTS),
    MEASUREMENTS.length,
  );
});

/** Collects once from a fetch that answers the POST with `body`. */
async function collectFrom(body: Uint8Array): Promise<CollectionResult | CollectorError> {
  const c = new Collector({
    taskId: task.taskId,
    taskConfiguration: task.taskConfiguration,
    authToken: 'token',
    hpkeKeys: task.collectorKey,
    backend: 'ts',
    fetch: async () =>
      new Response(body.length === 0 ? null : (body as Uint8Array<ArrayBuffer>), {
        status: 201,
        headers: { 'content-type': MediaType.collectionJobResp, location: '/dap/job' },
      }),
    sleep: async () => {
      throw new CollectorError('TEST_STOP', 'pending');
    },
  });
  try {
    return await c.collect({ batchMode: 'time_interval', batchInterval: INTERVAL });
  } catch (e) {
    if (e instanceof CollectorError) return e;
    throw e;
  }
}

const EXPECTED_CODES = new Set(['DECODE', 'DECRYPT', 'BAD_RESPONSE', 'UNSHARD', 'TEST_STOP']);

describe('hostile collection-job-resp bodies', () => {
  it('accepts the valid answer', async () => {
    const r = await collectFrom(valid);
    expect(r).not.toBeInstanceOf(CollectorError);
    expect((r as CollectionResult).values).toEqual(histogram(MEASUREMENTS));
  });

  it('turns random bytes into typed errors', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (body) => {
        const r = await collectFrom(body);
        expect(r).toBeInstanceOf(CollectorError);
        expect(EXPECTED_CODES).toContain((r as CollectorError).code);
      }),
      { numRuns: 150, seed: 3 },
    );
  });

  it('turns truncated, extended or altered answers into typed errors or a result', async () => {
    const mutation = fc.oneof(
      fc.nat().map((n) => (b: Uint8Array) => b.slice(0, n % b.length)),
      fc.uint8Array({ minLength: 1, maxLength: 8 }).map((x) => (b: Uint8Array) => {
        const out = new Uint8Array(b.length + x.length);
        out.set(b);
        out.set(x, b.length);
        return out;
      }),
      fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([i, x]) => (b: Uint8Array) => {
        const out = b.slice();
        out[i % out.length] ^= x;
        return out;
      }),
    );
    await fc.assert(
      fc.asyncProperty(mutation, async (mutate) => {
        const r = await collectFrom(mutate(valid));
        if (r instanceof CollectorError) {
          expect(EXPECTED_CODES).toContain(r.code);
        } else {
          // Only fields outside the AAD can change unnoticed: the report count and interval.
          expect(r.values).toEqual(histogram(MEASUREMENTS));
        }
      }),
      { numRuns: 150, seed: 4 },
    );
  });
});
