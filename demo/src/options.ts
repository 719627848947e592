// Command-line options of the demo (node:util parseArgs): population size, epsilon, histogram
// size, seed and output path, each checked with a clear message; a bad one exits with status 2.
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

/** What one run of the demo does. */
export interface DemoOptions {
  /** Simulated devices (user agents), each with its own AttributionClient. */
  devices: number;
  /** Epsilon of every conversion report, and of the aggregators' noise. */
  epsilon: number;
  /** Histogram buckets, one per campaign. */
  histogramSize: number;
  /** Seed of the simulated population (who sees which ad, who converts, when). */
  seed: number;
  /** Where the HTML report goes (absolute path). */
  out: string;
}

/** A command line the demo refuses: message for the user, exit status 2. */
export class UsageError extends Error {
  /** Stable code for callers that branch on errors. */
  readonly code = 'USAGE';
  override name = 'UsageError';
}

/** Bounds of the numeric options. */
export const LIMITS = {
  devices: { min: 200, max: 1_000_000 },
  histogramSize: { min: 1, max: 256 },
  epsilon: { min: 0, max: 100 },
  seed: { min: 0, max: 2 ** 32 - 1 },
} as const;

/** Defaults of the demo: the population and privacy parameters of issue 5. */
export const DEFAULTS = {
  devices: 20_000,
  epsilon: 1,
  histogramSize: 8,
} as const;

/** The `--help` text. */
export const USAGE = `Usage: npm run demo -- [options]

Runs the whole pipeline on loopback: a DAP-18 leader and helper (SQLite in a temporary
directory), a simulated population of devices that save ad impressions and measure
conversions through the W3C Attribution API client, upload, aggregation, and a collection
with differential-privacy noise. Prints a table per histogram bucket and writes an HTML report.

Options:
  --devices N          simulated devices, ${LIMITS.devices.min} to ${LIMITS.devices.max} (default ${DEFAULTS.devices})
  --epsilon E          epsilon per conversion report and of the aggregators' noise,
                       in (0, ${LIMITS.epsilon.max}] (default ${DEFAULTS.epsilon})
  --histogram-size K   buckets, one per campaign, ${LIMITS.histogramSize.min} to ${LIMITS.histogramSize.max} (default ${DEFAULTS.histogramSize})
  --seed S             seed of the simulated population, 0 to ${LIMITS.seed.max} (default: random,
                       printed so that the run can be repeated)
  --out FILE           HTML report path; a relative one is taken from the directory npm
                       started in, the repository root under npm run demo (default: a file in
                       the system temporary directory)
  --help               this text
`;

function integer(name: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text.trim())) {
    throw new UsageError(`--${name}: expected an integer, received ${JSON.stringify(text)}`);
  }
  const n = Number(text.trim());
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name}: expected an integer in [${min}, ${max}], received ${text}`);
  }
  return n;
}

function epsilonOf(text: string): number {
  const n = /^\s*(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(n) || n <= LIMITS.epsilon.min || n > LIMITS.epsilon.max) {
    throw new UsageError(
      `--epsilon: expected a number in (0, ${LIMITS.epsilon.max}], received ${JSON.stringify(text)}`,
    );
  }
  return n;
}

/**
 * Parses the demo's command line.
 *
 * @param args - the arguments after the script name.
 * @param randomSeed - draws the seed when `--seed` is absent.
 * @param cwd - the directory a relative `--out` is taken from; default the one npm started in
 *   (`INIT_CWD`), else the process's.
 * @returns the options, or `'help'` when `--help` was asked for.
 * @throws {UsageError} for an unknown option, a missing value, a stray argument or a value out
 *   of range.
 * @example parseDemoArgs(['--devices', '500', '--seed', '7']);
 */
export function parseDemoArgs(
  args: readonly string[],
  randomSeed: () => number = () => Math.floor(Math.random() * 2 ** 32),
  cwd: string = process.env.INIT_CWD || process.cwd(),
): DemoOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        devices: { type: 'string' },
        epsilon: { type: 'string' },
        'histogram-size': { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    // parseArgs' own messages name the option ("Unknown option '--x'"); keep the first line.
    throw new UsageError(String((e as Error).message).split('\n')[0]);
  }
  if (values.help === true) return 'help';
  const str = (k: string): string | undefined => values[k] as string | undefined;

  const out = str('out');
  if (out !== undefined && out.trim() === '') throw new UsageError('--out: expected a file path');
  return {
    devices:
      str('devices') === undefined
        ? DEFAULTS.devices
        : integer('devices', str('devices')!, LIMITS.devices.min, LIMITS.devices.max),
    epsilon: str('epsilon') === undefined ? DEFAULTS.epsilon : epsilonOf(str('epsilon')!),
    histogramSize:
      str('histogram-size') === undefined
        ? DEFAULTS.histogramSize
        : integer(
            'histogram-size',
            str('histogram-size')!,
            LIMITS.histogramSize.min,
            LIMITS.histogramSize.max,
          ),
    seed:
      str('seed') === undefined
        ? randomSeed() >>> 0
        : integer('seed', str('seed')!, LIMITS.seed.min, LIMITS.seed.max),
    out: out === undefined ? join(tmpdir(), 'private-measurement-demo.html') : resolve(cwd, out),
  };
}
