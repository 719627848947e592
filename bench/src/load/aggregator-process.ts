// One aggregator process of the load run (bundled as dist/load/aggregator-process.js): listens
// on a loopback port, tells the parent its URL over IPC, then builds the aggregator with
// `createAggregator` when configured and runs its drivers when asked.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createAggregator,
  openDatastore,
  type Aggregator,
  type Datastore,
} from '@private-measurement/aggregator';
import { decodeHpkeConfig } from '@private-measurement/protocol';
import pino from 'pino';
import type { ChildAnswer, ChildRequest, ChildStatus, ListeningMessage } from './messages.js';

let agg: Aggregator | undefined;
let ds: Datastore | undefined;

/** The port to listen on: the first argument, 0 (any free port) when absent. */
const port = Number(process.argv[2] ?? '0');

// Until configured, every request is refused as an overloaded server would refuse it.
const server = createServer((req, res) => {
  if (agg !== undefined) agg.listener(req, res);
  else res.writeHead(503, { 'retry-after': '1' }).end();
});

// Warnings and errors go to stderr, which the parent keeps the end of for its error messages.
const logger = pino({ level: 'warn' }, pino.destination(2));

/**
 * Opens the store, installs the given HPKE key and creates the aggregator; on any failure the
 * store is closed again, so that a failed configure leaves nothing open.
 */
async function configure(
  m: Extract<ChildRequest, { type: 'configure' }>,
): Promise<{ agg: Aggregator; ds: Datastore }> {
  const store = await openDatastore(m.store);
  try {
    if (m.hpkeKey !== undefined) {
      const config = new Uint8Array(Buffer.from(m.hpkeKey.config, 'base64url'));
      const privateKey = new Uint8Array(Buffer.from(m.hpkeKey.privateKey, 'base64url'));
      const configId = decodeHpkeConfig(config).id;
      await store.transaction('load-key', (tx) =>
        tx.putHpkeKey({ configId, config, privateKey, state: 'active', createdAt: Date.now() }),
      );
    }
    const created = await createAggregator({
      store,
      tasks: [m.task],
      logger,
      drivers: m.drivers,
      ...(m.backpressure !== undefined ? { backpressure: m.backpressure } : {}),
      // The load run checks the collected sum exactly, so the aggregate shares carry no noise.
      unsafeDisableNoiseForTesting: true,
    });
    return { agg: created, ds: store };
  } catch (e) {
    await store.close().catch(() => undefined);
    throw e;
  }
}

async function handle(m: ChildRequest): Promise<unknown> {
  switch (m.type) {
    case 'configure':
      if (agg !== undefined) throw new Error('configure: expected one call, received a second');
      ({ agg, ds } = await configure(m));
      return undefined;
    case 'start':
      if (agg === undefined) throw new Error('start: expected configure first');
      agg.start();
      return undefined;
    case 'status': {
      if (agg === undefined) throw new Error('status: expected configure first');
      const taskId = new Uint8Array(Buffer.from(m.taskId, 'base64url'));
      const buckets = await agg.datastore.transaction('load-status', (tx) =>
        tx.summarizeBuckets(taskId),
      );
      const status: ChildStatus = { aggregated: buckets.reduce((n, b) => n + b.count, 0) };
      return status;
    }
    case 'rss':
      return process.memoryUsage.rss();
    case 'stop':
      await agg?.close();
      await ds?.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      return undefined;
    default:
      throw new Error(
        `request: expected configure, start, status, rss or stop, received ${JSON.stringify((m as { type?: unknown }).type)?.slice(0, 40)}`,
      );
  }
}

process.on('message', (m: ChildRequest) => {
  void handle(m).then(
    (value) => {
      const answer: ChildAnswer = { id: m.id, ok: true, value };
      process.send?.(answer, () => {
        if (m.type === 'stop') process.disconnect();
      });
    },
    (e: unknown) => {
      const answer: ChildAnswer = { id: m.id, ok: false, error: (e as Error).message };
      process.send?.(answer);
    },
  );
});

// The parent going away ends the process too: no aggregator outlives its load run.
process.on('disconnect', () => {
  void (agg?.close() ?? Promise.resolve()).then(() => ds?.close()).finally(() => process.exit(0));
});

server.listen(port, '127.0.0.1', () => {
  const bound = (server.address() as AddressInfo).port;
  const hello: ListeningMessage = { type: 'listening', url: `http://127.0.0.1:${bound}/` };
  process.send?.(hello);
});
