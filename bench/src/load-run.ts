// Runs the load runs of the chosen suites (suites with a `load` function), after the timed and
// memory cases, printing what each run is doing on stderr every few seconds.
import type { LoadFigure } from './load-figure.js';
import type { Suite, SuiteOptions } from './suite.js';

/** Shortest pause between two progress lines of the same step, ms. */
const PROGRESS_EVERY_MS = 5000;

/**
 * A progress printer that writes a line when the step changes (the label up to its first
 * ":" after the store name) and otherwise at most every few seconds.
 *
 * @param write - where lines go; default stderr.
 * @returns the progress function.
 */
export function throttledProgress(
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): (label: string) => void {
  let lastStep = '';
  let lastAt = 0;
  return (label) => {
    const step = label.replace(/[\d\s]+of[\d\s]+$/, '');
    const now = Date.now();
    if (step !== lastStep || now - lastAt >= PROGRESS_EVERY_MS) {
      lastStep = step;
      lastAt = now;
      write(`bench load ${label}`);
    }
  };
}

/**
 * Runs every load run of the suites, in order. A suite whose `load` throws gets one failed
 * figure carrying the message; the other suites still run.
 *
 * @param suites - the chosen suites.
 * @param options - the suite options.
 * @param quiet - true: no progress lines.
 * @returns the figures of every run.
 */
export async function runLoadSuites(
  suites: readonly Suite[],
  options: SuiteOptions,
  quiet: boolean,
): Promise<LoadFigure[]> {
  const out: LoadFigure[] = [];
  const progress = quiet ? () => {} : throttledProgress();
  for (const suite of suites) {
    if (suite.load === undefined) continue;
    const t0 = performance.now();
    try {
      out.push(...(await suite.load(options, progress)));
    } catch (e) {
      out.push({
        name: suite.name,
        group: 'load',
        suite: suite.name,
        params: {},
        reports: 0,
        phases: [],
        processes: [],
        backPressure: { retries: 0, waitedSeconds: 0 },
        exact: false,
        error: (e as Error).message,
        elapsed: Math.round(performance.now() - t0) / 1000,
      });
    }
  }
  return out;
}
