// The contract between benchmark suites and the runner: a suite lists cases, the runner times
// them with benchmark.js and prints and writes the figures.

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
  /** One operation. A promise-returning function is timed as a deferred benchmark. */
  fn: () => void | Promise<void>;
  /** True when `fn` returns a promise. */
  async?: boolean;
}

/** Options passed to every suite. */
export interface SuiteOptions {
  /** Quick mode: fewer sizes and shorter runs, the whole run under a minute. */
  quick: boolean;
  /** Sizes asked for on the command line, where the suite has a size axis. */
  sizes?: number[];
}

/** A benchmark suite. */
export interface Suite {
  /** Name used on the command line, e.g. "field". */
  name: string;
  description: string;
  /** The cases to measure; setup work happens here, outside the timed functions. */
  cases(options: SuiteOptions): BenchCase[] | Promise<BenchCase[]>;
}
