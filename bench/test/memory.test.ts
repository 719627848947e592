// Tests of the in-process memory measurement: what it reports for operations whose memory use
// is known by construction (buffers and objects of a given size), and how it calls the
// operation. Sizes are asserted as lower bounds only; no timing is asserted.
import { describe, expect, it } from 'vitest';
import { fullGc, measureOperation, readPeakRss, resetPeakRss } from '../src/memory.js';

const MB = 1 << 20;

describe('measureOperation', () => {
  it('sees an 8 MiB buffer as external memory and, where it can, as resident memory', async () => {
    const m = await measureOperation(() => new Float64Array(MB).fill(1));
    expect(m.externalPeak).toBeGreaterThanOrEqual(8 * MB);
    expect(m.rssPeak).toBeGreaterThanOrEqual(m.rssBase);
    // The pages were written, so they were resident: the operation's own peak shows them.
    if (m.rssExact) expect(m.rssPeak - m.rssBase).toBeGreaterThanOrEqual(7 * MB);
  });

  it('counts heap allocation, garbage included, and the peak above the base', async () => {
    const m = await measureOperation(() => {
      let keep: number[][] = [];
      // About 40 MB of small arrays, dropped in batches: most of it is garbage by the end.
      for (let i = 0; i < 100_000; i++) {
        keep.push([i, i + 1, i + 2, i + 3, i + 4, i + 5, i + 6, i + 7, i + 8, i + 9]);
        if (keep.length === 10_000) keep = [];
      }
      return keep.length;
    });
    expect(m.heapAllocated).toBeGreaterThanOrEqual(10 * MB);
    expect(m.heapPeak).toBeGreaterThan(0);
    expect(m.heapPeak).toBeLessThanOrEqual(m.heapAllocated);
    expect(m.heapBase).toBeGreaterThan(0);
    expect(m.gcs).toBeGreaterThan(0);
  });

  it('reports little for an operation that allocates nothing', async () => {
    let x = 0;
    const m = await measureOperation(() => {
      for (let i = 0; i < 1000; i++) x += i;
    });
    expect(x).toBeGreaterThan(0);
    expect(m.externalPeak).toBeLessThan(MB);
    expect(m.heapPeak).toBeLessThan(MB);
  });

  it('runs the operation twice (warm-up, then measured), or once without warm-up', async () => {
    let calls = 0;
    await measureOperation(() => calls++);
    expect(calls).toBe(2);
    await measureOperation(() => calls++, { warmup: false });
    expect(calls).toBe(3);
  });

  it('awaits a promise, so memory allocated after it yields still counts', async () => {
    const m = await measureOperation(async () => {
      await new Promise((r) => setTimeout(r, 1));
      return new Uint8Array(4 * MB).fill(7);
    });
    expect(m.externalPeak).toBeGreaterThanOrEqual(4 * MB);
    expect(m.seconds).toBeGreaterThan(0);
  });

  it('passes on what the operation throws', async () => {
    await expect(
      measureOperation(() => {
        throw new RangeError('boom');
      }),
    ).rejects.toThrow('boom');
  });
});

describe('helpers', () => {
  it('fullGc returns a working collector with or without --expose-gc', () => {
    const gc = fullGc();
    expect(typeof gc).toBe('function');
    expect(() => gc()).not.toThrow();
  });

  it('the peak RSS, where readable, is at least the current RSS after a reset', () => {
    const peak = readPeakRss();
    if (peak === undefined) {
      expect(resetPeakRss()).toBe(false);
      return;
    }
    expect(resetPeakRss()).toBe(true);
    expect(readPeakRss()!).toBeGreaterThanOrEqual(process.memoryUsage.rss() * 0.9);
  });
});
