// Memory measurement of one operation in the current process: peak resident set size (Linux
// high-water mark, reset just before the operation), peak and allocated V8 heap (from the heap
// statistics V8 records around every garbage collection), and peak external memory.
import { readFileSync, writeFileSync } from 'node:fs';
import { GCProfiler, getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** What one run of an operation cost in memory; every size is in bytes. */
export interface MemoryMeasurement {
  /** Resident set size after the warm-up run and a full GC. */
  rssBase: number;
  /** Peak resident set size while the operation ran. */
  rssPeak: number;
  /** True when `rssPeak` covers the operation alone, false when the whole process so far. */
  rssExact: boolean;
  /** V8 heap in use after the warm-up run and a full GC. */
  heapBase: number;
  /** Peak V8 heap in use during the operation, above `heapBase`. */
  heapPeak: number;
  /** Bytes allocated on the V8 heap during the operation, garbage included. */
  heapAllocated: number;
  /** Peak external memory (ArrayBuffer backing stores and the like) above its base. */
  externalPeak: number;
  /** Garbage collections during the operation. */
  gcs: number;
  /** Wall-clock seconds of the measured run. */
  seconds: number;
}

/**
 * A function running a full garbage collection: `globalThis.gc` when node runs with
 * `--expose-gc`, otherwise one obtained by turning that V8 flag on at run time.
 *
 * @returns the collector.
 */
export function fullGc(): () => void {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return exposed as () => void;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/**
 * Resets the process's peak resident set size to its current size (Linux: writing 5 to
 * /proc/self/clear_refs), so that the next reading is the peak of what runs in between.
 *
 * @returns true when the reset worked, false where it is not available.
 */
export function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return readPeakRss() !== undefined;
  } catch {
    return false;
  }
}

/**
 * The process's peak resident set size since start or the last reset (Linux `VmHWM`).
 *
 * @returns bytes, or undefined where /proc/self/status is not available.
 */
export function readPeakRss(): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m === null ? undefined : Number(m[1]) * 1024;
  } catch {
    return undefined;
  }
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return (
    (typeof x === 'object' || typeof x === 'function') &&
    x !== null &&
    typeof (x as { then?: unknown }).then === 'function'
  );
}

async function call(op: () => unknown): Promise<void> {
  const r = op();
  if (isThenable(r)) await r;
}

/**
 * Measures the memory one run of an operation uses. The operation runs once untimed (so that
 * compiled code, lazily built tables and grown WASM memory count in the baseline, as in a
 * process that has done this before), then a full GC, then the measured run.
 *
 * The heap peak is exact up to V8's own accounting: between collections the heap only grows,
 * so its peak is the largest of the sizes recorded just before each collection and the size
 * at the end. Allocation is the growth between those points summed, so it counts garbage too.
 *
 * @param op - the operation; a returned promise is awaited.
 * @param options - `warmup: false` to measure the very first run.
 * @returns the measurement.
 * @throws whatever the operation throws.
 * @example
 * const m = await measureOperation(() => new Float64Array(1 << 20).fill(1));
 * m.externalPeak; // about 8 MB
 */
export async function measureOperation(
  op: () => unknown,
  options: { warmup?: boolean } = {},
): Promise<MemoryMeasurement> {
  const gc = fullGc();
  if (options.warmup !== false) await call(op);
  gc();
  gc();
  const before = getHeapStatistics();
  const rssBase = process.memoryUsage.rss();
  const rssExact = resetPeakRss();
  const profiler = new GCProfiler();
  profiler.start();

  const t0 = performance.now();
  await call(op);
  const seconds = (performance.now() - t0) / 1000;

  const after = getHeapStatistics();
  const recorded = profiler.stop()?.statistics ?? [];
  const rssPeak = rssExact ? readPeakRss()! : process.resourceUsage().maxRSS * 1024;

  let heapTop = after.used_heap_size;
  let externalTop = after.external_memory;
  let heapAllocated = after.used_heap_size - before.used_heap_size;
  for (const s of recorded) {
    const b = s.beforeGC.heapStatistics;
    const a = s.afterGC.heapStatistics;
    heapTop = Math.max(heapTop, b.usedHeapSize);
    externalTop = Math.max(externalTop, b.externalMemory);
    heapAllocated += Math.max(0, b.usedHeapSize - a.usedHeapSize);
  }
  return {
    rssBase,
    rssPeak: Math.max(rssPeak, rssBase),
    rssExact,
    heapBase: before.used_heap_size,
    heapPeak: Math.max(0, heapTop - before.used_heap_size),
    heapAllocated: Math.max(0, heapAllocated),
    externalPeak: Math.max(0, externalTop - before.external_memory),
    gcs: recorded.length,
    seconds,
  };
}
