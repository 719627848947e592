// The contract between benchmark suites and the runner: a suite lists cases, the runner times
// them with benchmark.js and prints and writes the figures.
import type { LoadFigure } from './load-figure.js';

/** Who implements a measured case: our WASM backend, our pure-TS twin, or a peer library. */
export type BenchBackend = 'wasm' | 'ts' | `peer:${string}`;

/** One measured operation. */
export interface BenchCase {
  /** Stable name shared by the backends of one operation, e.g. "Field64 vec mul". */
  name: string;
  /** Suite-level group, e.g. "field", "xof", "noise", "prio3", "client", "aggregator". */
  group: string;
  backend: BenchBackend;
  /** Parameters that distinguish sizes, e.g. `{ n: 4096 }` or `{ length: 1024 }`. */
  params?: Record<string, number | string>;
  /** Units of work per operation (elements, bytes, samples, reports) for a throughput figure. */
  unitsPerOp?: number;
  /** Name of the unit counted by `unitsPerOp`, e.g. "elem", "byte", "sample", "report". */
  unit?: string;
  /** Size in bytes of what the operation produces (e.g. a report), for the report tables. */
  bytes?: number;
  /**
   * One operation; what it returns is ignored. With `async`, it returns a promise and is timed
   * as a deferred benchmark.
   */
  fn: () => unknown;
  /** True when `fn` returns a promise. */
  async?: boolean;
  /**
   * Runs once just before the case is timed, outside the timing: prepares what only this case
   * uses (a fresh store, a server pointed at it). A failure here fails the case untimed.
   */
  setup?: () => unknown;
  /**
   * Runs once after the case was timed (or failed), outside the timing: closes what the case
   * opened (servers, stores), removes its files or schemas. A failure here fails the case.
   */
  teardown?: () => unknown;
}

/**
 * One operation whose memory use is measured, each in a fresh child process (src/memory.ts):
 * `setup` runs first, then the operation once untimed, then once measured.
 */
export interface MemoryCase {
  /** Operation name, e.g. "Prio3Histogram shard". */
  name: string;
  group: string;
  backend: BenchBackend;
  params?: Record<string, number | string>;
  /**
   * Builds the operation in the child process: setup work (keys, reports, stores) happens here
   * and is part of the baseline, not of the figure.
   */
  setup(): (() => unknown) | Promise<() => unknown>;
}

/** Options passed to every suite. */
export interface SuiteOptions {
  /** Quick mode: fewer sizes and shorter runs, the whole run under a minute. */
  quick: boolean;
  /** Sizes asked for on the command line, where the suite has a size axis. */
  sizes?: number[];
  /** Reports per run, for the suites that count reports (the load run); `--reports`. */
  reports?: number;
  /**
   * Stores asked for with `--store` (sqlite, postgres, postgres-2: two Leader processes on
   * one PostgreSQL database), for the suites that run on a store; undefined: the suite's
   * default.
   */
  stores?: string[];
  /** Load run modes asked for with `--load-mode` (concurrent, sequential). */
  loadModes?: string[];
}

/** A benchmark suite. */
export interface Suite {
  /** Name used on the command line, e.g. "field". */
  name: string;
  description: string;
  /**
   * True for a suite left out of the default set (a long run such as `load`): it runs only
   * when named with `--suite`.
   */
  optIn?: boolean;
  /** The cases to measure; setup work happens here, outside the timed functions. */
  cases(options: SuiteOptions): BenchCase[] | Promise<BenchCase[]>;
  /**
   * Operations whose memory use is measured. Called in the runner to list them and again in
   * each child process, with the same options, so it must return the same list in the same
   * order, and do no heavy work itself (that belongs in each case's `setup`).
   */
  memory?(options: SuiteOptions): MemoryCase[];
  /**
   * Whole measured runs that are not benchmark.js cases (the load run): each returns its own
   * figures, phases and memory samples included. Called once, after the timed and memory
   * cases; a run that fails returns a figure with `error` set rather than throwing.
   */
  load?(options: SuiteOptions, progress: LoadProgress): Promise<LoadFigure[]>;
}

/** Where a load run reports what it is doing, for the progress display. */
export type LoadProgress = (label: string) => void;
