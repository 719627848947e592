// An SVG chart per load run: the resident memory of each process over the run, linear axes,
// so that flat memory shows as flat lines (written by hand, as the Prio3 charts are).
import { formatParams } from './figures.js';
import type { LoadFigure } from './load-figure.js';
import { slugify } from './svg.js';

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#d62728'];
const WIDTH = 640;
const HEIGHT = 360;
const MARGIN = { left: 64, right: 110, top: 36, bottom: 44 };

/**
 * Ticks of a linear axis from 0 to at least `max`: 1, 2 or 5 times a power of ten apart,
 * about five of them.
 *
 * @param max - the largest value, at least 0.
 * @returns increasing tick values, the first 0 and the last at or above `max`.
 */
export function linearTicks(max: number): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / 5;
  const pow = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= rough) ?? 10 * pow;
  const ticks: number[] = [];
  for (let t = 0; t < max + step; t += step) {
    ticks.push(Number(t.toPrecision(12)));
    if (t >= max) break;
  }
  return ticks;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** File-name friendly name of a run's chart, e.g. "load-postgres-2-leaders-concurrent". */
export function loadChartSlug(f: LoadFigure): string {
  return slugify(`load ${f.params.store} ${f.params.leaders} leaders ${f.params.mode ?? ''}`);
}

/**
 * Renders the RSS of every process of a run over time, from the samples in its figure.
 *
 * @param f - a load run.
 * @returns the SVG text, or undefined when no process has two samples.
 */
export function renderRssChart(f: LoadFigure): string | undefined {
  const lines = f.processes.filter((p) => p.series.length >= 2);
  if (lines.length === 0) return undefined;
  const mb = (b: number): number => b / 1e6;
  const xTicks = linearTicks(Math.max(...lines.flatMap((p) => p.series.map(([t]) => t))));
  const yTicks = linearTicks(Math.max(...lines.flatMap((p) => p.series.map(([, b]) => mb(b)))));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const xMax = xTicks[xTicks.length - 1];
  const yMax = yTicks[yTicks.length - 1];
  const px = (t: number): string => (MARGIN.left + (t / xMax) * plotW).toFixed(1);
  const py = (v: number): string => (MARGIN.top + plotH - (v / yMax) * plotH).toFixed(1);

  const title = `${f.name} ${formatParams(f.params)}: RSS per process`;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="12">${escapeXml(title)}</text>`,
  ];
  for (const t of xTicks) {
    out.push(
      `<line x1="${px(t)}" y1="${MARGIN.top}" x2="${px(t)}" y2="${MARGIN.top + plotH}" stroke="#ddd"/>`,
      `<text x="${px(t)}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${t}</text>`,
    );
  }
  for (const v of yTicks) {
    out.push(
      `<line x1="${MARGIN.left}" y1="${py(v)}" x2="${MARGIN.left + plotW}" y2="${py(v)}" stroke="#ddd"/>`,
      `<text x="${MARGIN.left - 6}" y="${py(v)}" text-anchor="end" dominant-baseline="middle">${v} MB</text>`,
    );
  }
  out.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 8}" text-anchor="middle">seconds since the first upload</text>`,
  );
  lines.forEach((p, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = p.series.map(([t, b]) => `${px(t)},${py(mb(b))}`).join(' ');
    const ly = MARGIN.top + 8 + i * 18;
    const lx = MARGIN.left + plotW + 12;
    out.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts}"/>`,
      `<line x1="${lx}" y1="${ly}" x2="${lx + 18}" y2="${ly}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${lx + 24}" y="${ly}" dominant-baseline="middle">${escapeXml(p.role)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
