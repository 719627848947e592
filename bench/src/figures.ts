// The figures a bench run produces, the machine they were measured on, and how cases of one
// operation are paired across backends to give the wasm/ts and wasm/peer ratios.
import type { LoadFigure } from './load-figure.js';
import type { MemoryMeasurement } from './memory.js';
import type { BenchBackend } from './suite.js';

/** The measured figures of one case. */
export interface Figure {
  name: string;
  group: string;
  /** Name of the suite that produced the case. */
  suite: string;
  backend: BenchBackend;
  params: Record<string, number | string>;
  /** Operations per second. */
  hz: number;
  /** Mean time of one operation, in seconds. */
  mean: number;
  /** Relative margin of error of the mean at 95% confidence, in percent. */
  rme: number;
  /** Number of timed samples (cycles) the statistics come from. */
  samples: number;
  unitsPerOp?: number;
  unit?: string;
  bytes?: number;
  /** Why the case could not be measured; the figures are then zero. */
  error?: string;
  /** Wall-clock seconds spent timing the case (calibration and every sample). */
  elapsed?: number;
}

/**
 * What one operation costs in memory, measured in a fresh child process (src/memory.ts): the
 * measurement's fields (sizes in bytes), zeros when `error` is set.
 */
export interface MemoryFigure extends MemoryMeasurement {
  name: string;
  group: string;
  suite: string;
  backend: BenchBackend;
  params: Record<string, number | string>;
  /** Why the case could not be measured; the figures are then zero. */
  error?: string;
  /** Wall-clock seconds of the whole child process. */
  elapsed?: number;
}

/** The machine a run was measured on. */
export interface Machine {
  cpu: string;
  cores: number;
  /** Total memory in bytes. */
  memory: number;
  node: string;
  os: string;
  arch: string;
}

/** Everything one run writes to its JSON file. */
export interface RunResult {
  /** ISO 8601 time at which the run started. */
  date: string;
  machine: Machine;
  options: {
    suites: string[];
    quick: boolean;
    sizes?: number[];
    reports?: number;
    stores?: string[];
    loadModes?: string[];
    maxTime: number;
  };
  /** Wall-clock seconds the run took, suite setup included. */
  elapsed: number;
  /**
   * The system load averages over 1, 5 and 15 minutes when the run started and ended, to tell
   * a quiet machine from a busy one (zeros where the OS does not report them).
   */
  load?: { start: number[]; end: number[] };
  figures: Figure[];
  /** Memory figures, one per memory case; absent or empty when no memory case ran. */
  memory?: MemoryFigure[];
  /** Load runs (the opt-in load suite), one per store; absent when none ran. */
  loadRuns?: LoadFigure[];
}

/** The cases of one operation at one parameter set, by backend. */
export interface Row {
  group: string;
  name: string;
  params: Record<string, number | string>;
  byBackend: Map<BenchBackend, Figure>;
}

/** A speed ratio between the reference figure of a row (WASM, else the TS twin) and another. */
export interface Ratio {
  /** The reference backend: "wasm", or "ts" when the row has no WASM figure. */
  of: 'wasm' | 'ts';
  /** The backend compared against: "ts" or "peer:<name>". */
  against: BenchBackend;
  /** Operations per second of `of` divided by those of `against` (above 1: `of` is faster). */
  value: number;
}

/**
 * Renders parameters as a stable `k=v` list, keys sorted.
 *
 * @param params - the case parameters.
 * @returns e.g. `"length=1024 n=4"`, or the empty string.
 */
export function formatParams(params: Record<string, number | string>): string {
  return Object.keys(params)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join(' ');
}

/**
 * Groups figures by group, then by operation name and parameters, keeping first-seen order.
 *
 * @param figures - the figures of a run.
 * @returns the rows of each group, by group name.
 */
export function groupRows(figures: readonly Figure[]): Map<string, Row[]> {
  const groups = new Map<string, Map<string, Row>>();
  for (const f of figures) {
    let rows = groups.get(f.group);
    if (rows === undefined) {
      rows = new Map();
      groups.set(f.group, rows);
    }
    const key = `${f.name}\u0000${formatParams(f.params)}`;
    let row = rows.get(key);
    if (row === undefined) {
      row = { group: f.group, name: f.name, params: f.params, byBackend: new Map() };
      rows.set(key, row);
    }
    row.byBackend.set(f.backend, f);
  }
  const out = new Map<string, Row[]>();
  for (const [g, rows] of groups) out.set(g, [...rows.values()]);
  return out;
}

/**
 * The ratios of a row: wasm/ts and wasm/peer; when the row has no usable WASM figure, ts/peer.
 * Failed figures take no part.
 *
 * @param row - one operation at one parameter set.
 * @returns the ratios, "ts" first, then peers in name order; none without a reference figure.
 */
export function rowRatios(row: Row): Ratio[] {
  const usable = (b: BenchBackend): Figure | undefined => {
    const f = row.byBackend.get(b);
    return f !== undefined && f.error === undefined && f.hz > 0 ? f : undefined;
  };
  const of = usable('wasm') !== undefined ? 'wasm' : usable('ts') !== undefined ? 'ts' : undefined;
  if (of === undefined) return [];
  const ref = usable(of)!;
  const others = [...row.byBackend.keys()].filter((b) => b !== of && b !== 'wasm');
  const out: Ratio[] = [];
  for (const b of others.sort(backendOrder)) {
    const f = usable(b);
    if (f !== undefined) out.push({ of, against: b, value: ref.hz / f.hz });
  }
  return out;
}

/**
 * Orders backends as wasm, ts, then peers by name.
 *
 * @param a - a backend.
 * @param b - another backend.
 * @returns a negative, zero or positive number, as `Array.prototype.sort` expects.
 */
export function backendOrder(a: BenchBackend, b: BenchBackend): number {
  const rank = (x: BenchBackend): number => (x === 'wasm' ? 0 : x === 'ts' ? 1 : 2);
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}
