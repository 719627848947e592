// Tests of the SVG chart generator on synthetic Prio3 figures.
import { describe, expect, it } from 'vitest';
import { logTicks, prio3Charts, renderChart, slugify } from '../src/svg.js';
import { fig } from './fixtures.js';

const shard = [10, 100, 1000].flatMap((length) => [
  fig({
    name: 'Prio3Histogram shard',
    group: 'prio3',
    backend: 'ts',
    hz: 1e5 / length,
    params: { length },
  }),
  fig({
    name: 'Prio3Histogram shard',
    group: 'prio3',
    backend: 'wasm',
    hz: 1e6 / length,
    params: { length },
  }),
]);

describe('prio3Charts', () => {
  it('makes one chart per operation with one series per backend, WASM first', () => {
    const charts = prio3Charts(shard);
    expect(charts).toHaveLength(1);
    expect(charts[0].slug).toBe('prio3histogram-shard');
    expect(charts[0].series.map((s) => s.label)).toEqual(['wasm', 'ts']);
    expect(charts[0].series[0].points.map((p) => p.x)).toEqual([10, 100, 1000]);
    expect(charts[0].series[0].points[0].y).toBeCloseTo(1e-5, 12);
  });

  it('keeps other parameters in the series label', () => {
    const charts = prio3Charts(
      [10, 100].map((length) =>
        fig({ name: 'op', group: 'prio3', backend: 'wasm', hz: 1, params: { length, proofs: 2 } }),
      ),
    );
    expect(charts[0].series[0].label).toBe('wasm proofs=2');
  });

  it('skips groups other than prio3, cases without length, single points and errors', () => {
    expect(prio3Charts([])).toEqual([]);
    expect(prio3Charts(shard.map((f) => ({ ...f, group: 'field' })))).toEqual([]);
    expect(prio3Charts([fig({ name: 'op', group: 'prio3', backend: 'wasm', hz: 1 })])).toEqual([]);
    expect(prio3Charts(shard.slice(0, 2))).toEqual([]);
    expect(prio3Charts(shard.map((f) => ({ ...f, error: 'boom' })))).toEqual([]);
    expect(
      prio3Charts([
        { ...shard[0], params: { length: 'x' } },
        { ...shard[2], params: { length: 'y' } },
      ]),
    ).toEqual([]);
  });
});

describe('renderChart', () => {
  it('draws a polyline per series inside the plot, with legend and axis labels', () => {
    const svg = renderChart(prio3Charts(shard)[0]);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const lines = [...svg.matchAll(/<polyline [^>]*points="([^"]+)"/g)].map((m) => m[1]);
    expect(lines).toHaveLength(2);
    for (const pts of lines) {
      const xy = pts.split(' ').map((p) => p.split(',').map(Number));
      expect(xy).toHaveLength(3);
      for (const [x, y] of xy) {
        expect(x).toBeGreaterThanOrEqual(72);
        expect(x).toBeLessThanOrEqual(640 - 150);
        expect(y).toBeGreaterThanOrEqual(36);
        expect(y).toBeLessThanOrEqual(400 - 48);
      }
      // Cost grows with length: y (downwards on screen) decreases from left to right.
      expect(xy[0][1]).toBeGreaterThan(xy[2][1]);
    }
    expect(svg).toContain('>wasm</text>');
    expect(svg).toContain('>ts</text>');
    expect(svg).toContain('>1k</text>');
    expect(svg).toContain('>10.0 µs</text>');
  });

  it('escapes XML in titles and labels', () => {
    const chart = {
      title: 'a<b & "c"',
      slug: 'x',
      series: [{ label: '<x>', backend: 'wasm' as const, points: [{ x: 1, y: 1 }] }],
    };
    const svg = renderChart(chart);
    expect(svg).toContain('a&lt;b &amp; &quot;c&quot;');
    expect(svg).toContain('&lt;x&gt;');
    expect(svg).not.toContain('<x>');
  });

  it('rejects charts without points or with non-positive values', () => {
    expect(() => renderChart({ title: 't', slug: 't', series: [] })).toThrow(RangeError);
    expect(() =>
      renderChart({
        title: 't',
        slug: 't',
        series: [{ label: 'a', backend: 'ts', points: [{ x: 0, y: 1 }] }],
      }),
    ).toThrow(RangeError);
  });
});

describe('helpers', () => {
  it('places log ticks around the data', () => {
    expect(logTicks(10, 1000)).toEqual([10, 20, 50, 100, 200, 500, 1000]);
    expect(logTicks(3, 40)).toEqual([2, 5, 10, 20, 50]);
    expect(logTicks(16, 1024)).toEqual([10, 20, 50, 100, 200, 500, 1000, 2000]);
    expect(logTicks(1, 1e6)).toEqual([1, 10, 100, 1000, 1e4, 1e5, 1e6]);
    expect(logTicks(1.5e-6, 1.2e-3)).toEqual([1e-6, 1e-5, 1e-4, 1e-3, 1e-2]);
  });

  it('slugifies names', () => {
    expect(slugify('Prio3 SumVec (multiproof) shard')).toBe('prio3-sumvec-multiproof-shard');
  });
});
