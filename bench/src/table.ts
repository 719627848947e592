// Plain-text tables for the terminal: one table per group with every figure, and the wasm/ts
// and wasm/peer ratios on the WASM row of each operation.
import { backendOrder, formatParams, groupRows, rowRatios, type Figure } from './figures.js';
import {
  formatBytes,
  formatHz,
  formatRatio,
  formatRme,
  formatThroughput,
  formatTime,
} from './format.js';

/** The column headers of a figure table, in order. */
export const FIGURE_HEADERS = [
  'name',
  'params',
  'backend',
  'ops/s',
  'mean',
  '±rme',
  'samples',
  'throughput',
  'bytes',
  'ratio',
] as const;

/** Columns whose numbers are right-aligned. */
const RIGHT = new Set(['ops/s', 'mean', '±rme', 'samples', 'throughput', 'bytes']);

/**
 * The cells of every figure of one group, one row per backend, WASM first within an operation;
 * the ratios go on the reference row (WASM, or the TS twin when there is no WASM figure).
 *
 * @param figures - the figures of one group.
 * @returns rows of cells in `FIGURE_HEADERS` order.
 */
export function figureCells(figures: readonly Figure[]): string[][] {
  const out: string[][] = [];
  for (const rows of groupRows(figures).values()) {
    for (const row of rows) {
      const rs = rowRatios(row);
      const ratios = rs.map((r) => `${formatRatio(r.value)} vs ${r.against}`).join(', ');
      for (const b of [...row.byBackend.keys()].sort(backendOrder)) {
        const f = row.byBackend.get(b)!;
        if (f.error !== undefined) {
          out.push([f.name, formatParams(f.params), b, 'error', f.error, '', '', '', '', '']);
          continue;
        }
        out.push([
          f.name,
          formatParams(f.params),
          b,
          formatHz(f.hz),
          formatTime(f.mean),
          formatRme(f.rme),
          String(f.samples),
          formatThroughput(f.hz, f.unitsPerOp, f.unit),
          formatBytes(f.bytes),
          b === rs[0]?.of ? ratios : '',
        ]);
      }
    }
  }
  return out;
}

/**
 * Lays out a table with columns padded to their widest cell; empty trailing columns are dropped.
 *
 * @param headers - column headers.
 * @param rows - rows of cells, as many as headers.
 * @param right - headers of the right-aligned columns.
 * @returns the table as lines joined by "\n", without a trailing newline.
 */
export function layoutTable(
  headers: readonly string[],
  rows: readonly string[][],
  right: ReadonlySet<string> = RIGHT,
): string {
  const used = headers.map((_, c) => rows.some((r) => (r[c] ?? '') !== ''));
  const cols = headers.map((_, c) => c).filter((c) => used[c]);
  const width = cols.map((c) =>
    Math.max(headers[c].length, ...rows.map((r) => (r[c] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cols
      .map((c, i) => {
        const cell = cells[c] ?? '';
        return right.has(headers[c]) ? cell.padStart(width[i]) : cell.padEnd(width[i]);
      })
      .join('  ')
      .trimEnd();
  const rule = width.map((w) => '-'.repeat(w)).join('  ');
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/**
 * The terminal report: a titled table per group.
 *
 * @param figures - every figure of a run.
 * @returns the text to print.
 */
export function renderTables(figures: readonly Figure[]): string {
  const byGroup = new Map<string, Figure[]>();
  for (const f of figures) {
    const list = byGroup.get(f.group) ?? [];
    list.push(f);
    byGroup.set(f.group, list);
  }
  const parts: string[] = [];
  for (const [group, list] of byGroup) {
    parts.push(`${group}\n${layoutTable(FIGURE_HEADERS, figureCells(list))}`);
  }
  return parts.join('\n\n');
}
