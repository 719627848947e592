// The load run (opt-in: `npm run bench -- --suite load`): 1,000,000 Prio3Histogram(16) reports
// (`--reports N`) through upload, aggregation and collection, on SQLite, on PostgreSQL, and on
// PostgreSQL with two Leader processes (`--store`), aggregating during the uploads or after
// them (`--load-mode`), with the RSS of every process over time.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { HISTOGRAM_16 } from '../aggregator/deployment.js';
import { prepareLoad, runLoad, type LoadMode } from '../load/run-load.js';
import type { LoadFigure } from '../load-figure.js';
import { BenchError } from '../options.js';
import type { Suite, SuiteOptions } from '../suite.js';

/** Reports per run unless `--reports` says otherwise. */
export const DEFAULT_LOAD_REPORTS = 1_000_000;
/** Reports per upload request, and per sealed batch. */
export const LOAD_BATCH = 500;

/** The stores of the load run: name, store kind and Leader processes. */
export const LOAD_STORES = {
  sqlite: { store: 'sqlite', leaders: 1 },
  postgres: { store: 'postgres', leaders: 1 },
  'postgres-2': { store: 'postgres', leaders: 2 },
} as const;

/** A `--store` name of the load run. */
export type LoadStore = keyof typeof LOAD_STORES;

/**
 * The runs asked for: `--store` names (default every one), in the order given.
 *
 * @param options - the suite options.
 * @returns the store names.
 * @throws {BenchError} code "usage" for a name the load run does not know.
 */
export function loadStores(options: SuiteOptions): LoadStore[] {
  const names = options.stores ?? (Object.keys(LOAD_STORES) as LoadStore[]);
  for (const n of names) {
    if (!(n in LOAD_STORES)) {
      throw new BenchError(
        'usage',
        `--store: expected sqlite, postgres or postgres-2 for the load suite, received "${n}"`,
      );
    }
  }
  return names as LoadStore[];
}

// The bundler puts the aggregator process and the seal worker beside the suites' directory.
const script = (name: string): string =>
  fileURLToPath(new URL(`../load/${name}.js`, import.meta.url));

const suite: Suite = {
  name: 'load',
  description:
    'opt-in: 1,000,000 Prio3Histogram(16) reports (--reports) upload, aggregate, collect; sqlite, postgres, postgres-2 (--store); RSS per process',
  optIn: true,
  cases: () => [],
  async load(options, progress): Promise<LoadFigure[]> {
    const names = loadStores(options);
    const modes = (options.loadModes ?? ['concurrent']) as LoadMode[];
    const prepared = await prepareLoad({
      variant: HISTOGRAM_16,
      reports: options.reports ?? DEFAULT_LOAD_REPORTS,
      batch: LOAD_BATCH,
      workers: availableParallelism(),
      workerScript: script('seal-worker'),
      progress: (label) => progress(`reports: ${label}`),
    });
    const out: LoadFigure[] = [];
    try {
      for (const mode of modes) {
        for (const name of names) {
          const { store, leaders } = LOAD_STORES[name];
          out.push(
            await runLoad({
              prepared,
              store,
              leaders,
              mode,
              childScript: script('aggregator-process'),
              suite: 'load',
              progress: (label) => progress(`${name} ${mode}: ${label}`),
            }),
          );
        }
      }
    } finally {
      prepared.close();
    }
    return out;
  },
};

export default suite;
