// Command-line options of the bench runner, parsed with node:util parseArgs.
import { parseArgs } from 'node:util';

/** A bench runner failure with a stable code: bad usage, a suite that fails to load or run. */
export class BenchError extends Error {
  /** Stable machine-readable code: "usage", "suite_load" or "suite_cases". */
  readonly code: string;

  /**
   * @param code - the stable code.
   * @param message - lowercase text naming the option or suite.
   */
  constructor(code: string, message: string) {
    super(message);
    this.name = 'BenchError';
    this.code = code;
  }
}

/** The parsed options. */
export interface BenchOptions {
  /** Suites to run; undefined: all of them. */
  suites?: string[];
  /** Sizes passed to the suites that have a size axis. */
  sizes?: number[];
  /** Reports per load run; undefined: the load suite's default (1,000,000). */
  reports?: number;
  /** Stores for the aggregator and load suites; undefined: each suite's default. */
  stores?: string[];
  /** Load run modes (concurrent, sequential); undefined: the load suite's default. */
  loadModes?: string[];
  quick: boolean;
  /** Output directory; undefined: bench/results. */
  out?: string;
  /** Base name of the files written; undefined: `bench-<time>`. */
  name?: string;
  jsonOnly: boolean;
  /** Seconds of timing per case (benchmark.js `maxTime`); undefined: the mode's default. */
  maxTime?: number;
  list: boolean;
  help: boolean;
}

/** The store names `--store` takes (postgres-2: two Leader processes, load suite only). */
export const STORE_NAMES: readonly string[] = ['sqlite', 'postgres', 'postgres-2'];

/** The modes `--load-mode` takes. */
export const LOAD_MODES: readonly string[] = ['concurrent', 'sequential'];

/** The text printed by `--help`. */
export const USAGE = `usage: npm run bench -- [options]        (from the repository root, through turbo)
       npm run bench -w @private-measurement/bench -- [options]
       node bench/dist/cli.js [options]           (after a bundle: node bench/scripts/bundle.mjs)

options:
  --suite a,b       run only these suites (repeatable; default: every suite but the opt-in
                    ones, such as load, which run only when named)
  --sizes 16,256    sizes for the suites that have a size axis (vector length, histogram length)
  --reports N       reports per load run (default 1000000; 1e6 and 100_000 also read)
  --store a,b       stores: sqlite, postgres (aggregator and load suites), postgres-2 (load:
                    two Leader processes on one database); default every one
  --load-mode a,b   load: concurrent (drivers run during uploads, back-pressure on; default)
                    and/or sequential (every upload first, then aggregation)
  --quick           fewer sizes and shorter timings: the whole run in under a minute
  --max-time S      seconds of timing per case (default 1, or at most 0.25 with --quick)
  --out DIR         where to write the results (default bench/results)
  --name NAME       base name of the files written (default bench-<time>); e.g. readme-reference
                    for the reference report that git keeps (bench/results/.gitignore)
  --json-only       write only the JSON file; no tables, no progress bar, no Markdown or SVG
  --list            list the suites and exit
  --help            this text

Every argument can also be given in the BENCH_ARGS environment variable, e.g.
  BENCH_ARGS="--quick --suite field" npm run bench`;

function splitList(values: string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  const items = values.flatMap((v) => v.split(',')).map((s) => s.trim());
  return items.filter((s) => s !== '');
}

/**
 * Parses the runner's arguments.
 *
 * @param argv - the arguments after the script name.
 * @returns the options.
 * @throws {BenchError} code "usage" for an unknown option, a missing value, a size or report
 *   count that is not a positive integer, a store name not in `STORE_NAMES`, a mode not in
 *   `LOAD_MODES`, a
 *   non-positive `--max-time`, or a `--name` that is not a plain file name.
 * @example
 * parseOptions(['--quick', '--suite', 'field,xof']).suites; // ['field', 'xof']
 */
export function parseOptions(argv: readonly string[]): BenchOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        suite: { type: 'string', multiple: true },
        sizes: { type: 'string', multiple: true },
        reports: { type: 'string' },
        store: { type: 'string', multiple: true },
        'load-mode': { type: 'string', multiple: true },
        quick: { type: 'boolean', default: false },
        'max-time': { type: 'string' },
        out: { type: 'string' },
        name: { type: 'string' },
        'json-only': { type: 'boolean', default: false },
        list: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    throw new BenchError('usage', (e as Error).message.toLowerCase().split('\n')[0]);
  }

  const sizeText = splitList(values.sizes);
  let sizes: number[] | undefined;
  if (sizeText !== undefined) {
    sizes = sizeText.map((s) => {
      const n = Number(s);
      if (!/^\d+$/.test(s) || !Number.isSafeInteger(n) || n <= 0) {
        throw new BenchError('usage', `--sizes: expected positive integers, received "${s}"`);
      }
      return n;
    });
  }

  let reports: number | undefined;
  if (values.reports !== undefined) {
    const text = values.reports.replace(/_/g, '');
    reports = Number(text);
    if (!/^(\d+|\d+e\d+)$/.test(text) || !Number.isSafeInteger(reports) || reports <= 0) {
      throw new BenchError(
        'usage',
        `--reports: expected a positive integer, received "${values.reports}"`,
      );
    }
  }

  const stores = splitList(values.store);
  if (stores?.length === 0) throw new BenchError('usage', '--store: expected a store name');
  for (const st of stores ?? []) {
    if (!STORE_NAMES.includes(st)) {
      throw new BenchError(
        'usage',
        `--store: expected ${STORE_NAMES.join(', ')}, received "${st}"`,
      );
    }
  }

  const loadModes = splitList(values['load-mode']);
  if (loadModes?.length === 0) throw new BenchError('usage', '--load-mode: expected a mode');
  for (const m of loadModes ?? []) {
    if (!LOAD_MODES.includes(m)) {
      throw new BenchError(
        'usage',
        `--load-mode: expected ${LOAD_MODES.join(' or ')}, received "${m.slice(0, 40)}"`,
      );
    }
  }

  let maxTime: number | undefined;
  if (values['max-time'] !== undefined) {
    maxTime = Number(values['max-time']);
    if (!Number.isFinite(maxTime) || maxTime <= 0) {
      throw new BenchError(
        'usage',
        `--max-time: expected a positive number of seconds, received "${values['max-time']}"`,
      );
    }
  }

  const name = values.name;
  if (name !== undefined && (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name === 'latest')) {
    throw new BenchError(
      'usage',
      `--name: expected letters, digits, ".", "_" or "-" (not "latest"), received "${name}"`,
    );
  }

  return {
    suites: splitList(values.suite),
    sizes,
    reports,
    stores,
    loadModes,
    quick: values.quick ?? false,
    out: values.out,
    name,
    jsonOnly: values['json-only'] ?? false,
    maxTime,
    list: values.list ?? false,
    help: values.help ?? false,
  };
}

/**
 * Drops the `--` separators that reach the runner when its options come through npm and turbo
 * (`npm run bench -- -- --quick` hands turbo `-- -- --quick`, and turbo forwards `-- --quick`).
 *
 * @param argv - the arguments after the script name.
 * @returns them without any bare `--`.
 */
export function dropSeparators(argv: readonly string[]): string[] {
  return argv.filter((a) => a !== '--');
}

/**
 * Splits the BENCH_ARGS environment variable into arguments on white space.
 *
 * @param text - the variable's value, possibly undefined.
 * @returns the arguments, none when the variable is unset or blank.
 */
export function envArgs(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text.split(/\s+/).filter((s) => s !== '');
}
