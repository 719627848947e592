// A small SVG line chart, written by hand: the cost of one Prio3 operation versus the
// histogram length, one line per backend, both axes logarithmic.
import { backendOrder, formatParams, type Figure } from './figures.js';
import type { BenchBackend } from './suite.js';
import { formatTime } from './format.js';

/** One line of a chart: points sorted by x. */
export interface Series {
  label: string;
  backend: BenchBackend;
  points: Array<{ x: number; y: number }>;
}

/** A chart: one Prio3 operation, one series per backend (and other parameter set). */
export interface Chart {
  title: string;
  /** A file-name friendly form of the title. */
  slug: string;
  series: Series[];
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#d62728', '#8c564b', '#e377c2'];
const WIDTH = 640;
const HEIGHT = 400;
const MARGIN = { left: 72, right: 150, top: 36, bottom: 48 };

/**
 * The charts of a run: for every operation of the "prio3" group measured at two or more numeric
 * `length` values, one series per backend (and per set of other parameters).
 *
 * @param figures - every figure of a run.
 * @returns the charts, possibly none.
 */
export function prio3Charts(figures: readonly Figure[]): Chart[] {
  const byName = new Map<string, Map<string, Series>>();
  for (const f of figures) {
    if (f.group !== 'prio3' || f.error !== undefined || !(f.mean > 0)) continue;
    const length = Number(f.params.length);
    if (!Number.isFinite(length) || length <= 0) continue;
    const rest = Object.fromEntries(Object.entries(f.params).filter(([k]) => k !== 'length'));
    const label = [f.backend, formatParams(rest)].filter((s) => s !== '').join(' ');
    const series = byName.get(f.name) ?? new Map<string, Series>();
    byName.set(f.name, series);
    const s = series.get(label) ?? { label, backend: f.backend, points: [] };
    series.set(label, s);
    s.points.push({ x: length, y: f.mean });
  }
  const charts: Chart[] = [];
  for (const [name, series] of byName) {
    const lines = [...series.values()].filter((s) => s.points.length >= 2);
    if (lines.length === 0) continue;
    for (const s of lines) s.points.sort((a, b) => a.x - b.x);
    lines.sort((a, b) => backendOrder(a.backend, b.backend) || cmp(a.label, b.label));
    charts.push({
      title: `${name}: time per operation vs length`,
      slug: slugify(name),
      series: lines,
    });
  }
  return charts;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A lowercase file-name friendly form of a name.
 *
 * @param name - e.g. "Prio3Histogram shard".
 * @returns e.g. "prio3histogram-shard".
 */
export function slugify(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * Tick values of a logarithmic axis covering [min, max]: powers of ten, with 2 and 5 between
 * them when the range spans three decades or less.
 *
 * @param min - smallest value, positive.
 * @param max - largest value, at least `min`.
 * @returns tick values in increasing order, including one at or below `min` and one at or
 *   above `max`.
 */
export function logTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(min) + 1e-9);
  const hi = Math.ceil(Math.log10(max) - 1e-9);
  const steps = hi - lo <= 3 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let e = lo; e <= hi; e++) {
    // Parse from decimal text so that 1e-5 is exactly the double nearest 0.00001.
    for (const m of steps) ticks.push(Number(`${m}e${e}`));
  }
  // Keep one tick on each side of the data and nothing further out.
  const below = ticks.filter((t) => t <= min * (1 + 1e-9));
  const above = ticks.filter((t) => t >= max * (1 - 1e-9));
  const first = below.length > 0 ? below[below.length - 1] : ticks[0];
  const last = above.length > 0 ? above[0] : ticks[ticks.length - 1];
  return ticks.filter((t) => t >= first && t <= last);
}

function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function num(x: number): string {
  return x.toFixed(1);
}

function formatCount(x: number): string {
  if (x >= 1e6 && x % 1e6 === 0) return `${x / 1e6}M`;
  if (x >= 1e3 && x % 1e3 === 0) return `${x / 1e3}k`;
  return String(x);
}

/**
 * Renders a chart as a standalone SVG document: log-log axes, a polyline with markers per
 * series and a legend on the right.
 *
 * @param chart - the chart; every series has at least one point with positive x and y.
 * @returns the SVG text.
 * @throws {RangeError} when the chart has no points or a point is not positive.
 */
export function renderChart(chart: Chart): string {
  const all = chart.series.flatMap((s) => s.points);
  if (all.length === 0) throw new RangeError('chart: expected at least one point, received 0');
  if (all.some((p) => !(p.x > 0) || !(p.y > 0))) {
    throw new RangeError('chart: expected positive x and y on a logarithmic axis');
  }
  const xs = all.map((p) => p.x);
  const ys = all.map((p) => p.y);
  const xTicks = logTicks(Math.min(...xs), Math.max(...xs));
  const yTicks = logTicks(Math.min(...ys), Math.max(...ys));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const scale = (lo: number, hi: number, size: number) => (v: number) =>
    hi === lo
      ? size / 2
      : ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * size;
  const sx = scale(xTicks[0], xTicks[xTicks.length - 1], plotW);
  const sy = scale(yTicks[0], yTicks[yTicks.length - 1], plotH);
  const px = (x: number): number => MARGIN.left + sx(x);
  const py = (y: number): number => MARGIN.top + plotH - sy(y);

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="11">`,
  );
  out.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`);
  out.push(
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="13">${escapeXml(chart.title)}</text>`,
  );

  // Grid and tick labels.
  for (const t of xTicks) {
    const x = num(px(t));
    out.push(
      `<line x1="${x}" y1="${MARGIN.top}" x2="${x}" y2="${MARGIN.top + plotH}" stroke="#ddd"/>`,
    );
    out.push(
      `<text x="${x}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${formatCount(t)}</text>`,
    );
  }
  for (const t of yTicks) {
    const y = num(py(t));
    out.push(
      `<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + plotW}" y2="${y}" stroke="#ddd"/>`,
    );
    out.push(
      `<text x="${MARGIN.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeXml(formatTime(t))}</text>`,
    );
  }
  out.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`,
  );
  out.push(
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 10}" text-anchor="middle">length (log scale)</text>`,
  );
  out.push(
    `<text transform="translate(14 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">time per operation (log scale)</text>`,
  );

  // One polyline with point markers per series, and its legend entry.
  chart.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = s.points.map((p) => `${num(px(p.x))},${num(py(p.y))}`).join(' ');
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts}"/>`);
    for (const p of s.points) {
      out.push(`<circle cx="${num(px(p.x))}" cy="${num(py(p.y))}" r="3" fill="${color}"/>`);
    }
    const ly = MARGIN.top + 8 + i * 18;
    const lx = MARGIN.left + plotW + 12;
    out.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 18}" y2="${ly}" stroke="${color}" stroke-width="2"/>`,
    );
    out.push(
      `<text x="${lx + 24}" y="${ly}" dominant-baseline="middle">${escapeXml(s.label)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
