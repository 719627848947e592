// A real aggregator process for the kill tests: runs the built package (dist/) with the options
// in the JSON file named by argv[2], listens on loopback and prints one `listening` line.
/* global process, fetch, Headers, setInterval */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import pino from 'pino';
import { createAggregator } from '../../dist/index.js';

/**
 * The options file: `{ name, store, tasks, drivers, port, aggregationSyncMs }`. `name` is sent to the peer in the
 * `x-pm-test-sender` header so that a test proxy can tell which process made a request.
 */
const options = JSON.parse(readFileSync(process.argv[2], 'utf8'));

const logger = pino(
  { level: options.logLevel ?? 'warn', base: { proc: options.name } },
  pino.destination(2),
);

/** The peer fetch, naming this process in a header the aggregators ignore. */
const namedFetch = (input, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set('x-pm-test-sender', options.name);
  return fetch(input, { ...init, headers });
};

const agg = await createAggregator({
  store: options.store,
  tasks: options.tasks,
  drivers: options.drivers,
  logger,
  fetch: namedFetch,
  unsafeDisableNoiseForTesting: true,
  ...(options.aggregationSyncMs === undefined
    ? {}
    : { aggregationSyncMs: options.aggregationSyncMs }),
});
const server = createServer(agg.listener);
// Test peers open many short connections; keep them from piling up on a killed peer.
server.keepAliveTimeout = 1000;
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(options.port ?? 0, '127.0.0.1', resolve);
});
if (options.drivers?.enabled !== false) agg.start();
process.stdout.write(JSON.stringify({ event: 'listening', port: server.address().port }) + '\n');

// A test worker that dies without killing its children must not leave them running.
const parent = process.ppid;
setInterval(() => {
  try {
    process.kill(parent, 0);
  } catch {
    process.exit(1);
  }
}, 1000).unref();

const shutdown = () => {
  server.close();
  server.closeAllConnections();
  void agg.close().then(() => process.exit(0));
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
