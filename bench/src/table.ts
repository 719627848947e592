// Plain-text tables for the terminal: one table per group with every figure, and the wasm/ts
// and wasm/peer ratios on the WASM row of each operation.
import {
  backendOrder,
  formatParams,
  groupRows,
  rowRatios,
  type Figure,
  type MemoryFigure,
} from './figures.js';
import {
  formatBytes,
  formatHz,
  formatRatio,
  formatRme,
  formatThroughput,
  formatTime,
} from './format.js';
import type { LoadFigure } from './load-figure.js';
import {
  LOAD_MEMORY_HEADERS,
  LOAD_PHASE_HEADERS,
  loadMemoryCells,
  loadPhaseCells,
} from './load-table.js';

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

/** The column headers of a memory table, in order. */
export const MEMORY_HEADERS = [
  'name',
  'params',
  'backend',
  'heap peak',
  'heap allocated',
  'external peak',
  'RSS base',
  'RSS peak',
  'RSS added',
  'GCs',
  'time',
] as const;

/** Columns whose numbers are right-aligned. */
const RIGHT = new Set([
  'ops/s',
  'mean',
  '±rme',
  'samples',
  'throughput',
  'bytes',
  ...MEMORY_HEADERS.slice(3),
]);

/**
 * The cells of memory figures, one row per figure, the backends of an operation together
 * (WASM first). A peak RSS that covers the whole process rather than the operation alone
 * (where the high-water mark cannot be reset) is marked "(process)" and adds nothing.
 *
 * @param figures - memory figures.
 * @returns rows of cells in `MEMORY_HEADERS` order.
 */
export function memoryCells(figures: readonly MemoryFigure[]): string[][] {
  const order = new Map<string, number>();
  for (const f of figures) {
    const key = `${f.group}\u0000${f.name}\u0000${formatParams(f.params)}`;
    if (!order.has(key)) order.set(key, order.size);
  }
  const rank = (f: MemoryFigure): number =>
    order.get(`${f.group}\u0000${f.name}\u0000${formatParams(f.params)}`)!;
  const sorted = [...figures].sort(
    (a, b) => rank(a) - rank(b) || backendOrder(a.backend, b.backend),
  );
  return sorted.map((f) => {
    const head = [f.name, formatParams(f.params), f.backend];
    if (f.error !== undefined) return [...head, 'error', f.error, '', '', '', '', '', ''];
    return [
      ...head,
      formatBytes(f.heapPeak),
      formatBytes(f.heapAllocated),
      formatBytes(f.externalPeak),
      formatBytes(f.rssBase),
      `${formatBytes(f.rssPeak)}${f.rssExact ? '' : ' (process)'}`,
      f.rssExact ? formatBytes(f.rssPeak - f.rssBase) : '',
      String(f.gcs),
      formatTime(f.seconds),
    ];
  });
}

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

/** Right-aligned columns of the load tables. */
const LOAD_RIGHT = new Set<string>([
  ...LOAD_PHASE_HEADERS.slice(2, 7),
  'time',
  ...LOAD_MEMORY_HEADERS.slice(3),
]);

/**
 * The terminal report: a titled table per group, then the memory table, then the load runs.
 *
 * @param figures - every timing figure of a run.
 * @param memory - every memory figure of the run, possibly none.
 * @param loadRuns - every load run, possibly none.
 * @returns the text to print.
 */
export function renderTables(
  figures: readonly Figure[],
  memory: readonly MemoryFigure[] = [],
  loadRuns: readonly LoadFigure[] = [],
): string {
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
  if (memory.length > 0) {
    parts.push(
      `memory (one fresh process per row)\n${layoutTable(MEMORY_HEADERS, memoryCells(memory))}`,
    );
  }
  if (loadRuns.length > 0) {
    parts.push(
      `load runs\n${layoutTable(LOAD_PHASE_HEADERS, loadPhaseCells(loadRuns), LOAD_RIGHT)}`,
      `load runs: resident memory per process\n` +
        layoutTable(LOAD_MEMORY_HEADERS, loadMemoryCells(loadRuns), LOAD_RIGHT),
    );
  }
  return parts.join('\n\n');
}
