// The pm-aggregator command: `serve --config FILE`, `keygen`, task provisioning commands
// (`task add|list|remove --config FILE`), HPKE key rotation (`keys list|rotate`) and one
// garbage-collection pass (`gc`), working directly on the configured store.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { encodeHpkeConfig, generateHpkeKeypair } from '@private-measurement/protocol';
import { createAggregator } from './aggregator.js';
import {
  parseConfig,
  parseHpkeKeyGraceSeconds,
  parseTaskSpec,
  type AggregatorConfig,
} from './config.js';
import { createLogger } from './core/observability.js';
import { taskFromSpec, taskToRecord } from './core/task.js';
import { AggregatorError, ConfigError } from './errors.js';
import { generateAndStoreKey, rotateHpkeKey } from './handlers/hpke-config.js';
import { openDatastore } from './store/open.js';

const USAGE = `usage:
  pm-aggregator serve --config FILE
  pm-aggregator keygen [--id N]                 print a new HPKE key pair (e.g. for a Collector)
  pm-aggregator keygen --config FILE            add a new HPKE key to the aggregator's store
  pm-aggregator task add --config FILE --task TASK.json
  pm-aggregator task list --config FILE
  pm-aggregator task remove --config FILE --id TASK_ID
  pm-aggregator keys list --config FILE         the store's HPKE keys (never private keys)
  pm-aggregator keys rotate --config FILE [--grace SECONDS]
                                                new active key; the others expire and are
                                                deleted after the grace period
  pm-aggregator gc --config FILE                one garbage-collection pass now`;

function loadConfig(path: string | undefined): AggregatorConfig {
  if (path === undefined) throw new ConfigError('--config: expected a file path');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError(`--config: cannot read ${path}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`--config: ${path} is not valid JSON (${(e as Error).message})`);
  }
  return parseConfig(json);
}

async function serve(configPath: string | undefined): Promise<void> {
  const config = loadConfig(configPath);
  const logger = createLogger(config.logLevel);
  const agg = await createAggregator({
    store: config.store,
    tasks: config.tasks,
    pathPrefix: config.pathPrefix,
    adminToken: config.adminToken,
    maxBodyBytes: config.maxBodyBytes,
    clockSkewSeconds: config.clockSkewSeconds,
    drivers: config.drivers,
    logger,
    unsafeDisableNoiseForTesting: config.unsafeDisableNoiseForTesting,
    gc: config.gc,
    backpressure: config.backpressure,
    hpkeKeyGraceSeconds: config.hpkeKeyGraceSeconds,
    aggregationSyncMs: config.aggregationSyncMs,
  });
  const server = createServer(agg.listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.listen.port;
  logger.info({ host: config.listen.host, port, tasks: config.tasks.length }, 'listening');
  if (config.drivers.enabled || config.gc.enabled) agg.start();
  const shutdown = (): void => {
    logger.info('shutting down');
    server.close();
    server.closeIdleConnections();
    void agg.close().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

async function keygen(configPath: string | undefined, id: string | undefined): Promise<void> {
  if (configPath !== undefined) {
    const config = loadConfig(configPath);
    const ds = await openDatastore(config.store);
    try {
      const record = await generateAndStoreKey(ds, Date.now());
      process.stdout.write(
        JSON.stringify({
          configId: record.configId,
          hpkeConfig: Buffer.from(record.config).toString('base64url'),
        }) + '\n',
      );
    } finally {
      await ds.close();
    }
    return;
  }
  const configId = id === undefined ? 0 : Number(id);
  if (!Number.isInteger(configId) || configId < 0 || configId > 255) {
    throw new ConfigError(`--id: expected an integer in [0, 255], received ${id}`);
  }
  const pair = await generateHpkeKeypair(configId);
  process.stdout.write(
    JSON.stringify({
      hpkeConfig: Buffer.from(encodeHpkeConfig(pair.config)).toString('base64url'),
      privateKey: Buffer.from(pair.privateKey).toString('base64url'),
    }) + '\n',
  );
}

async function task(
  action: string | undefined,
  values: { config?: string; task?: string; id?: string },
): Promise<void> {
  const config = loadConfig(values.config);
  const ds = await openDatastore(config.store);
  try {
    if (action === 'add') {
      if (values.task === undefined) throw new ConfigError('--task: expected a task JSON file');
      const spec = parseTaskSpec(JSON.parse(readFileSync(values.task, 'utf8')), 'task');
      const t = taskFromSpec(spec);
      await ds.transaction('put-task', (tx) => tx.putTask(taskToRecord(t)));
      process.stdout.write(`${spec.taskId} ${spec.role}\n`);
    } else if (action === 'list') {
      for (const t of await ds.transaction('list-tasks', (tx) => tx.listTasks())) {
        process.stdout.write(`${Buffer.from(t.taskId).toString('base64url')} ${t.role}\n`);
      }
    } else if (action === 'remove') {
      if (values.id === undefined) throw new ConfigError('--id: expected a task ID');
      const removed = await ds.transaction('delete-task', (tx) =>
        tx.deleteTask(new Uint8Array(Buffer.from(values.id as string, 'base64url'))),
      );
      if (!removed) throw new ConfigError(`--id: no task ${values.id}`);
    } else {
      throw new ConfigError('task: expected add, list or remove');
    }
  } finally {
    await ds.close();
  }
}

async function keys(
  action: string | undefined,
  values: { config?: string; grace?: string },
): Promise<void> {
  const config = loadConfig(values.config);
  if (action !== 'list' && action !== 'rotate') {
    throw new ConfigError('keys: expected list or rotate');
  }
  let grace = config.hpkeKeyGraceSeconds;
  if (values.grace !== undefined) {
    const n = /^\d+$/.test(values.grace) ? Number(values.grace) : Number.NaN;
    grace = parseHpkeKeyGraceSeconds(Number.isNaN(n) ? values.grace : n, '--grace');
  }
  const ds = await openDatastore(config.store);
  try {
    if (action === 'rotate') {
      const r = await rotateHpkeKey(ds, Date.now(), grace);
      process.stdout.write(
        JSON.stringify({
          configId: r.created.configId,
          hpkeConfig: Buffer.from(r.created.config).toString('base64url'),
          retired: r.retired,
          deleteAfter: new Date(r.deleteAfter).toISOString(),
        }) + '\n',
      );
      return;
    }
    for (const k of await ds.transaction('list-keys', (tx) => tx.listHpkeKeys())) {
      const deleteAfter =
        k.deleteAfter === null || k.deleteAfter === undefined
          ? '-'
          : new Date(k.deleteAfter).toISOString();
      process.stdout.write(
        `${k.configId} ${k.state} ${new Date(k.createdAt).toISOString()} ${deleteAfter}\n`,
      );
    }
  } finally {
    await ds.close();
  }
}

async function gc(configPath: string | undefined): Promise<void> {
  const config = loadConfig(configPath);
  const agg = await createAggregator({
    store: config.store,
    gc: config.gc,
    hpkeKeyGraceSeconds: config.hpkeKeyGraceSeconds,
    logger: createLogger(config.logLevel),
  });
  try {
    const result = await agg.collectGarbage();
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    await agg.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      task: { type: 'string' },
      id: { type: 'string' },
      grace: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const [command, action] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  if (command === 'serve') return serve(values.config);
  if (command === 'keygen') return keygen(values.config, values.id);
  if (command === 'task') return task(action, values);
  if (command === 'keys') return keys(action, values);
  if (command === 'gc') return gc(values.config);
  throw new ConfigError(`command: expected serve, keygen, task, keys or gc, received ${command}`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (
    e instanceof AggregatorError ||
    (e as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
  ) {
    process.stderr.write(`pm-aggregator: ${(e as Error).message}\n`);
  } else {
    process.stderr.write(`pm-aggregator: unexpected failure: ${(e as Error).message}\n`);
  }
  process.exit(1);
});
