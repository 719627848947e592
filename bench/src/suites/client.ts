// Benchmark suite "client": AttributionClient.measureConversion end to end (validation,
// matching, budget deduction, Prio3L1BoundSum sharding, HPKE sealing of both shares, commit to
// a memory store), on the WASM and pure-TS backends, plus saveImpression and the
// attribution-only path with the cleartext encoder, and the browser bundle's gzipped size.
// Targets: histogramSize 32 in <= 2 ms; the bundle, WASM included, <= 150 KB gzipped.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { encodeHpkeConfig, generateHpkeKeypair } from '@private-measurement/protocol';
import {
  AttributionClient,
  ClearTextReportEncoder,
  DapReportEncoder,
  MemoryStore,
  type ReportEncoder,
} from '@private-measurement/client';
import { getBackend, type BackendKind } from '@private-measurement/core-wasm';
import type { BenchCase, Suite, SuiteOptions } from '../suite.js';

const GROUP = 'client';
const SERVICE = 'https://leader.example/dap';
const DEFAULT_SIZES = [32, 256];
const QUICK_SIZES = [32];
/** Impressions in the store, all matching, so attribution walks and sorts all of them. */
const STORED_IMPRESSIONS = 100;
/** Budgets large enough that no run exhausts them (epsilon 0.001 costs 500 micro-epsilon). */
const BIG_BUDGET = 4_294_967_295;

async function service() {
  const leader = await generateHpkeKeypair(1);
  const helper = await generateHpkeKeypair(2);
  return {
    protocol: 'dap-18-histogram' as const,
    leader: { url: SERVICE, hpkeConfig: encodeHpkeConfig(leader.config) },
    helper: { url: 'https://helper.example/', hpkeConfig: encodeHpkeConfig(helper.config) },
  };
}

async function openClient(encoder: ReportEncoder, size: number) {
  const clock = { now: 1_800_000_000_000 };
  const client = await AttributionClient.open({
    config: {
      aggregationServices: { [SERVICE]: await service() },
      maxHistogramSize: Math.max(size, 256),
      perSitePrivacyBudget: BIG_BUDGET,
      globalPrivacyBudgetPerEpoch: BIG_BUDGET,
      impressionSiteQuotaPerEpoch: BIG_BUDGET,
    },
    store: new MemoryStore(),
    encoder,
    now: () => clock.now,
  });
  for (let i = 0; i < STORED_IMPRESSIONS; i++) {
    await client.saveImpression(
      { topLevelSite: `pub${i % 10}.example` },
      { histogramIndex: i % size, priority: i % 3 },
    );
    clock.now += 1000;
  }
  await client.flush();
  return { client, clock };
}

function measureOptions(size: number) {
  return {
    aggregationService: SERVICE,
    histogramSize: size,
    epsilon: 0.001,
    credit: [0.5, 0.25, 0.25],
    value: 3,
    maxValue: 3,
    lookbackDays: 7,
  };
}

/** The client's shared esbuild options of the browser bundle, found from this module up. */
const BUNDLE_OPTIONS = join('packages', 'client', 'scripts', 'browser-bundle-options.mjs');

/** The repository root: the first directory above this module that holds the client package. */
function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, BUNDLE_OPTIONS))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`client suite: ${BUNDLE_OPTIONS} not found above the bench`);
    dir = up;
  }
  return dir;
}

let bundleBytes: Promise<Uint8Array> | undefined;

/**
 * The browser bundle exactly as packages/client/scripts/bundle.mjs builds it (same esbuild
 * options: ES module, protocol and kernels inlined from source, WASM as base64, minified), built
 * in memory from the current sources so a stale dist/ cannot give the figure. Once per process.
 */
function browserBundle(): Promise<Uint8Array> {
  bundleBytes ??= (async () => {
    const root = repositoryRoot();
    const { browserBundleOptions } = (await import(
      pathToFileURL(join(root, BUNDLE_OPTIONS)).href
    )) as { browserBundleOptions: (outfile: string) => Record<string, unknown> };
    const esbuild = await import('esbuild');
    const result = await esbuild.build({
      ...browserBundleOptions('dist/browser/attribution.js'),
      write: false,
      sourcemap: false,
      metafile: false,
    });
    const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
    if (js === undefined) throw new Error('client suite: esbuild wrote no browser bundle');
    return js.contents;
  })();
  return bundleBytes;
}

/**
 * The gzipped size of the browser bundle (level 9, as packages/client/scripts/bundle.mjs
 * reports it) as the `bytes` of a case that times the compression itself.
 */
async function bundleCase(): Promise<BenchCase> {
  const bundle = await browserBundle();
  const gzipped = gzipSync(bundle, { level: 9 }).length;
  return {
    name: 'browser bundle gzip -9 (WASM included)',
    group: GROUP,
    backend: 'ts',
    params: { rawBytes: bundle.length, gzipBytes: gzipped },
    unitsPerOp: bundle.length,
    unit: 'byte',
    bytes: gzipped,
    fn: () => gzipSync(bundle, { level: 9 }),
  };
}

function available(kind: BackendKind): boolean {
  try {
    getBackend(kind);
    return true;
  } catch (e) {
    console.error(`client suite: backend ${kind} unavailable: ${(e as Error).message}`);
    return false;
  }
}

async function measureCase(
  name: string,
  backend: BenchCase['backend'],
  encoder: ReportEncoder,
  size: number,
): Promise<BenchCase> {
  const { client, clock } = await openClient(encoder, size);
  const options = measureOptions(size);
  const caller = { topLevelSite: 'shop.example' };
  const sample = await client.measureConversion(caller, options);
  return {
    name,
    group: GROUP,
    backend,
    params: { histogramSize: size, impressions: STORED_IMPRESSIONS },
    unitsPerOp: 1,
    unit: 'report',
    bytes: sample.report.length,
    async: true,
    fn: async () => {
      clock.now += 1;
      await client.measureConversion(caller, options);
    },
  };
}

const suite: Suite = {
  name: 'client',
  description:
    'AttributionClient: measureConversion end to end (dap-18-histogram), saveImpression, and the browser bundle size gzipped',
  async cases(options: SuiteOptions): Promise<BenchCase[]> {
    const sizes = options.sizes ?? (options.quick ? QUICK_SIZES : DEFAULT_SIZES);
    const out: BenchCase[] = [];
    for (const size of sizes) {
      for (const kind of ['wasm', 'ts'] as BackendKind[]) {
        if (!available(kind)) continue;
        const encoder = new DapReportEncoder({ prio3: { backend: kind } });
        out.push(await measureCase('measureConversion dap-18-histogram', kind, encoder, size));
      }
      out.push(
        await measureCase(
          'measureConversion attribution only',
          'ts',
          new ClearTextReportEncoder(),
          size,
        ),
      );
    }

    const { client, clock } = await openClient(new ClearTextReportEncoder(), 32);
    out.push({
      name: 'saveImpression',
      group: GROUP,
      backend: 'ts',
      params: { impressions: STORED_IMPRESSIONS },
      unitsPerOp: 1,
      unit: 'impression',
      async: true,
      // A day per save: each save drops the previous, expired impression, so the store stays
      // small and the figure is the steady-state cost of a save.
      fn: async () => {
        clock.now += 86_400_001;
        await client.saveImpression(
          { topLevelSite: 'pub.example' },
          { histogramIndex: 1, lifetimeDays: 1 },
        );
        await client.flush();
      },
    });
    out.push(await bundleCase());
    return out;
  },
};

export default suite;
