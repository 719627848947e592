// The Markdown report of a run: the machine, a ratio table per group (WASM against the pure-TS
// twin and the peers), every figure, and links to the SVG charts.
import { backendOrder, formatParams, groupRows, rowRatios, type RunResult } from './figures.js';
import type { BenchBackend } from './suite.js';
import { formatGiB, formatHz, formatRatio, formatThroughput, formatTime } from './format.js';
import { FIGURE_HEADERS, figureCells, MEMORY_HEADERS, memoryCells } from './table.js';
import {
  LOAD_MEMORY_HEADERS,
  LOAD_PHASE_HEADERS,
  loadMemoryCells,
  loadPhaseCells,
} from './load-table.js';

/** A chart written next to the report. */
export interface ChartLink {
  title: string;
  /** File name relative to the report. */
  file: string;
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

/**
 * A Markdown table.
 *
 * @param headers - column headers.
 * @param rows - rows of cells.
 * @param right - indexes of right-aligned columns.
 * @returns the table lines joined by "\n".
 */
export function markdownTable(
  headers: readonly string[],
  rows: readonly string[][],
  right: ReadonlySet<number> = new Set(),
): string {
  const line = (cells: readonly string[]): string => `| ${cells.map(escapeCell).join(' | ')} |`;
  const rule = `|${headers.map((_, i) => (right.has(i) ? '---:' : '---')).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/**
 * The ratio table of one group: per operation and parameter set, each backend's ops/s, the
 * reference backend's mean time and throughput (WASM, or the TS twin in a group without WASM
 * figures), and the wasm/ts, wasm/peer (or ts/peer) ratios.
 *
 * @param figures - the figures of one group.
 * @returns the Markdown table, or the empty string when no operation has two backends.
 */
export function ratioTable(figures: RunResult['figures']): string {
  const rows = [...groupRows(figures).values()].flat();
  if (!rows.some((r) => r.byBackend.size >= 2)) return '';
  const backends = [...new Set(figures.map((f) => f.backend))].sort(backendOrder);
  const ref: BenchBackend = backends.includes('wasm') ? 'wasm' : 'ts';
  const ratioKeys: string[] = [];
  const byRow = rows.map((row) => {
    const m = new Map<string, number>();
    for (const r of rowRatios(row)) {
      const key = `${r.of}/${r.against}`;
      if (!ratioKeys.includes(key)) ratioKeys.push(key);
      m.set(key, r.value);
    }
    return m;
  });
  const headers = [
    'operation',
    'params',
    ...backends.map((b) => `${b} ops/s`),
    `${ref} mean`,
    `${ref} throughput`,
    ...ratioKeys,
  ];
  const cells = rows.map((row, i) => {
    const f = row.byBackend.get(ref);
    const ok = f !== undefined && f.error === undefined;
    return [
      row.name,
      formatParams(row.params),
      ...backends.map((b) => {
        const g = row.byBackend.get(b);
        return g === undefined ? '' : g.error !== undefined ? 'error' : formatHz(g.hz);
      }),
      ok ? formatTime(f.mean) : '',
      ok ? formatThroughput(f.hz, f.unitsPerOp, f.unit) : '',
      ...ratioKeys.map((k) => {
        const r = byRow[i].get(k);
        return r === undefined ? '' : formatRatio(r);
      }),
    ];
  });
  const right = new Set(headers.map((_, i) => i).filter((i) => i >= 2));
  return markdownTable(headers, cells, right);
}

/**
 * The whole Markdown report.
 *
 * @param result - the run.
 * @param charts - the SVG charts written beside the report, possibly none.
 * @returns the Markdown text.
 */
export function renderMarkdown(result: RunResult, charts: readonly ChartLink[] = []): string {
  const m = result.machine;
  const out: string[] = [];
  out.push('# Benchmark report', '');
  out.push(`- date: ${result.date}`);
  out.push(`- machine: ${m.cpu}, ${m.cores} cores, ${formatGiB(m.memory)}, ${m.os} ${m.arch}`);
  out.push(`- node: ${m.node}`);
  const o = result.options;
  out.push(
    `- run: suites ${o.suites.join(', ') || 'none'}; ${o.quick ? 'quick' : 'full'}; ` +
      `maxTime ${o.maxTime} s per case${o.sizes ? `; sizes ${o.sizes.join(', ')}` : ''}; ` +
      `${result.elapsed} s in all`,
  );
  if (result.load !== undefined) {
    const l = (xs: number[]): string => xs.map((x) => x.toFixed(2)).join(' / ');
    out.push(
      `- load average (1 / 5 / 15 min): ${l(result.load.start)} at the start, ` +
        `${l(result.load.end)} at the end, on ${m.cores} cores`,
    );
  }
  out.push('');
  out.push(
    'Ratios are operations per second of the WASM backend (or of the TS twin where there is no ' +
      'WASM figure) divided by those of the other backend: above 1, the first is faster.',
  );

  const groups = new Map<string, RunResult['figures']>();
  for (const f of result.figures) groups.set(f.group, [...(groups.get(f.group) ?? []), f]);
  for (const [group, figures] of groups) {
    out.push('', `## ${group}`, '');
    const ratios = ratioTable(figures);
    if (ratios !== '') out.push(ratios, '');
    const right = new Set([3, 4, 5, 6, 7, 8]);
    out.push(markdownTable(FIGURE_HEADERS, figureCells(figures), right));
  }

  const memory = result.memory ?? [];
  if (memory.length > 0) {
    out.push('', '## memory', '');
    out.push(
      'Each row is one fresh node process (`--expose-gc`): setup, one untimed run of the ' +
        'operation, a full GC, then the measured run. Heap peak and external peak are above ' +
        'the level after that GC; heap allocated counts garbage too; RSS peak is the ' +
        "process's resident high-water mark during the measured run and RSS added is that " +
        'peak minus the resident size before it.',
      '',
    );
    const right = new Set(MEMORY_HEADERS.map((_, i) => i).filter((i) => i >= 3));
    out.push(markdownTable(MEMORY_HEADERS, memoryCells(memory), right));
  }

  const loadRuns = result.loadRuns ?? [];
  if (loadRuns.length > 0) {
    out.push('', '## load', '');
    out.push(
      'Each row is one load run: a Helper and one or two Leader processes, reports sealed in ' +
        'batches to a file (generate, client work), uploaded in requests of 500, four at a ' +
        'time, with HTTP 503 answers retried after their Retry-After, aggregated by the ' +
        "Leaders' drivers, then collected with noise off and checked against the exact sum. " +
        "Reports per second are the run's reports over the phase's wall-clock time.",
      '',
    );
    out.push(
      markdownTable(LOAD_PHASE_HEADERS, loadPhaseCells(loadRuns), new Set([2, 3, 4, 5, 6, 8])),
    );
    out.push(
      '',
      'Resident memory of every process, sampled every 0.5 s from the start of the upload to ' +
        'the end of the collection: the peak (the kernel high-water mark for the aggregator ' +
        'processes), the level at 10%, 50% and 90% of that time, and at 10% and 90% of the ' +
        'upload and of the aggregation phase (flat memory: equal levels within a phase), and ' +
        'the CPU each process used while aggregating, with the share of one core.',
      '',
    );
    const right = new Set(LOAD_MEMORY_HEADERS.map((_, i) => i).filter((i) => i >= 3));
    out.push(markdownTable(LOAD_MEMORY_HEADERS, loadMemoryCells(loadRuns), right));
  }

  if (charts.length > 0) {
    out.push('', '## Charts', '');
    for (const c of charts) out.push(`![${c.title}](${c.file})`, '');
  }
  return out.join('\n').trimEnd() + '\n';
}
