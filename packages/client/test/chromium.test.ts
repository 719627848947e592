// The browser bundle in a real browser: Debian's headless Chromium, driven by playwright-core,
// loads the ES module bundle (WASM included) from a page on loopback; the page saves impressions,
// measures a conversion with the IndexedDB store and uploads the encrypted report to a local
// DAP-18 Leader, which accepts it only after opening both input shares and verifying the
// Prio3L1BoundSum proof. Chromium that cannot be launched fails these tests; they never skip.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import {
  Prio3L1BoundSum,
  ReportError as DapReportError,
  base64UrlEncode,
  encodeHpkeConfig,
  encodeReport,
  generateHpkeKeypair,
  sealReport,
  timeFromSeconds,
  vdafContext,
  type HpkeKeypair,
} from '@private-measurement/protocol';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { browserBundleOptions } from '../scripts/browser-bundle-options.mjs';
import {
  attributionTask,
  privacyBudgetExtension,
  uploadReports,
  type AggregationServiceConfig,
} from '../src/index.js';
import { LocalLeader } from './support/local-leader.js';

/** Debian's Chromium (`apt-get install chromium`), as CI installs it. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** The budget for the bundle, WASM included, gzipped. */
const MAX_GZIPPED_BYTES = 150_000;
const HELPER_URL = 'https://helper.example/';

// The page loads the bundle and offers one helper to the test: the aggregation service
// rebuilt from pageArgs(), since page functions receive plain JSON.
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>attribution bundle</title>
<script type="module">
  import * as pm from '/attribution.js';
  window.pm = pm;
  window.serviceFrom = (args) => ({
    protocol: 'dap-18-histogram',
    leader: { url: args.leaderUrl, hpkeConfig: Uint8Array.from(args.leaderHpkeConfig) },
    helper: { url: '${HELPER_URL}', hpkeConfig: Uint8Array.from(args.helperHpkeConfig) },
  });
  window.pmLoaded = true;
</script>`;

/** What the page's window holds. */
interface PageWindow {
  // The bundle's exports, untyped on the page side.
  pm: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  serviceFrom(args: unknown): unknown;
}

let bundle: Uint8Array;
let server: Server;
let origin: string;
let leader: LocalLeader;
let leaderKeys: HpkeKeypair;
let helperKeys: HpkeKeypair;
let browser: Browser | undefined;
let pagePromise: Promise<Page> | undefined;

/** The aggregation service as the client is provisioned with it. */
function serviceConfig(): AggregationServiceConfig {
  return {
    protocol: 'dap-18-histogram',
    leader: {
      url: `${origin}/dap/`,
      operator: 'Test Leader',
      hpkeConfig: encodeHpkeConfig(leaderKeys.config),
    },
    helper: {
      url: HELPER_URL,
      operator: 'Test Helper',
      hpkeConfig: encodeHpkeConfig(helperKeys.config),
    },
  };
}

/** What page functions receive: the service with its HPKE configs as plain arrays. */
function pageArgs() {
  const service = serviceConfig();
  return {
    serviceUrl: `${origin}/dap/`,
    leaderUrl: service.leader!.url,
    leaderHpkeConfig: Array.from(service.leader!.hpkeConfig!),
    helperHpkeConfig: Array.from(service.helper!.hpkeConfig!),
  };
}

/** Page-side: rebuild the aggregation service from pageArgs(). */
type PageArgs = ReturnType<typeof pageArgs>;

/** Provision the task of a conversion on the local Leader and return it. */
async function provision(histogramSize: number, maxValue: number, topLevelSite: string) {
  const task = await attributionTask({
    serviceUrl: `${origin}/dap/`,
    service: serviceConfig(),
    histogramSize,
    maxValue,
    topLevelSite,
    intermediarySite: undefined,
  });
  leader.provision(task);
  return task;
}

beforeAll(async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'pm-chromium-')), 'attribution.js');
  await build(browserBundleOptions(out));
  bundle = readFileSync(out);

  leaderKeys = await generateHpkeKeypair(7);
  helperKeys = await generateHpkeKeypair(8);
  leader = new LocalLeader(leaderKeys, helperKeys, '/dap/');
  server = createServer((req, res) => {
    void (async () => {
      if (await leader.handle(req, res)) return;
      if (req.url === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
      } else if (req.url === '/attribution.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
      } else {
        res.writeHead(404).end();
      }
    })().catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no server address');
  origin = `http://127.0.0.1:${address.port}`;
}, 60_000);

/**
 * The page with the bundle loaded in Chromium, launched on first use. Every test awaits it, so
 * a Chromium that cannot be launched fails each test (a failing beforeAll would only skip them).
 */
function loadedPage(): Promise<Page> {
  pagePromise ??= (async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => (window as unknown as { pmLoaded?: boolean }).pmLoaded, null, {
      timeout: 20_000,
    });
    if (pageErrors.length > 0) throw new Error(`page errors: ${pageErrors.join('; ')}`);
    return page;
  })();
  return pagePromise;
}

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

describe('browser bundle in headless Chromium', () => {
  it('is at most 150 KB gzipped, WASM included', () => {
    const text = new TextDecoder().decode(bundle);
    // The three kernel modules travel inside the bundle as base64 ("\0asm" is "AGFzbQ").
    expect(text.match(/AGFzbQ/g)?.length).toBeGreaterThanOrEqual(2);
    expect(gzipSync(bundle, { level: 9 }).length).toBeLessThanOrEqual(MAX_GZIPPED_BYTES);
  });

  it('saves impressions, measures a conversion on IndexedDB, and the Leader accepts the report', async () => {
    const task = await provision(8, 8, 'shop.example');
    const page = await loadedPage();
    const result = await page.evaluate(async (args: PageArgs) => {
      const { pm, serviceFrom } = window as unknown as PageWindow;
      const service = serviceFrom(args);
      const config = { aggregationServices: { [args.serviceUrl]: service } };
      const open = () =>
        pm.AttributionClient.open({
          config,
          store: new pm.IndexedDbStore({ name: 'pm-chromium-test' }),
          encoder: new pm.DapReportEncoder(),
        });

      // Two publishers save impressions for the advertiser; a third saves an unrelated one.
      const client = await open();
      await client.saveImpression(
        { topLevelSite: 'news.example' },
        { histogramIndex: 3, matchValue: 2, conversionSites: ['shop.example'] },
      );
      await client.saveImpression(
        { topLevelSite: 'blog.example', intermediarySite: 'adtech.example' },
        { histogramIndex: 5, matchValue: 2, conversionSites: ['shop.example'], priority: 1 },
      );
      await client.saveImpression(
        { topLevelSite: 'other.example' },
        { histogramIndex: 1, matchValue: 9 },
      );
      await client.close();

      // The advertiser measures a conversion on a client reopened from IndexedDB: the higher
      // priority impression gets 3 of the value 4, the other 1.
      const reopened = await open();
      const { report } = await reopened.measureConversion(
        { topLevelSite: 'shop.example' },
        {
          aggregationService: args.serviceUrl,
          histogramSize: 8,
          epsilon: 0.5,
          matchValues: [2],
          credit: [3, 1],
          value: 4,
          maxValue: 8,
        },
      );
      await reopened.close();

      // The ledger, read back from IndexedDB, records the report and the budget it spent.
      const ledger = await (await open()).ledger();
      const task = await pm.attributionTask({
        serviceUrl: args.serviceUrl,
        service,
        histogramSize: 8,
        maxValue: 8,
        topLevelSite: 'shop.example',
        intermediarySite: undefined,
      });
      const rejected = await pm.uploadReports(args.leaderUrl, task.taskId, [report]);
      return {
        rejected: rejected.length,
        reportBytes: report.length,
        taskId: Array.from(task.taskId as Uint8Array),
        ledger: ledger.entries.map((e: Record<string, unknown>) => ({
          outcome: e.outcome,
          charges: e.charges,
          reportBytes: e.reportBytes,
        })),
        indexedDb: typeof indexedDB,
      };
    }, pageArgs());

    expect(result.indexedDb).toBe('object');
    expect(result.rejected).toBe(0);
    expect(result.taskId).toEqual(Array.from(task.taskId));
    // The 30-day lookback spans several 7-day epochs: the epoch with impressions is charged
    // 2 * value / (2 * maxValue / epsilon) = 2 * 4 * 0.5 / 16 = 0.25 epsilon.
    expect(result.ledger).toEqual([
      {
        outcome: 'attributed',
        charges: [{ epoch: expect.any(Number), microEpsilon: 250_000 }],
        reportBytes: result.reportBytes,
      },
    ]);
    expect(leader.collect(task.taskId)).toEqual({
      count: 1,
      sum: [0n, 0n, 0n, 1n, 0n, 3n, 0n, 0n],
    });
  }, 60_000);

  it('runs the WASM kernels: a report sharded on the WASM backend is accepted too', async () => {
    const task = await provision(4, 2, 'store.example');
    const page = await loadedPage();
    const rejected = await page.evaluate(async (args: PageArgs) => {
      const { pm, serviceFrom } = window as unknown as PageWindow;
      const service = serviceFrom(args);
      // No impressions: the report is all zeros, and still a full report.
      const client = await pm.AttributionClient.open({
        config: { aggregationServices: { [args.serviceUrl]: service } },
        encoder: new pm.DapReportEncoder({ prio3: { backend: 'wasm' } }),
      });
      const { report } = await client.measureConversion(
        { topLevelSite: 'store.example' },
        { aggregationService: args.serviceUrl, histogramSize: 4, maxValue: 2 },
      );
      const task = await pm.attributionTask({
        serviceUrl: args.serviceUrl,
        service,
        histogramSize: 4,
        maxValue: 2,
        topLevelSite: 'store.example',
        intermediarySite: undefined,
      });
      return (await pm.uploadReports(args.leaderUrl, task.taskId, [report])).length;
    }, pageArgs());
    expect(rejected).toBe(0);
    expect(leader.collect(task.taskId)).toEqual({ count: 1, sum: [0n, 0n, 0n, 0n] });
  }, 60_000);

  it('the Leader refuses a tampered report and a malformed upload', async () => {
    const task = await provision(2, 1, 'tamper.example');
    const reportsUrl = `${origin}/dap/tasks/${base64UrlEncode(task.taskId)}/reports`;
    const aborts = leader.log.aborts.length;
    const page = await loadedPage();
    const result = await page.evaluate(
      async ({ args, reportsUrl }: { args: PageArgs; reportsUrl: string }) => {
        const { pm, serviceFrom } = window as unknown as PageWindow;
        const service = serviceFrom(args);
        const client = await pm.AttributionClient.open({
          config: { aggregationServices: { [args.serviceUrl]: service } },
          encoder: new pm.DapReportEncoder(),
        });
        const task = await pm.attributionTask({
          serviceUrl: args.serviceUrl,
          service,
          histogramSize: 2,
          maxValue: 1,
          topLevelSite: 'tamper.example',
          intermediarySite: undefined,
        });
        const { report } = await client.measureConversion(
          { topLevelSite: 'tamper.example' },
          { aggregationService: args.serviceUrl, histogramSize: 2 },
        );
        // One flipped bit in the last byte: the Helper's ciphertext no longer opens.
        const tampered = report.slice();
        tampered[tampered.length - 1] ^= 1;
        const rejected = await pm.uploadReports(args.leaderUrl, task.taskId, [tampered]);
        // A truncated body is not an UploadRequest.
        const response = await fetch(reportsUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/ppm-dap;message=upload-req' },
          body: report.slice(0, 40),
        });
        return {
          errors: rejected.map((r: { error: number }) => r.error),
          status: response.status,
          problem: (await response.json()).type,
        };
      },
      { args: pageArgs(), reportsUrl },
    );
    expect(result.errors).toEqual([DapReportError.hpke_decrypt_error]);
    expect(result.status).toBe(400);
    expect(result.problem).toBe('urn:ietf:params:ppm:dap:error:invalidMessage');
    expect(leader.log.aborts.length).toBe(aborts + 1);
    expect(leader.collect(task.taskId).count).toBe(0);
  }, 60_000);
});

describe('the local Leader', () => {
  it('refuses a report whose shares do not verify (the accept check can fail)', async () => {
    const task = await provision(4, 3, 'verify.example');
    const { length, maxValue, chunkLength } = task.vdaf;
    const vdaf = new Prio3L1BoundSum(2, length, maxValue, chunkLength, { backend: 'ts' });
    const reportId = new Uint8Array(16).fill(3);
    const rand = new Uint8Array(vdaf.randSize).fill(4);
    const shares = vdaf.shard(vdafContext(task.taskId), [1, 0, 2, 0], reportId, rand);
    const leaderShare = vdaf.encodeInputShare(shares.inputShares[0]!);
    // Change the low bit of the first measurement element of the Leader's share.
    leaderShare[0] ^= 1;
    const report = await sealReport({
      taskId: task.taskId,
      taskConfiguration: task.taskConfiguration,
      leaderHpkeConfig: leaderKeys.config,
      helperHpkeConfig: helperKeys.config,
      reportId,
      time: timeFromSeconds(Math.floor(Date.now() / 1000), task.taskConfiguration.timePrecision),
      publicExtensions: [
        { extensionType: task.codepoints.privacyBudget, extensionData: privacyBudgetExtension(1) },
      ],
      publicShare: vdaf.encodePublicShare(shares.publicShare),
      leaderInputShare: leaderShare,
      helperInputShare: vdaf.encodeInputShare(shares.inputShares[1]!),
    });
    const rejected = await uploadReports(`${origin}/dap/`, task.taskId, [encodeReport(report)]);
    expect(rejected.map((r) => r.error)).toEqual([DapReportError.vdaf_verify_error]);
    expect(leader.collect(task.taskId).count).toBe(0);
  });
});
