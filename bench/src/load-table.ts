// The tables of the load runs, for the terminal and the Markdown report: throughput per phase,
// and the resident memory of every process (peak, and its level at 10%, 50% and 90% of the run).
import { formatParams } from './figures.js';
import { formatBytes, formatHz, formatTime } from './format.js';
import type { LoadFigure } from './load-figure.js';

/** The column headers of the phase table. */
export const LOAD_PHASE_HEADERS = [
  'run',
  'params',
  'generate',
  'upload',
  'aggregate',
  'collect',
  '503 retries',
  'exact sum',
  'time',
] as const;

/** The column headers of the memory table. */
export const LOAD_MEMORY_HEADERS = [
  'run',
  'params',
  'process',
  'RSS peak',
  'run at 10% / 50% / 90%',
  'upload at 10% → 90%',
  'aggregate at 10% → 90%',
  'aggregate CPU',
  'samples',
] as const;

function phaseCell(f: LoadFigure, name: string): string {
  const p = f.phases.find((x) => x.phase === name);
  if (p === undefined) return '';
  if (name === 'collect') return formatTime(p.seconds);
  return `${formatHz(p.reportsPerSecond)} report/s (${formatTime(p.seconds)})`;
}

/**
 * The phase rows: each phase's reports per second and seconds (collection: its seconds), the
 * 503 answers honoured, whether the collected sum was exact, and the whole run's time.
 *
 * @param figures - the load runs.
 * @returns rows of cells in `LOAD_PHASE_HEADERS` order.
 */
export function loadPhaseCells(figures: readonly LoadFigure[]): string[][] {
  return figures.map((f) => [
    f.name,
    formatParams(f.params),
    phaseCell(f, 'generate'),
    phaseCell(f, 'upload'),
    phaseCell(f, 'aggregate'),
    phaseCell(f, 'collect'),
    `${f.backPressure.retries}${f.backPressure.retries > 0 ? ` (${f.backPressure.waitedSeconds} s)` : ''}`,
    f.error !== undefined ? `error: ${f.error}` : f.exact ? 'yes' : 'no',
    formatTime(f.elapsed),
  ]);
}

/** CPU seconds of a process in the aggregate phase, and the share of one core that is. */
function cpuCell(f: LoadFigure, cpu: number | undefined): string {
  const seconds = f.phases.find((x) => x.phase === 'aggregate')?.seconds;
  if (cpu === undefined || seconds === undefined || !(seconds > 0)) return '';
  return `${cpu.toFixed(1)} s (${Math.round((cpu / seconds) * 100)}%)`;
}

/**
 * The memory rows: one per process of each run, with its peak, its level at 10%, 50% and 90%
 * of the run, within the upload and the aggregation phases at 10% and 90% of each, and the CPU
 * it used during aggregation (seconds, and percent of one core over the phase).
 *
 * @param figures - the load runs.
 * @returns rows of cells in `LOAD_MEMORY_HEADERS` order.
 */
export function loadMemoryCells(figures: readonly LoadFigure[]): string[][] {
  const out: string[][] = [];
  for (const f of figures) {
    for (const p of f.processes) {
      const during = (name: string): string => {
        const m = p.phases.find((x) => x.phase === name);
        return m === undefined ? '' : `${formatBytes(m.rssAt10)} → ${formatBytes(m.rssAt90)}`;
      };
      out.push([
        f.name,
        formatParams(f.params),
        p.role,
        formatBytes(p.rssPeak),
        [p.rssAt10, p.rssAt50, p.rssAt90].map((b) => formatBytes(b)).join(' / '),
        during('upload'),
        during('aggregate'),
        cpuCell(f, p.phases.find((x) => x.phase === 'aggregate')?.cpuSeconds),
        String(p.samples),
      ]);
    }
  }
  return out;
}
