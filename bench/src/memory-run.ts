// Runs the memory cases of the chosen suites, each in a fresh node process (so that one
// case's garbage, compiled code and grown WASM memory never count in another's), and turns the
// children's answers into MemoryFigures.
import { spawn } from 'node:child_process';
import type { MemoryFigure } from './figures.js';
import type { MemoryMeasurement } from './memory.js';
import { RESULT_MARK } from './memory-child.js';
import { runInOrder, type Progress } from './run.js';
import type { MemoryCase, SuiteOptions } from './suite.js';

/** A memory case with where it comes from, so that a child process can find it again. */
export interface QueuedMemoryCase {
  suite: string;
  /** URL of the bundled suite module. */
  module: string;
  /** Position of the case in the suite's `memory(options)` list. */
  index: number;
  case: MemoryCase;
}

/** How to run the children. */
export interface ChildSettings {
  /** Path of the bundled child entry point (dist/memory-child.js). */
  script: string;
  /** The options every suite is asked with, in the parent and in each child. */
  options: SuiteOptions;
  /** Milliseconds before a child is killed and its case reported as failed. */
  timeoutMs: number;
}

/**
 * Reads a child's answer: the last marked line of its stdout.
 *
 * @param stdout - everything the child printed on stdout.
 * @returns the measurement, or `{ error }` when the child reported one or printed nothing
 *   usable.
 */
export function parseChildOutput(stdout: string): MemoryMeasurement | { error: string } {
  const lines = stdout.split('\n').filter((l) => l.startsWith(RESULT_MARK));
  if (lines.length === 0) return { error: 'no result from the child process' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(lines[lines.length - 1].slice(RESULT_MARK.length));
  } catch {
    return { error: 'malformed result from the child process' };
  }
  if (typeof parsed !== 'object' || parsed === null) {
    return { error: 'malformed result from the child process' };
  }
  const p = parsed as Partial<MemoryMeasurement> & { error?: unknown };
  if (typeof p.error === 'string') return { error: p.error };
  const numbers = [
    'rssBase',
    'rssPeak',
    'heapBase',
    'heapPeak',
    'heapAllocated',
    'externalPeak',
    'gcs',
    'seconds',
  ] as const;
  if (
    numbers.some((k) => typeof p[k] !== 'number' || !Number.isFinite(p[k])) ||
    typeof p.rssExact !== 'boolean'
  ) {
    return { error: 'malformed result from the child process' };
  }
  return p as MemoryMeasurement;
}

function lastLine(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return lines.length === 0 ? '' : lines[lines.length - 1].trim().slice(0, 300);
}

/**
 * Measures one memory case in a fresh node process started with `--expose-gc`.
 *
 * @param q - the case.
 * @param settings - the child script, suite options and timeout.
 * @returns its figure; a case that fails, crashes or times out has `error` set.
 */
export function measureInChild(
  q: QueuedMemoryCase,
  settings: ChildSettings,
): Promise<MemoryFigure> {
  const t0 = performance.now();
  const args = [
    '--expose-gc',
    settings.script,
    q.module,
    String(q.index),
    q.case.name,
    JSON.stringify(settings.options),
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, settings.timeoutMs);
    const done = (exit: string | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      let r = parseChildOutput(stdout);
      if (timedOut) r = { error: `timed out after ${settings.timeoutMs / 1000} s` };
      else if ('error' in r && r.error === 'no result from the child process') {
        r = { error: `child ${exit ?? 'failed'}${stderr ? `: ${lastLine(stderr)}` : ''}` };
      }
      resolve(memoryFigure(q, r, Math.round(performance.now() - t0) / 1000));
    };
    child.on('error', (e) => done(`did not start (${e.message})`));
    child.on('close', (code, signal) =>
      done(signal !== null ? `killed by ${signal}` : `exited with ${code}`),
    );
  });
}

/**
 * A figure from a child's answer.
 *
 * @param q - the case.
 * @param r - the measurement or the error.
 * @param elapsed - wall-clock seconds of the child.
 * @returns the figure, zeros and `error` when there is no measurement.
 */
export function memoryFigure(
  q: QueuedMemoryCase,
  r: MemoryMeasurement | { error: string },
  elapsed: number,
): MemoryFigure {
  const base = {
    name: q.case.name,
    group: q.case.group,
    suite: q.suite,
    backend: q.case.backend,
    params: q.case.params ?? {},
  };
  if ('error' in r) {
    return {
      ...base,
      rssBase: 0,
      rssPeak: 0,
      rssExact: false,
      heapBase: 0,
      heapPeak: 0,
      heapAllocated: 0,
      externalPeak: 0,
      gcs: 0,
      seconds: 0,
      error: r.error,
      elapsed,
    };
  }
  return { ...base, ...r, elapsed };
}

/**
 * Measures every memory case in order, one child process at a time.
 *
 * @param cases - the cases.
 * @param settings - the child script, suite options and timeout.
 * @param progress - where progress goes.
 * @returns one figure per case, in order.
 */
export function runMemoryCases(
  cases: readonly QueuedMemoryCase[],
  settings: ChildSettings,
  progress: Progress,
): Promise<MemoryFigure[]> {
  return runInOrder(cases, 'memory ', progress, (q) => measureInChild(q, settings));
}
