// The figures a bench run produces, the machine they were measured on, and how cases of one
// operation are paired across backends to give the wasm/ts and wasm/peer ratios.
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
  options: { suites: string[]; quick: boolean; sizes?: number[]; maxTime: number };
  /** Wall-clock seconds the run took, suite setup included. */
  elapsed: number;
  figures: Figure[];
}

/** The cases of one operation at one parameter set, by backend. */
export interface Row {
  group: string;
  name: string;
  params: Record<string, number | string>;
  byBackend: Map<BenchBackend, Figure>;
}

/** A ratio between the WASM figure of a row and another backend's figure. */
export interface Ratio {
  /** The backend compared against: "ts" or "peer:<name>". */
  against: BenchBackend;
  /** Operations per second of WASM divided by those of `against` (above 1: WASM is faster). */
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
 * The wasm/ts and wasm/peer ratios of a row: one per other backend that has a figure, none when
 * the row has no WASM figure or a figure failed.
 *
 * @param row - one operation at one parameter set.
 * @returns the ratios, "ts" first, then peers in name order.
 */
export function rowRatios(row: Row): Ratio[] {
  const wasm = row.byBackend.get('wasm');
  if (wasm === undefined || wasm.error !== undefined || !(wasm.hz > 0)) return [];
  const others = [...row.byBackend.keys()].filter((b) => b !== 'wasm').sort(backendOrder);
  const out: Ratio[] = [];
  for (const b of others) {
    const f = row.byBackend.get(b)!;
    if (f.error !== undefined || !(f.hz > 0)) continue;
    out.push({ against: b, value: wasm.hz / f.hz });
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
