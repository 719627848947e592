// Number formatting for the bench tables: operation rates, durations, throughputs and sizes,
// with SI prefixes and three significant digits.

const PREFIXES: ReadonlyArray<[number, string]> = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
];

/**
 * Rounds to three significant digits, without exponent notation.
 *
 * @param x - a finite number.
 * @returns e.g. `"312"`, `"41.0"`, `"0.123"`.
 */
export function sig3(x: number): string {
  if (x === 0) return '0';
  // Round first, so 0.9996 becomes 1.00 rather than 1.000.
  const r = Number(x.toPrecision(3));
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(r))));
  return r.toFixed(Math.min(digits, 6));
}

/**
 * A value with a decimal SI prefix (k, M, G, T) and three significant digits.
 *
 * @param x - a non-negative number.
 * @returns e.g. `"312 M"`, `"41.0 k"`, `"812 "` (the trailing space keeps units aligned).
 */
export function si(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  for (const [scale, p] of PREFIXES) {
    // Rounding can carry 999.6 k up to 1000 k: move to the next prefix instead.
    if (Math.abs(x) >= scale * 0.9995) return `${sig3(x / scale)} ${p}`;
  }
  return `${sig3(x)} `;
}

/**
 * Operations per second.
 *
 * @param hz - operations per second.
 * @returns e.g. `"1.23 M"`.
 */
export function formatHz(hz: number): string {
  return si(hz).trimEnd();
}

/**
 * A duration in seconds, shown in ns, µs, ms or s.
 *
 * @param seconds - a non-negative duration.
 * @returns e.g. `"812 ns"`, `"3.40 ms"`.
 */
export function formatTime(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  if (seconds === 0) return '0 s';
  if (seconds < 1e-6 * 0.9995) return `${sig3(seconds * 1e9)} ns`;
  if (seconds < 1e-3 * 0.9995) return `${sig3(seconds * 1e6)} µs`;
  if (seconds < 0.9995) return `${sig3(seconds * 1e3)} ms`;
  return `${sig3(seconds)} s`;
}

/**
 * A throughput: units per operation times operations per second. Bytes are shown as B/s with
 * decimal prefixes ("410 MB/s"); other units keep their name ("312 M elem/s").
 *
 * @param hz - operations per second.
 * @param unitsPerOp - units of work per operation.
 * @param unit - the unit's name, e.g. "elem" or "byte".
 * @returns the throughput, or the empty string when the case declares no units.
 */
export function formatThroughput(hz: number, unitsPerOp?: number, unit?: string): string {
  if (unitsPerOp === undefined || !(unitsPerOp > 0) || !(hz > 0)) return '';
  const perSecond = hz * unitsPerOp;
  const name = unit ?? 'unit';
  if (name === 'byte' || name === 'bytes' || name === 'B') return `${si(perSecond)}B/s`;
  return `${si(perSecond).trimEnd()} ${name}/s`;
}

/**
 * A size in bytes with a decimal prefix.
 *
 * @param bytes - a size in bytes.
 * @returns e.g. `"812 B"`, `"1.23 kB"`, or the empty string when undefined.
 */
export function formatBytes(bytes?: number): string {
  if (bytes === undefined) return '';
  return `${si(bytes)}B`;
}

/**
 * A relative margin of error in percent.
 *
 * @param rme - the margin, in percent.
 * @returns e.g. `"±1.2%"`.
 */
export function formatRme(rme: number): string {
  return `±${rme < 10 ? rme.toFixed(1) : rme.toFixed(0)}%`;
}

/**
 * A speed ratio.
 *
 * @param ratio - operations per second of one backend over another's.
 * @returns e.g. `"12.3×"`.
 */
export function formatRatio(ratio: number): string {
  return `${sig3(ratio)}×`;
}

/**
 * Memory size in GiB, for the machine description.
 *
 * @param bytes - total memory in bytes.
 * @returns e.g. `"7.8 GiB"`.
 */
export function formatGiB(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}
