// Times the cases of the chosen suites with benchmark.js (sync and deferred cases), showing a
// progress bar, and turns each into a Figure.
import Benchmark from 'benchmark';
import cliProgress from 'cli-progress';
import type { Figure } from './figures.js';
import type { BenchCase } from './suite.js';

/** A case with the name of the suite that produced it. */
export interface QueuedCase {
  suite: string;
  case: BenchCase;
}

/** How long and how often to time each case. */
export interface Timing {
  /** Seconds of timing per case (benchmark.js `maxTime`). */
  maxTime: number;
  /** Minimum number of samples per case. */
  minSamples: number;
  /** Shortest timed cycle in seconds (benchmark.js `minTime`); undefined: its default, 0.05 s. */
  minTime?: number;
  /** Pause between cycles in seconds (benchmark.js `delay`); undefined: its default, 5 ms. */
  delay?: number;
}

/** Seconds of timing shared by the cases of a quick run. */
export const QUICK_BUDGET = 20;
/** Longest timing of one case in a quick run, in seconds. */
export const QUICK_MAX_TIME = 0.15;

/**
 * The timing of a run: `maxTime` as asked, else 1 s per case, or in quick mode a share of a
 * 20-second budget across the cases, between 0.02 s and 0.15 s. benchmark.js stops a case at
 * the first cycle past `maxTime` once it has `minSamples`, so a case takes about twice its
 * `maxTime` (more for an operation slower than `maxTime / minSamples`).
 *
 * @param quick - quick mode.
 * @param caseCount - number of cases to time.
 * @param maxTime - seconds asked for on the command line, if any.
 * @returns the timing.
 */
export function chooseTiming(quick: boolean, caseCount: number, maxTime?: number): Timing {
  // Quick mode: 20 ms cycles (the timer is nanosecond-grained), so that a case costs about its
  // share of the budget rather than benchmark.js's 0.05 s cycles times its minimum samples,
  // and no pause between cycles (benchmark.js waits 5 ms by default).
  const minTime = quick ? 0.02 : undefined;
  const delay = quick ? 0 : undefined;
  if (maxTime !== undefined) return { maxTime, minSamples: quick ? 3 : 5, minTime, delay };
  if (!quick) return { maxTime: 1, minSamples: 5 };
  const share = QUICK_BUDGET / Math.max(1, caseCount);
  return {
    maxTime: Math.min(QUICK_MAX_TIME, Math.max(0.02, share)),
    minSamples: 3,
    minTime,
    delay,
  };
}

function errorText(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return `${e.name}${typeof code === 'string' ? ` (${code})` : ''}: ${e.message}`;
  }
  return String(e);
}

function figureOf(q: QueuedCase, bench: Benchmark | undefined, error?: string): Figure {
  const c = q.case;
  const ok = bench !== undefined && error === undefined && bench.hz > 0;
  const figure: Figure = {
    name: c.name,
    group: c.group,
    suite: q.suite,
    backend: c.backend,
    params: c.params ?? {},
    hz: ok ? bench.hz : 0,
    mean: ok ? bench.stats.mean : 0,
    rme: ok ? bench.stats.rme : 0,
    samples: ok ? bench.stats.sample.length : 0,
  };
  if (c.unitsPerOp !== undefined) figure.unitsPerOp = c.unitsPerOp;
  if (c.unit !== undefined) figure.unit = c.unit;
  if (c.bytes !== undefined) figure.bytes = c.bytes;
  if (!ok) figure.error = error ?? 'no measurement';
  return figure;
}

/**
 * Times one case.
 *
 * @param q - the case.
 * @param timing - how long to time it.
 * @returns its figure; a case that throws or rejects gives a figure with `error` set.
 */
export function timeCase(q: QueuedCase, timing: Timing): Promise<Figure> {
  const c = q.case;
  let failure: unknown;
  const options: Benchmark.Options = {
    maxTime: timing.maxTime,
    minSamples: timing.minSamples,
    ...(timing.minTime !== undefined ? { minTime: timing.minTime } : {}),
    ...(timing.delay !== undefined ? { delay: timing.delay } : {}),
  };
  let bench: Benchmark;
  if (c.async === true) {
    // A deferred benchmark: the cycle ends when the promise settles; a rejection aborts.
    bench = new Benchmark(`${q.suite}/${c.name}`, {
      ...options,
      defer: true,
      fn: (deferred: { resolve(): void; benchmark: Benchmark }) => {
        Promise.resolve()
          .then(() => c.fn())
          .then(
            () => deferred.resolve(),
            (e: unknown) => {
              failure = e;
              deferred.benchmark.abort();
            },
          );
      },
    });
  } else {
    bench = new Benchmark(`${q.suite}/${c.name}`, { ...options, fn: () => c.fn() });
  }
  return new Promise((resolve) => {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      const e = failure ?? bench.error;
      resolve(figureOf(q, bench, e !== undefined ? errorText(e) : undefined));
    };
    bench.on('complete', finish);
    bench.on('abort', () => {
      failure ??= new Error('aborted');
      finish();
    });
    bench.run({ async: true });
  });
}

/** What the progress display needs from the runner. */
export interface Progress {
  start(total: number): void;
  update(done: number, label: string): void;
  stop(): void;
}

/**
 * A progress bar on stderr (cli-progress); where stderr is not a terminal it prints a line
 * every few seconds instead of redrawing.
 *
 * @returns the progress display.
 */
export function progressBar(): Progress {
  const bar = new cliProgress.SingleBar(
    {
      format: 'bench {bar} {value}/{total} cases | {label}',
      stream: process.stderr,
      noTTYOutput: true,
      notTTYSchedule: 5000,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  return {
    start: (total) => bar.start(total, 0, { label: '' }),
    update: (done, label) => bar.update(done, { label }),
    stop: () => bar.stop(),
  };
}

/** A progress display that shows nothing. */
export const silentProgress: Progress = { start() {}, update() {}, stop() {} };

/** What the progress display says about an item: its suite, name, params and backend. */
export interface ProgressItem {
  suite: string;
  case: { name: string; params?: Record<string, number | string>; backend: string };
}

/**
 * Runs items in order, one at a time, keeping the progress display up to date.
 *
 * @param items - the queued cases.
 * @param prefix - put before each label, e.g. "memory ".
 * @param progress - where progress goes.
 * @param run - runs one item.
 * @returns the results, in order.
 */
export async function runInOrder<Q extends ProgressItem, R>(
  items: readonly Q[],
  prefix: string,
  progress: Progress,
  run: (q: Q) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  if (items.length === 0) return results;
  progress.start(items.length);
  try {
    for (const [i, q] of items.entries()) {
      const params = Object.entries(q.case.params ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      progress.update(i, `${prefix}${q.suite}: ${q.case.name} ${params} [${q.case.backend}]`);
      results.push(await run(q));
    }
    progress.update(items.length, 'done');
  } finally {
    progress.stop();
  }
  return results;
}

/**
 * Times every case in order, one at a time, running each case's setup before it and its
 * teardown after it (both untimed).
 *
 * @param cases - the cases.
 * @param timing - how long to time each.
 * @param progress - where progress goes.
 * @returns one figure per case, in order.
 */
export function runCases(
  cases: readonly QueuedCase[],
  timing: Timing,
  progress: Progress,
): Promise<Figure[]> {
  return runInOrder(cases, '', progress, async (q) => {
    const t0 = performance.now();
    let figure: Figure;
    try {
      await q.case.setup?.();
      figure = await timeCase(q, timing);
    } catch (e) {
      figure = figureOf(q, undefined, `setup: ${errorText(e)}`);
    }
    if (q.case.teardown !== undefined) {
      try {
        await q.case.teardown();
      } catch (e) {
        figure.error ??= `teardown: ${errorText(e)}`;
      }
    }
    figure.elapsed = Math.round(performance.now() - t0) / 1000;
    return figure;
  });
}
