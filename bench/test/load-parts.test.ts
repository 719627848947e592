// Tests of the pieces of the load run that need no aggregator: the upload client's handling of
// 503 and Retry-After (against a loopback server that misbehaves on purpose), the RSS summary,
// the options, the tables and report, the opt-in suite selection and the load-suite runner.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeUploadErrors, ReportError } from '@private-measurement/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_MS,
  MAX_RETRY_AFTER_MS,
  retryAfterMs,
  TRANSPORT_RETRY_MS,
  uploadReports,
} from '../src/aggregator/upload.js';
import { summarizeRss, type LoadFigure } from '../src/load-figure.js';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeReport, generateHpkeKeypair } from '@private-measurement/protocol';
import { HISTOGRAM_16, makeBenchTask } from '../src/aggregator/deployment.js';
import { generateReports, ReportReader } from '../src/load/report-file.js';
import { procCpuSeconds } from '../src/load/rss.js';
import { runLoadSuites, throttledProgress } from '../src/load-run.js';
import { linearTicks, loadChartSlug, renderRssChart } from '../src/load-svg.js';
import { loadMemoryCells, loadPhaseCells } from '../src/load-table.js';
import { BenchError, parseOptions } from '../src/options.js';
import { selectSuites } from '../src/registry.js';
import { renderMarkdown } from '../src/report.js';
import type { Suite } from '../src/suite.js';
import loadSuite, { loadStores } from '../src/suites/load.js';
import { renderTables } from '../src/table.js';
import { run } from './fixtures.js';

describe('retryAfterMs', () => {
  const now = Date.parse('2026-12-04T05:00:00Z');

  it('reads delay-seconds and HTTP dates, capped and never negative', () => {
    expect(retryAfterMs('0', now)).toBe(0);
    expect(retryAfterMs(' 3 ', now)).toBe(3000);
    expect(retryAfterMs('Fri, 04 Dec 2026 05:00:02 GMT', now)).toBe(2000);
    expect(retryAfterMs('Fri, 04 Dec 2026 04:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('99999999', now)).toBe(MAX_RETRY_AFTER_MS);
  });

  it('falls back to the default for a missing or unreadable header', () => {
    for (const v of [null, '', '-1', '1.5', 'soon', '1e3', '0x10']) {
      expect(retryAfterMs(v, now)).toBe(DEFAULT_RETRY_MS);
    }
  });
});

describe('uploadReports against a misbehaving Leader', () => {
  let server: Server;
  let url: string;
  /** What the server answers next, in order; the last one repeats. */
  let script: Array<{
    status: number;
    headers?: Record<string, string>;
    body?: Uint8Array;
    /** Read the request, then drop the connection without answering. */
    drop?: boolean;
  }> = [];
  const seen: Array<{ path: string; type: string | undefined; bytes: number }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({
          path: req.url ?? '',
          type: req.headers['content-type'],
          bytes: Buffer.concat(chunks).length,
        });
        const a = script.length > 1 ? script.shift()! : script[0];
        if (a.drop === true) return void req.socket.destroy();
        res
          .writeHead(a.status, a.headers)
          .end(a.body === undefined ? undefined : Buffer.from(a.body));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const body = new Uint8Array([1, 2, 3, 4, 5]);
  const waits: number[] = [];
  const sleep = (ms: number): Promise<void> => {
    waits.push(ms);
    return Promise.resolve();
  };

  it('retries the same bytes after each 503 for as long as Retry-After says', async () => {
    script = [{ status: 503, headers: { 'retry-after': '2' } }, { status: 503 }, { status: 200 }];
    seen.length = 0;
    waits.length = 0;
    const outcome = await uploadReports(url, 'dGFzaw', body, { sleep });
    expect(outcome).toEqual({ retries: 2, waitedMs: 2000 + DEFAULT_RETRY_MS });
    expect(waits).toEqual([2000, DEFAULT_RETRY_MS]);
    expect(seen).toHaveLength(3);
    for (const s of seen) {
      expect(s).toEqual({
        path: '/tasks/dGFzaw/reports',
        type: 'application/ppm-dap;message=upload-req',
        bytes: 5,
      });
    }
  });

  it('gives up after the retry limit', async () => {
    script = [{ status: 503, headers: { 'retry-after': '0' } }];
    await expect(uploadReports(url, 't', body, { sleep, maxRetries: 3 })).rejects.toThrow(
      'upload: expected the leader to accept within 3 retries',
    );
  });

  it('fails on any other status, and on rejected reports, naming the first error', async () => {
    script = [{ status: 400, body: new TextEncoder().encode('{"type":"x"}') }];
    await expect(uploadReports(url, 't', body, { sleep })).rejects.toThrow(
      'upload: expected status 200 or 503, received 400',
    );
    const errors = encodeUploadErrors([
      { id: new Uint8Array(16), error: ReportError.report_replayed },
      { id: new Uint8Array(16).fill(1), error: ReportError.hpke_decrypt_error },
    ]);
    script = [{ status: 200, body: errors }];
    await expect(uploadReports(url, 't', body, { sleep })).rejects.toThrow(
      'upload: expected every report accepted, received 2 rejected (first: report_replayed)',
    );
  });

  it('re-sends after a dropped connection; report_replayed then means stored', async () => {
    const replayed = encodeUploadErrors([
      { id: new Uint8Array(16), error: ReportError.report_replayed },
    ]);
    script = [
      { status: 0, drop: true },
      { status: 0, drop: true },
      { status: 200, body: replayed },
    ];
    seen.length = 0;
    waits.length = 0;
    const outcome = await uploadReports(url, 'dGFzaw', body, { sleep });
    expect(outcome).toEqual({ retries: 0, waitedMs: 0, transportRetries: 2 });
    expect(seen).toHaveLength(3);
    expect(waits).toEqual([TRANSPORT_RETRY_MS, 2 * TRANSPORT_RETRY_MS]);
  });

  it('refuses report_replayed when no attempt was lost, and other errors after one', async () => {
    const replayed = encodeUploadErrors([
      { id: new Uint8Array(16), error: ReportError.report_replayed },
    ]);
    script = [{ status: 200, body: replayed }];
    await expect(uploadReports(url, 't', body, { sleep })).rejects.toThrow(
      'received 1 rejected (first: report_replayed)',
    );
    const decryptError = encodeUploadErrors([
      { id: new Uint8Array(16), error: ReportError.report_replayed },
      { id: new Uint8Array(16).fill(2), error: ReportError.hpke_decrypt_error },
    ]);
    script = [
      { status: 0, drop: true },
      { status: 200, body: decryptError },
    ];
    await expect(uploadReports(url, 't', body, { sleep })).rejects.toThrow(
      'received 1 rejected (first: hpke_decrypt_error)',
    );
  });

  it('gives up after the transport retry limit, naming the cause', async () => {
    script = [{ status: 0, drop: true }];
    seen.length = 0;
    await expect(uploadReports(url, 't', body, { sleep, maxTransportRetries: 2 })).rejects.toThrow(
      /^upload: connection failed 3 times \(.+\)$/,
    );
    expect(seen).toHaveLength(3);
  });

  it('fails with a decode error on an UploadErrors body that is garbage', async () => {
    script = [{ status: 200, body: new Uint8Array([0xff, 0xff, 0xff]) }];
    await expect(uploadReports(url, 't', body, { sleep })).rejects.toMatchObject({
      code: 'DECODE',
    });
  });
});

describe('summarizeRss', () => {
  const samples: Array<[number, number]> = Array.from({ length: 101 }, (_, i) => [
    i,
    100e6 + i * 1e6,
  ]);

  it('takes the levels at 10%, 50% and 90% of the window and the peak', () => {
    const m = summarizeRss('leader 1', samples, [0, 100]);
    expect(m).toMatchObject({
      role: 'leader 1',
      samples: 101,
      rssAt10: 110e6,
      rssAt50: 150e6,
      rssAt90: 190e6,
      rssPeak: 200e6,
    });
    expect(m.series).toHaveLength(40);
    expect(m.series[0]).toEqual([0, 100e6]);
    expect(m.series[39]).toEqual([100, 200e6]);
  });

  it('gives the levels within each phase', () => {
    const m = summarizeRss('leader 1', samples, [0, 100], 0, [
      ['upload', [0, 20], new Map([['helper', 3]])],
      ['aggregate', [20, 100], new Map([['leader 1', 41.234]])],
      ['nothing', [200, 300]],
    ]);
    expect(m.phases).toEqual([
      { phase: 'upload', rssPeak: 120e6, rssAt10: 102e6, rssAt90: 118e6 },
      { phase: 'aggregate', rssPeak: 200e6, rssAt10: 128e6, rssAt90: 192e6, cpuSeconds: 41.23 },
      { phase: 'nothing', rssPeak: 0, rssAt10: 0, rssAt90: 0 },
    ]);
  });

  it('keeps only the window for the levels, and a larger high-water mark as the peak', () => {
    const m = summarizeRss('helper', samples, [50, 60], 500e6);
    expect([m.samples, m.rssAt10, m.rssAt90, m.rssPeak]).toEqual([11, 151e6, 159e6, 500e6]);
    expect(m.series[0]).toEqual([0, 150e6]);
  });

  it('gives zeros without samples in the window', () => {
    const m = summarizeRss('runner', [], [0, 1]);
    expect([m.samples, m.rssAt10, m.rssAt50, m.rssAt90, m.rssPeak, m.series]).toEqual([
      0,
      0,
      0,
      0,
      0,
      [],
    ]);
  });
});

describe('load options', () => {
  it('reads --reports in plain, underscored and exponent forms', () => {
    expect(parseOptions(['--reports', '20000']).reports).toBe(20_000);
    expect(parseOptions(['--reports', '100_000']).reports).toBe(100_000);
    expect(parseOptions(['--reports', '1e6']).reports).toBe(1_000_000);
    for (const bad of ['0', '-5', '1.5', 'x', '', '1e400', '9007199254740993']) {
      expect(() => parseOptions(['--reports', bad])).toThrow(BenchError);
    }
  });

  it('reads --store lists and refuses unknown stores', () => {
    expect(parseOptions(['--store', 'sqlite,postgres-2']).stores).toEqual(['sqlite', 'postgres-2']);
    expect(parseOptions(['--store', 'postgres', '--store', 'sqlite']).stores).toEqual([
      'postgres',
      'sqlite',
    ]);
    for (const bad of ['mysql', 'SQLITE', 'postgres-3', 'sqlite;drop']) {
      expect(() => parseOptions(['--store', bad])).toThrow(/--store: expected sqlite, postgres/);
    }
  });

  it('reads --load-mode and refuses other modes', () => {
    expect(parseOptions(['--load-mode', 'sequential,concurrent']).loadModes).toEqual([
      'sequential',
      'concurrent',
    ]);
    expect(parseOptions([]).loadModes).toBeUndefined();
    for (const bad of ['parallel', '', 'Concurrent']) {
      expect(() => parseOptions(['--load-mode', bad])).toThrow(BenchError);
    }
  });

  it('gives the load suite every store by default, or the ones named, in order', () => {
    expect(loadStores({ quick: false })).toEqual(['sqlite', 'postgres', 'postgres-2']);
    expect(loadStores({ quick: false, stores: ['postgres-2', 'sqlite'] })).toEqual([
      'postgres-2',
      'sqlite',
    ]);
    expect(() => loadStores({ quick: false, stores: ['mysql'] })).toThrow(BenchError);
  });
});

describe('suite selection', () => {
  const suite = (name: string, optIn?: boolean): Suite => ({
    name,
    description: name,
    cases: () => [],
    ...(optIn === undefined ? {} : { optIn }),
  });
  const all = [suite('field'), loadSuite, suite('prio3', false)];

  it('leaves the opt-in suites out of the default set, and runs them when named', () => {
    expect(loadSuite.optIn).toBe(true);
    expect(selectSuites(all, undefined).map((s) => s.name)).toEqual(['field', 'prio3']);
    expect(selectSuites(all, undefined, true).map((s) => s.name)).toEqual([
      'field',
      'load',
      'prio3',
    ]);
    expect(selectSuites(all, ['load', 'field']).map((s) => s.name)).toEqual(['load', 'field']);
  });

  it('refuses unknown names', () => {
    expect(() => selectSuites(all, ['load', 'nope'])).toThrow(
      '--suite: expected one of field, load, prio3, received nope',
    );
  });
});

const figure: LoadFigure = {
  name: 'load Prio3Histogram(16)',
  group: 'load',
  suite: 'load',
  params: { store: 'postgres', leaders: 2, reports: 1_000_000 },
  reports: 1_000_000,
  phases: [
    { phase: 'generate', seconds: 500, reportsPerSecond: 2000 },
    { phase: 'upload', seconds: 200, reportsPerSecond: 5000 },
    { phase: 'aggregate', seconds: 250, reportsPerSecond: 4000 },
    { phase: 'collect', seconds: 1.5, reportsPerSecond: 666_667 },
  ],
  processes: [
    {
      role: 'leader 1',
      samples: 900,
      rssPeak: 310e6,
      rssAt10: 250e6,
      rssAt50: 262e6,
      rssAt90: 255e6,
      phases: [
        { phase: 'upload', rssPeak: 280e6, rssAt10: 240e6, rssAt90: 241e6 },
        { phase: 'aggregate', rssPeak: 310e6, rssAt10: 260e6, rssAt90: 258e6, cpuSeconds: 200 },
      ],
      series: [],
    },
  ],
  backPressure: { retries: 12, waitedSeconds: 12 },
  exact: true,
  elapsed: 960,
};

describe('load tables and report', () => {
  it('shows each phase, back-pressure, the check and the memory trend', () => {
    expect(loadPhaseCells([figure])).toEqual([
      [
        'load Prio3Histogram(16)',
        'leaders=2 reports=1000000 store=postgres',
        '2.00 k report/s (500 s)',
        '5.00 k report/s (200 s)',
        '4.00 k report/s (250 s)',
        '1.50 s',
        '12 (12 s)',
        'yes',
        '960 s',
      ],
    ]);
    expect(loadMemoryCells([figure])[0]).toEqual([
      'load Prio3Histogram(16)',
      'leaders=2 reports=1000000 store=postgres',
      'leader 1',
      '310 MB',
      '250 MB / 262 MB / 255 MB',
      '240 MB → 241 MB',
      '260 MB → 258 MB',
      '200.0 s (80%)',
      '900',
    ]);
  });

  it('shows a failed run with its error and the phases it reached', () => {
    const failed = { ...figure, phases: figure.phases.slice(0, 2), exact: false, error: 'boom' };
    const [row] = loadPhaseCells([failed]);
    expect(row[4]).toBe('');
    expect(row[7]).toBe('error: boom');
  });

  it('puts the load runs in the terminal tables and the Markdown report', () => {
    const text = renderTables([], [], [figure]);
    expect(text).toMatch(/^load runs\n/);
    expect(text).toMatch(/load runs: resident memory per process/);
    const md = renderMarkdown({ ...run([]), loadRuns: [figure] });
    expect(md).toMatch(/## load/);
    expect(md).toMatch(
      new RegExp(
        String.raw`\| load Prio3Histogram\(16\) \| leaders=2 reports=1000000 store=postgres ` +
          String.raw`\| leader 1 \| 310 MB`,
      ),
    );
    expect(renderMarkdown(run([]))).not.toMatch(/## load/);
  });
});

describe('runLoadSuites', () => {
  it('turns a load function that throws into one failed figure and runs the others', async () => {
    const throwing: Suite = {
      name: 'bad',
      description: 'throws',
      cases: () => [],
      load: () => Promise.reject(new Error('no store')),
    };
    const good: Suite = {
      name: 'good',
      description: 'returns a figure',
      cases: () => [],
      load: () => Promise.resolve([figure]),
    };
    const out = await runLoadSuites(
      [throwing, good, { ...good, load: undefined }],
      { quick: false },
      true,
    );
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({ name: 'bad', error: 'no store', exact: false });
    expect(out[1]).toBe(figure);
  });

  it('prints a line per step, and within a step at most every few seconds', () => {
    const lines: string[] = [];
    const p = throttledProgress((l) => lines.push(l));
    p('sqlite: uploading: 500 of 1000');
    p('sqlite: uploading: 1000 of 1000');
    p('sqlite: aggregating: 0 of 1000');
    expect(lines).toEqual([
      'bench load sqlite: uploading: 500 of 1000',
      'bench load sqlite: aggregating: 0 of 1000',
    ]);
  });
});

describe('report file', () => {
  it('holds sealed reports in order, read by range, refusing reads past the end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-report-file-'));
    try {
      const task = makeBenchTask(
        HISTOGRAM_16,
        'http://127.0.0.1:1/',
        'http://127.0.0.1:2/',
        await generateHpkeKeypair(9),
      );
      const [l, h] = [await generateHpkeKeypair(1), await generateHpkeKeypair(2)];
      const g = await generateReports({
        path: join(dir, 'r.bin'),
        task,
        leaderConfig: l.config,
        helperConfig: h.config,
        time: 123n,
        count: 5,
        batch: 2,
        workers: 0,
      });
      expect(statSync(g.path).size).toBe(5 * g.recordBytes);
      expect(g.expected.reduce((a, b) => a + b, 0n)).toBe(5n);
      const reader = await ReportReader.open(g);
      try {
        const body = await reader.read(3, 2);
        const ids = new Set<string>();
        for (let at = 0; at < body.length; at += g.recordBytes) {
          const r = decodeReport(body.subarray(at, at + g.recordBytes));
          expect(r.reportMetadata.time).toBe(123n);
          ids.add(Buffer.from(r.reportMetadata.reportId).toString('hex'));
        }
        expect(ids.size).toBe(2);
        await expect(reader.read(4, 2)).rejects.toThrow(
          /reports: expected \d+ bytes at \d+, read \d+/,
        );
      } finally {
        await reader.close();
      }
      await expect(
        generateReports({
          path: join(dir, 'w.bin'),
          task,
          leaderConfig: l.config,
          helperConfig: h.config,
          time: 1n,
          count: 2,
          batch: 1,
          workers: 2,
        }),
      ).rejects.toThrow('workerScript: expected a path with workers');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('procCpuSeconds', () => {
  it('reads the CPU time of a live process and nothing for a missing one', () => {
    let x = 0;
    for (let i = 0; i < 2e7; i++) x += i;
    expect(x).toBeGreaterThan(0);
    expect(procCpuSeconds(process.pid)).toBeGreaterThan(0);
    expect(procCpuSeconds(2 ** 30)).toBeUndefined();
  });
});

describe('RSS chart', () => {
  it('has linear ticks from 0 past the maximum, 1, 2 or 5 apart', () => {
    expect(linearTicks(9)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(linearTicks(250)).toEqual([0, 50, 100, 150, 200, 250]);
    expect(linearTicks(0.3)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(linearTicks(0)).toEqual([0, 1]);
    expect(linearTicks(Number.NaN)).toEqual([0, 1]);
  });

  it('draws one line per process with two samples or more, and nothing without', () => {
    const withSeries: LoadFigure = {
      ...figure,
      processes: [
        {
          ...figure.processes[0],
          role: 'leader <1>',
          series: [
            [0, 200e6],
            [10, 210e6],
            [20, 205e6],
          ],
        },
        { ...figure.processes[0], role: 'helper', series: [[0, 100e6]] },
      ],
    };
    const svg = renderRssChart(withSeries)!;
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(1);
    expect(svg).toContain('leader &lt;1&gt;');
    expect(svg).not.toContain('>helper<');
    expect(svg).toContain('250 MB');
    expect(renderRssChart(figure)).toBeUndefined();
    expect(loadChartSlug(figure)).toBe('load-postgres-2-leaders');
  });
});
