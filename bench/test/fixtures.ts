// Synthetic figures for the formatting tests: made-up numbers, not measurements.
import type { Figure, RunResult } from '../src/figures.js';

/**
 * A figure with defaults for the fields a test does not care about.
 *
 * @param f - the fields to set.
 * @returns the figure.
 */
export function fig(f: Partial<Figure> & Pick<Figure, 'name' | 'backend' | 'hz'>): Figure {
  return {
    group: 'field',
    suite: 'field',
    params: {},
    mean: 1 / f.hz,
    rme: 1.5,
    samples: 40,
    ...f,
  };
}

/**
 * A run with the given figures on a made-up machine.
 *
 * @param figures - the figures.
 * @returns the run.
 */
export function run(figures: Figure[]): RunResult {
  return {
    date: '2026-12-03T20:00:00.000Z',
    machine: {
      cpu: 'Test CPU',
      cores: 2,
      memory: 8 * 2 ** 30,
      node: 'v20.20.2',
      os: 'Linux 6.0',
      arch: 'x64',
    },
    options: { suites: ['field'], quick: true, maxTime: 0.25 },
    figures,
    elapsed: 12.5,
  };
}
