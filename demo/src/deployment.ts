// The aggregation service of the demo: a DAP-18 Leader and Helper on loopback HTTP servers, each
// with its own SQLite database in a fresh temporary directory, provisioned with the task that
// W3C Attribution clients derive for the advertiser (dap-18-histogram, Prio3L1BoundSum).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAggregator, type Aggregator, type TaskSpec } from '@private-measurement/aggregator';
import {
  ATTRIBUTION_TASK_INFO,
  attributionTask,
  type AggregationServiceConfig,
  type AttributionTask,
} from '@private-measurement/client';
import {
  BatchMode,
  decodeHpkeConfigList,
  encodeHpkeConfig,
  generateHpkeKeypair,
  type HpkeKeypair,
} from '@private-measurement/protocol';

/** What the deployment is asked to host. */
export interface DeploymentOptions {
  histogramSize: number;
  maxValue: number;
  /** Epsilon of the aggregators' noise (the task's DP parameter). */
  epsilon: number;
  /** The conversion site; it fixes the task (W3C Attribution §7.1.3 steps 7-8). */
  conversionSite: string;
  /** Test only: the aggregators release their shares without noise. */
  unsafeDisableNoiseForTesting?: boolean;
}

/** A running Leader and Helper with the attribution task provisioned. */
export interface Deployment {
  leader: Aggregator;
  helper: Aggregator;
  leaderUrl: string;
  helperUrl: string;
  /** The aggregation service as clients are provisioned with it (HPKE configs included). */
  serviceUrl: string;
  service: AggregationServiceConfig;
  /** The task every conversion report of `conversionSite` belongs to. */
  task: AttributionTask;
  /** The Collector's HPKE key pair and bearer token. */
  collectorKeys: HpkeKeypair;
  collectorToken: string;
  /** The temporary directory holding both databases; removed by `close`. */
  directory: string;
  /** Stops the drivers and servers, closes the databases and removes the directory. */
  close(): Promise<void>;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** A loopback server whose handler is attached once its port, hence its URL, is known. */
async function startServer(): Promise<{ server: Server; url: string; attach(l: Listener): void }> {
  let listener: Listener | undefined;
  const server = createServer((req, res) => {
    if (listener !== undefined) return listener(req, res);
    res.writeHead(503).end();
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', ok);
  });
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/`, attach: (l) => (listener = l) };
}

async function stopServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((ok) => server.close(() => ok()));
}

const token = (): string => randomBytes(32).toString('base64url');
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

/** The aggregator's task specification of an attribution task, for one role. */
function taskSpec(
  task: AttributionTask,
  role: 'leader' | 'helper',
  secrets: { verifyKey: string; peerToken: string; collectorToken: string },
  collectorKeys: HpkeKeypair,
  epsilon: number,
): TaskSpec {
  const config = task.taskConfiguration;
  // The attribution task's batch mode is leader_selected (client codepoint 2).
  if (config.batchMode !== BatchMode.leader_selected) {
    throw new Error(`attribution task: unexpected batch mode ${config.batchMode}`);
  }
  return {
    taskId: b64(task.taskId),
    role,
    leaderEndpoint: config.leaderAggregatorEndpoint,
    helperEndpoint: config.helperAggregatorEndpoint,
    taskInfo: new TextDecoder().decode(ATTRIBUTION_TASK_INFO),
    timePrecision: Number(config.timePrecision),
    minBatchSize: Number(config.minBatchSize),
    batchMode: 'leader_selected',
    // One batch holds every report of the run; the Leader closes it at collection.
    maxBatchSize: 10_000_000,
    taskExtensions: config.extensions.map((e) => ({
      type: e.extensionType,
      data: b64(e.extensionData),
    })),
    reportExtensions: [task.codepoints.privacyBudget],
    vdaf: {
      type: 'Prio3L1BoundSum',
      length: task.vdaf.length,
      maxValue: Number(task.vdaf.maxValue),
      chunkLength: task.vdaf.chunkLength,
    },
    vdafVerifyKey: secrets.verifyKey,
    collectorHpkeConfig: b64(encodeHpkeConfig(collectorKeys.config)),
    aggregatorAuthToken: secrets.peerToken,
    ...(role === 'leader' ? { collectorAuthToken: secrets.collectorToken } : {}),
    dp: { mechanism: 'discrete-laplace', epsilon },
  };
}

/** The encoded HpkeConfig an aggregator publishes (fetched once, at provisioning time). */
async function publishedHpkeConfig(url: string): Promise<Uint8Array> {
  const res = await fetch(new URL('hpke_config', url));
  if (!res.ok) throw new Error(`hpke_config at ${url}: status ${res.status}`);
  const [config] = decodeHpkeConfigList(new Uint8Array(await res.arrayBuffer()));
  if (config === undefined) throw new Error(`hpke_config at ${url}: empty list`);
  return encodeHpkeConfig(config);
}

/**
 * Starts a Leader and a Helper on loopback and provisions the attribution task of
 * `conversionSite`: the same task configuration the clients derive, so that both AADs match.
 *
 * @param o - histogram size, maxValue, epsilon and the conversion site.
 * @returns the deployment; call `close()` when done.
 * @throws when a server cannot listen or an aggregator rejects the task.
 * @example
 * const d = await startDeployment({ histogramSize: 8, maxValue: 4, epsilon: 1,
 *   conversionSite: 'shop.example' });
 * await d.close();
 */
export async function startDeployment(o: DeploymentOptions): Promise<Deployment> {
  const directory = mkdtempSync(join(tmpdir(), 'pm-demo-'));
  const servers: Server[] = [];
  const aggregators: Aggregator[] = [];
  const close = async (): Promise<void> => {
    for (const a of aggregators) await a.close();
    for (const s of servers) await stopServer(s);
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    const leaderHost = await startServer();
    servers.push(leaderHost.server);
    const helperHost = await startServer();
    servers.push(helperHost.server);

    // The service as the clients will know it; the HPKE configs are added once published.
    const serviceUrl = leaderHost.url;
    const bare: AggregationServiceConfig = {
      protocol: 'dap-18-histogram',
      leader: { url: leaderHost.url, operator: 'Demo Leader (loopback)' },
      helper: { url: helperHost.url, operator: 'Demo Helper (loopback)' },
    };
    const task = await attributionTask({
      serviceUrl,
      service: bare,
      histogramSize: o.histogramSize,
      maxValue: o.maxValue,
      topLevelSite: o.conversionSite,
      intermediarySite: undefined,
    });

    const collectorKeys = await generateHpkeKeypair(1);
    const secrets = {
      verifyKey: b64(randomBytes(32)),
      peerToken: token(),
      collectorToken: token(),
    };
    const common = {
      logLevel: 'silent',
      unsafeDisableNoiseForTesting: o.unsafeDisableNoiseForTesting === true,
      drivers: { intervalMs: 25, maxBackoffMs: 500, maxJobSize: 500 },
    };
    const leader = await createAggregator({
      store: `sqlite:${join(directory, 'leader.db')}`,
      tasks: [taskSpec(task, 'leader', secrets, collectorKeys, o.epsilon)],
      ...common,
    });
    aggregators.push(leader);
    const helper = await createAggregator({
      store: `sqlite:${join(directory, 'helper.db')}`,
      tasks: [taskSpec(task, 'helper', secrets, collectorKeys, o.epsilon)],
      ...common,
    });
    aggregators.push(helper);
    leaderHost.attach(leader.listener);
    helperHost.attach(helper.listener);

    // Provisioning: the aggregators' public keys ship with the clients' configuration.
    const service: AggregationServiceConfig = {
      ...bare,
      leader: { ...bare.leader!, hpkeConfig: await publishedHpkeConfig(leaderHost.url) },
      helper: { ...bare.helper!, hpkeConfig: await publishedHpkeConfig(helperHost.url) },
    };
    return {
      leader,
      helper,
      leaderUrl: leaderHost.url,
      helperUrl: helperHost.url,
      serviceUrl,
      service,
      task,
      collectorKeys,
      collectorToken: secrets.collectorToken,
      directory,
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
