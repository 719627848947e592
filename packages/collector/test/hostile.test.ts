// The Collector against a hostile or broken Leader: problem documents, error statuses,
// garbage, truncated and extended bodies, wrong media types, timeouts, dropped connections,
// bad Location headers, tampered or mis-bound ciphertexts. Each ends in a typed error.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeCollectionJobReq, BatchMode, type Interval } from '@private-measurement/protocol';
import {
  Collector,
  CollectorError,
  DecryptError,
  HttpStatusError,
  ParamError,
  PollDeadlineError,
  ProblemError,
  ResponseError,
  TransportError,
  UnshardError,
  type CollectorEvent,
  type CollectorOptions,
} from '../src/index.js';
import {
  aggregateShares,
  collectionJobResp,
  makeTask,
  sendProblem,
  sendResp,
  startLeader,
  type FakeLeader,
  type RespOptions,
  type TestTask,
} from './fake-leader.js';

const INTERVAL: Interval = { start: 490_000n, duration: 24n };
const QUERY = { batchMode: 'time_interval', batchInterval: INTERVAL } as const;
const MEASUREMENTS = [0, 1, 2, 3];

let leader: FakeLeader;
let task: TestTask;
let shares: ReturnType<typeof aggregateShares>;

beforeAll(async () => {
  leader = await startLeader();
  task = await makeTask(leader.url);
  shares = aggregateShares(task, MEASUREMENTS);
});

afterAll(async () => {
  await leader.close();
});

beforeEach(() => {
  leader.received.length = 0;
});

function collector(extra: Partial<CollectorOptions> = {}): Collector {
  return new Collector({
    taskId: task.taskId,
    taskConfiguration: task.taskConfiguration,
    authToken: 'token',
    hpkeKeys: task.collectorKey,
    sleep: async () => {},
    requestTimeoutMs: 10_000,
    ...extra,
  });
}

async function caught(p: Promise<unknown>): Promise<CollectorError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CollectorError);
    return e as CollectorError;
  }
  throw new Error('expected the collection to fail');
}

/** A Leader answering the POST at once with `body` built by `make`. */
function answerWith(make: (request: Uint8Array) => Promise<Uint8Array> | Uint8Array): void {
  leader.handle(async (req, res) => sendResp(res, await make(req.body), 201, '/dap/job'));
}

function respWith(options: RespOptions) {
  return (request: Uint8Array) =>
    collectionJobResp(task, request, shares, MEASUREMENTS.length, options);
}

describe('problem documents and statuses', () => {
  it('surfaces a DAP problem type as a ProblemError', async () => {
    leader.handle((_req, res) =>
      sendProblem(res, 400, {
        type: 'urn:ietf:params:ppm:dap:error:invalidBatchSize',
        title: 'There is an invalid number of reports in the batch.',
        status: 400,
        detail: 'only 2 reports',
      }),
    );
    const e = await caught(collector().collect(QUERY));
    expect(e).toBeInstanceOf(ProblemError);
    expect(e.code).toBe('PROBLEM');
    expect((e as ProblemError).problemType).toBe('invalidBatchSize');
    expect((e as ProblemError).status).toBe(400);
    expect((e as ProblemError).detail).toBe('only 2 reports');
  });

  it('keeps a non-DAP problem type without a token, and strips control characters', async () => {
    leader.handle((_req, res) =>
      sendProblem(res, 403, { type: 'https://example.com/forbidden', detail: 'no\u0007\nway' }),
    );
    const e = (await caught(collector().collect(QUERY))) as ProblemError;
    expect(e.problemType).toBeUndefined();
    expect(e.type).toBe('https://example.com/forbidden');
    expect(e.detail).toBe('no way');
  });

  it('surfaces a problem document that fails the job while polling', async () => {
    leader.handle((_req, res, n) => {
      if (n === 0) {
        res.setHeader('location', '/dap/failing');
        res.end();
      } else {
        sendProblem(res, 400, { type: 'urn:ietf:params:ppm:dap:error:batchMismatch' });
      }
    });
    const e = (await caught(collector().collect(QUERY))) as ProblemError;
    expect(e).toBeInstanceOf(ProblemError);
    expect(e.problemType).toBe('batchMismatch');
    expect(leader.received.map((r) => r.method)).toEqual(['POST', 'GET']);
  });

  it.each([
    ['a problem media type with a garbage body', 'application/problem+json', '{not json'],
    ['a problem document without type', 'application/problem+json', '{"detail":"x"}'],
    ['plain text', 'text/plain', 'oops'],
  ])('maps an error status with %s to HttpStatusError', async (_name, type, body) => {
    leader.handle((_req, res) => {
      res.statusCode = 500;
      res.setHeader('content-type', type);
      res.end(body);
    });
    const e = await caught(collector().collect(QUERY));
    expect(e).toBeInstanceOf(HttpStatusError);
    expect(e.code).toBe('HTTP_STATUS');
    expect((e as HttpStatusError).status).toBe(500);
    expect(leader.received).toHaveLength(1);
  });

  it('retries 503 then succeeds, and gives up after maxTransientRetries', async () => {
    leader.handle(async (req, res, n) => {
      if (n < 2) {
        res.statusCode = n === 0 ? 503 : 429;
        if (n === 1) res.setHeader('retry-after', '9');
        res.end();
      } else sendResp(res, await respWith({})(req.body), 201, '/dap/job');
    });
    const delays: number[] = [];
    const ok = await collector({ sleep: async (ms) => void delays.push(ms) }).collect(QUERY);
    expect(ok.values).toEqual([1n, 1n, 1n, 1n]);
    expect(leader.received).toHaveLength(3);
    expect(delays).toEqual([1000, 9000]);

    leader.received.length = 0;
    leader.handle((_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    const e = await caught(collector({ poll: { maxTransientRetries: 2 } }).collect(QUERY));
    expect(e).toBeInstanceOf(HttpStatusError);
    expect(leader.received).toHaveLength(3);
  });

  it('does not follow redirects', async () => {
    leader.handle((_req, res) => {
      res.statusCode = 307;
      res.setHeader('location', 'http://127.0.0.1:1/elsewhere');
      res.end();
    });
    const e = await caught(collector().collect(QUERY));
    expect(e).toBeInstanceOf(HttpStatusError);
    expect((e as HttpStatusError).status).toBe(307);
  });
});

describe('malformed answers', () => {
  it('rejects a body with the wrong media type', async () => {
    leader.handle(async (req, res) => {
      res.statusCode = 201;
      res.setHeader('location', '/dap/job');
      res.setHeader('content-type', 'application/json');
      res.end(await respWith({})(req.body));
    });
    const e = await caught(collector().collect(QUERY));
    expect(e).toBeInstanceOf(ResponseError);
    expect(e.code).toBe('MEDIA_TYPE');
  });

  it('rejects a body without a media type', async () => {
    leader.handle((_req, res) => {
      res.setHeader('location', '/dap/job');
      res.removeHeader('content-type');
      res.end(Buffer.from([1, 2, 3]));
    });
    expect((await caught(collector().collect(QUERY))).code).toBe('MEDIA_TYPE');
  });

  it.each([
    ['garbage', () => new Uint8Array([0xde, 0xad, 0xbe, 0xef])],
    ['truncated', async (req: Uint8Array) => (await respWith({})(req)).slice(0, -1)],
    [
      'truncated to its first half',
      async (req: Uint8Array) => {
        const b = await respWith({})(req);
        return b.slice(0, b.length >> 1);
      },
    ],
    ['extended', async (req: Uint8Array) => new Uint8Array([...(await respWith({})(req)), 0])],
  ])('rejects a %s collection-job-resp with DECODE', async (_name, make) => {
    answerWith(make);
    const e = await caught(collector().collect(QUERY));
    expect(e).toBeInstanceOf(ResponseError);
    expect(e.code).toBe('DECODE');
  });

  it('rejects a missing, malformed or foreign Location', async () => {
    for (const location of [undefined, 'http://[', 'http://evil.example/job']) {
      leader.handle(async (req, res) => {
        if (location !== undefined) res.setHeader('location', location);
        res.end();
      });
      const e = await caught(collector().collect(QUERY));
      expect(e).toBeInstanceOf(ResponseError);
      expect(e.code).toBe('BAD_RESPONSE');
    }
  });

  it('rejects a body larger than maxBodyBytes', async () => {
    answerWith(respWith({}));
    const e = await caught(collector({ maxBodyBytes: 64 }).collect(QUERY));
    expect(e.code).toBe('BAD_RESPONSE');
  });

  it('rejects a report count below min_batch_size or an interval outside the query', async () => {
    answerWith(respWith({ reportCount: 2n }));
    expect((await caught(collector().collect(QUERY))).code).toBe('BAD_RESPONSE');
    answerWith(respWith({ interval: { start: INTERVAL.start - 1n, duration: 2n } }));
    expect((await caught(collector().collect(QUERY))).code).toBe('BAD_RESPONSE');
    answerWith(respWith({ interval: { start: INTERVAL.start, duration: INTERVAL.duration + 1n } }));
    expect((await caught(collector().collect(QUERY))).code).toBe('BAD_RESPONSE');
  });
});

describe('ciphertexts', () => {
  it('refuses shares sealed over another CollectionJobReq (AAD binding)', async () => {
    const other = encodeCollectionJobReq({
      query: {
        batchMode: BatchMode.time_interval,
        batchInterval: { start: INTERVAL.start, duration: 12n },
      },
      aggParam: new Uint8Array(0),
      extensions: [],
    });
    answerWith(respWith({ requestForAad: other }));
    const e = await caught(collector().collect(QUERY));
    expect(e).toBeInstanceOf(DecryptError);
    expect(e.code).toBe('DECRYPT');
    expect(e.message).toContain('leader');
  });

  it('refuses shares for another task ID or task configuration', async () => {
    answerWith(respWith({}));
    const otherId = new Uint8Array(32).fill(8);
    expect((await caught(collector({ taskId: otherId }).collect(QUERY))).code).toBe('DECRYPT');
    answerWith(respWith({}));
    const tc = { ...task.taskConfiguration, minBatchSize: 1n };
    expect((await caught(collector({ taskConfiguration: tc }).collect(QUERY))).code).toBe(
      'DECRYPT',
    );
  });

  it('refuses a tampered ciphertext, another key, or an unknown config id', async () => {
    answerWith(async (req) => {
      const b = await respWith({})(req);
      b[b.length - 1] ^= 1;
      return b;
    });
    const tampered = await caught(collector().collect(QUERY));
    expect(tampered).toBeInstanceOf(DecryptError);
    expect(tampered.message).toContain('helper');

    answerWith(respWith({}));
    const { deriveHpkeKeypair } = await import('@private-measurement/protocol');
    const wrong = await deriveHpkeKeypair(1, new Uint8Array(32).fill(1));
    expect((await caught(collector({ hpkeKeys: wrong }).collect(QUERY))).code).toBe('DECRYPT');

    answerWith(respWith({}));
    const otherId = { ...task.collectorKey, config: { ...task.collectorKey.config, id: 9 } };
    expect((await caught(collector({ hpkeKeys: otherId }).collect(QUERY))).code).toBe('DECRYPT');
  });

  it('refuses a well-sealed aggregate share of the wrong length with UNSHARD', async () => {
    answerWith(respWith({ leaderShareBytes: new Uint8Array(5 * 8) }));
    const e = await caught(collector().collect(QUERY));
    expect(e).toBeInstanceOf(UnshardError);
    expect(e.code).toBe('UNSHARD');
  });
});

describe('transport', () => {
  it('times out a Leader that never answers', async () => {
    leader.handle(() => {});
    const e = await caught(
      collector({ requestTimeoutMs: 150, poll: { maxTransientRetries: 0 } }).collect(QUERY),
    );
    expect(e).toBeInstanceOf(TransportError);
    expect(e.code).toBe('TIMEOUT');
  });

  it('reports a dropped connection as NETWORK, after the retries', async () => {
    leader.handle((_req, res) => {
      res.socket?.destroy();
    });
    const e = await caught(collector({ poll: { maxTransientRetries: 1 } }).collect(QUERY));
    expect(e).toBeInstanceOf(TransportError);
    expect(e.code).toBe('NETWORK');
    expect(leader.received).toHaveLength(2);
  });

  it('reports a refused connection as NETWORK', async () => {
    const tc = { ...task.taskConfiguration, leaderAggregatorEndpoint: 'http://127.0.0.1:1/' };
    const e = await caught(
      collector({ taskConfiguration: tc, poll: { maxTransientRetries: 0 } }).collect(QUERY),
    );
    expect(e.code).toBe('NETWORK');
  });

  it('stops when the caller aborts', async () => {
    leader.handle(() => {});
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const e = await caught(collector().collect(QUERY, { signal: ac.signal }));
    expect(e).toBeInstanceOf(TransportError);
    expect(e.code).toBe('ABORTED');
  });

  it('stops while waiting between polls when the caller aborts', async () => {
    leader.handle((_req, res) => {
      res.setHeader('location', '/dap/wait');
      res.setHeader('retry-after', '3600');
      res.end();
    });
    const ac = new AbortController();
    const { sleep } = await import('../src/poll.js');
    // Abort once the job exists and the Collector is about to wait for the next poll.
    const onEvent = (e: CollectorEvent): void => {
      if (e.type === 'pending') ac.abort();
    };
    const e = await caught(collector({ sleep, onEvent }).collect(QUERY, { signal: ac.signal }));
    expect(e).toBeInstanceOf(TransportError);
    expect(e.code).toBe('ABORTED');
    expect(leader.received.map((r) => r.method)).toEqual(['POST']);
  });

  it('gives up polling at the deadline with the job location', async () => {
    leader.handle((_req, res) => {
      res.setHeader('location', '/dap/slow');
      res.setHeader('retry-after', '60');
      res.end();
    });
    let clock = 0;
    const e = await caught(
      collector({
        now: () => clock,
        sleep: async (ms) => {
          clock += ms;
        },
        poll: { deadlineMs: 300_000 },
      }).collect(QUERY),
    );
    expect(e).toBeInstanceOf(PollDeadlineError);
    expect(e.code).toBe('POLL_DEADLINE');
    expect((e as PollDeadlineError).location).toBe(`${leader.url.replace('/dap/', '')}/dap/slow`);
    // A GET every 60 s up to the deadline at 300 s.
    expect(leader.received.filter((r) => r.method === 'GET' && r.url === '/dap/slow')).toHaveLength(
      5,
    );
  });
});

describe('arguments', () => {
  it.each([
    ['a short task ID', { taskId: new Uint8Array(31) }],
    ['an empty token', { authToken: '' }],
    ['a token with a newline', { authToken: 'a\nb' }],
    ['a relative leader URL', { leaderUrl: '/dap' }],
    ['a zero timeout', { requestTimeoutMs: 0 }],
    ['a negative deadline', { poll: { deadlineMs: -1 } }],
    ['a multiplier below 1', { poll: { multiplier: 0.5 } }],
    ['a laplace scale of 0', { noise: { mechanism: 'discrete-laplace', scale: 0 } as const }],
  ])('rejects %s with ParamError', (_name, extra) => {
    expect(() => collector(extra as Partial<CollectorOptions>)).toThrow(ParamError);
  });

  it('rejects a query in the wrong batch mode before sending anything', async () => {
    const e = await caught(collector().collect({ batchMode: 'leader_selected' }));
    expect(e).toBeInstanceOf(ParamError);
    const bad = await caught(
      collector().collect({
        batchMode: 'time_interval',
        batchInterval: { start: 1n, duration: 0n },
      }),
    );
    expect(bad.code).toBe('PARAM');
    expect(leader.received).toHaveLength(0);
  });
});
