// Benchmark runner entry point: loads the chosen suites, times their cases with benchmark.js,
// prints a table per group and writes the JSON figures, a Markdown report and SVG charts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatParams, type RunResult } from './figures.js';
import { describeMachine } from './machine.js';
import {
  BenchError,
  dropSeparators,
  envArgs,
  parseOptions,
  USAGE,
  type BenchOptions,
} from './options.js';
import { runLoadSuites } from './load-run.js';
import { loadChartSlug, renderRssChart } from './load-svg.js';
import { runMemoryCases, type QueuedMemoryCase } from './memory-run.js';
import { loadSuite, readRegistry, selectSuites } from './registry.js';
import { renderMarkdown, type ChartLink } from './report.js';
import { chooseTiming, progressBar, runCases, silentProgress, type QueuedCase } from './run.js';
import { prio3Charts, renderChart } from './svg.js';
import type { Suite, SuiteOptions } from './suite.js';
import { renderTables } from './table.js';

const registryUrl = new URL('./suites.json', import.meta.url);
const defaultOut = fileURLToPath(new URL('../results/', import.meta.url));
const childScript = fileURLToPath(new URL('./memory-child.js', import.meta.url));
/** A memory case whose child takes longer than this is killed and reported as failed. */
const CHILD_TIMEOUT_MS = 300_000;

/** The URL each loaded suite was imported from, for the memory child processes. */
const suiteModules = new Map<Suite, string>();

/**
 * Loads the named suites, or every registered one but the opt-in ones (unless `withOptIn`); a
 * suite that fails to load is reported.
 */
async function chooseSuites(opts: BenchOptions, withOptIn = false): Promise<Suite[]> {
  const registry = readRegistry(registryUrl);
  for (const b of registry.broken) {
    console.error(`bench: suite ${b.file} did not bundle and is skipped`);
  }
  const suites: Suite[] = [];
  for (const entry of registry.suites) {
    try {
      const suite = await loadSuite(entry, registryUrl);
      suiteModules.set(suite, new URL(entry.module, registryUrl).href);
      suites.push(suite);
    } catch (e) {
      if (opts.suites === undefined || opts.suites.includes(entry.file)) {
        console.error(`bench: ${(e as Error).message}`);
      }
    }
  }
  return selectSuites(suites, opts.suites, withOptIn);
}

function suiteOptions(opts: BenchOptions): SuiteOptions {
  return {
    quick: opts.quick,
    ...(opts.sizes ? { sizes: opts.sizes } : {}),
    ...(opts.reports !== undefined ? { reports: opts.reports } : {}),
    ...(opts.stores ? { stores: opts.stores } : {}),
    ...(opts.loadModes ? { loadModes: opts.loadModes } : {}),
  };
}

/** Asks each suite for its cases; a suite whose setup throws is reported and skipped. */
async function collectCases(suites: readonly Suite[], opts: BenchOptions): Promise<QueuedCase[]> {
  const queued: QueuedCase[] = [];
  for (const suite of suites) {
    try {
      const cases = await suite.cases(suiteOptions(opts));
      for (const c of cases) queued.push({ suite: suite.name, case: c });
    } catch (e) {
      console.error(`bench: suite ${suite.name}: setup failed: ${(e as Error).message}`);
    }
  }
  return queued;
}

/** Lists the memory cases of the suites that have some; a suite whose listing throws is skipped. */
function collectMemoryCases(suites: readonly Suite[], opts: BenchOptions): QueuedMemoryCase[] {
  const queued: QueuedMemoryCase[] = [];
  for (const suite of suites) {
    if (suite.memory === undefined) continue;
    try {
      const module = suiteModules.get(suite)!;
      for (const [index, c] of suite.memory(suiteOptions(opts)).entries()) {
        queued.push({ suite: suite.name, module, index, case: c });
      }
    } catch (e) {
      console.error(`bench: suite ${suite.name}: memory cases failed: ${(e as Error).message}`);
    }
  }
  return queued;
}

function stamp(date: Date): string {
  return date.toISOString().replace(/[:]/g, '').replace(/\..*$/, 'Z');
}

/** Writes the JSON figures and, unless JSON only, the Markdown report and charts. */
function writeResults(result: RunResult, opts: BenchOptions, started: Date): string[] {
  const out = resolve(opts.out ?? defaultOut);
  mkdirSync(out, { recursive: true });
  const base = opts.name ?? `bench-${stamp(started)}`;
  const written: string[] = [];
  const write = (name: string, text: string): void => {
    writeFileSync(join(out, name), text);
    written.push(join(out, name));
  };
  const json = JSON.stringify(result, null, 2) + '\n';
  write(`${base}.json`, json);
  write('latest.json', json);
  if (opts.jsonOnly) return written;

  const links: ChartLink[] = [];
  for (const chart of prio3Charts(result.figures)) {
    const file = `${base}-${chart.slug}.svg`;
    write(file, renderChart(chart));
    links.push({ title: chart.title, file });
  }
  for (const run of result.loadRuns ?? []) {
    const svg = renderRssChart(run);
    if (svg === undefined) continue;
    const file = `${base}-${loadChartSlug(run)}.svg`;
    write(file, svg);
    links.push({ title: `${run.name} ${formatParams(run.params)}: RSS per process`, file });
  }
  const md = renderMarkdown(result, links);
  write(`${base}.md`, md);
  write('latest.md', md);
  return written;
}

async function main(argv: string[]): Promise<number> {
  const opts = parseOptions(dropSeparators([...envArgs(process.env.BENCH_ARGS), ...argv]));
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  if (opts.list) {
    for (const s of await chooseSuites({ ...opts, suites: undefined }, true)) {
      console.log(`${s.name.padEnd(12)} ${s.description}`);
    }
    return 0;
  }

  const started = new Date();
  const loadStart = loadavg();
  const suites = await chooseSuites(opts);
  const cases = await collectCases(suites, opts);
  const timing = chooseTiming(opts.quick, cases.length, opts.maxTime);
  const progress = opts.jsonOnly ? silentProgress : progressBar();
  const figures = await runCases(cases, timing, progress);
  const memory = await runMemoryCases(
    collectMemoryCases(suites, opts),
    { script: childScript, options: suiteOptions(opts), timeoutMs: CHILD_TIMEOUT_MS },
    progress,
  );
  const loadRuns = await runLoadSuites(suites, suiteOptions(opts), opts.jsonOnly);
  const result: RunResult = {
    date: started.toISOString(),
    machine: describeMachine(),
    options: {
      suites: suites.map((s) => s.name),
      quick: opts.quick,
      ...(opts.sizes ? { sizes: opts.sizes } : {}),
      ...(opts.reports !== undefined ? { reports: opts.reports } : {}),
      ...(opts.stores ? { stores: opts.stores } : {}),
      ...(opts.loadModes ? { loadModes: opts.loadModes } : {}),
      maxTime: timing.maxTime,
    },
    figures,
    ...(memory.length > 0 ? { memory } : {}),
    ...(loadRuns.length > 0 ? { loadRuns } : {}),
    elapsed: Math.round((Date.now() - started.getTime()) / 100) / 10,
    load: { start: loadStart, end: loadavg() },
  };

  if (!opts.jsonOnly) {
    const any = figures.length + memory.length + loadRuns.length > 0;
    console.log(any ? renderTables(figures, memory, loadRuns) : 'bench: no cases to run');
  }
  const written = writeResults(result, opts, started);
  const shown = written.filter((p) => !p.endsWith('latest.json') && !p.endsWith('latest.md'));
  console.log(
    `\nbench: ${figures.length} timed and ${memory.length} memory cases` +
      (loadRuns.length > 0 ? ` and ${loadRuns.length} load runs` : '') +
      ` in ${result.elapsed} s; ` +
      'wrote ' +
      shown.map((p) => relative(process.cwd(), p)).join(', '),
  );
  const failed = [...figures, ...memory, ...loadRuns].filter((f) => f.error !== undefined).length;
  if (failed > 0) console.error(`bench: ${failed} case(s) failed; see the error column`);
  return failed > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof BenchError && e.code === 'usage') {
      console.error(`bench: ${e.message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  },
);
