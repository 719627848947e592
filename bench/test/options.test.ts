// Tests of the command-line options and of the timing chosen per mode.
import { describe, expect, it } from 'vitest';
import { BenchError, dropSeparators, envArgs, parseOptions } from '../src/options.js';
import { chooseTiming } from '../src/run.js';

describe('parseOptions', () => {
  it('has defaults', () => {
    expect(parseOptions([])).toEqual({
      suites: undefined,
      sizes: undefined,
      quick: false,
      out: undefined,
      name: undefined,
      jsonOnly: false,
      maxTime: undefined,
      list: false,
      help: false,
    });
  });

  it('reads lists, repeated or comma-separated', () => {
    const o = parseOptions(['--suite', 'field,xof', '--suite', 'prio3', '--sizes', '16, 256']);
    expect(o.suites).toEqual(['field', 'xof', 'prio3']);
    expect(o.sizes).toEqual([16, 256]);
  });

  it('reads flags and values', () => {
    const o = parseOptions(['--quick', '--json-only', '--out', '/tmp/x', '--max-time', '0.5']);
    expect([o.quick, o.jsonOnly, o.out, o.maxTime]).toEqual([true, true, '/tmp/x', 0.5]);
    expect(parseOptions(['-h']).help).toBe(true);
  });

  it('reads a plain base name for the files and refuses paths and "latest"', () => {
    expect(parseOptions(['--name', 'readme-reference']).name).toBe('readme-reference');
    expect(parseOptions(['--name', 'run_2.b']).name).toBe('run_2.b');
    for (const bad of ['../x', 'a/b', '.hidden', '', 'latest', 'a b']) {
      expect(() => parseOptions(['--name', bad])).toThrow(BenchError);
    }
  });

  it.each([
    [['--bogus']],
    [['positional']],
    [['--sizes', '0']],
    [['--sizes', '16,abc']],
    [['--sizes', '1.5']],
    [['--max-time', '-1']],
    [['--max-time', 'soon']],
    [['--out']],
  ])('rejects %j with a usage error', (argv) => {
    let caught: unknown;
    try {
      parseOptions(argv);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(BenchError);
    expect((caught as BenchError).code).toBe('usage');
  });

  it('splits BENCH_ARGS on white space', () => {
    expect(envArgs(undefined)).toEqual([]);
    expect(envArgs('  --quick   --suite field ')).toEqual(['--quick', '--suite', 'field']);
  });
});

describe('chooseTiming', () => {
  it('uses 1 s per case in a full run and the asked time when given', () => {
    expect(chooseTiming(false, 500)).toEqual({ maxTime: 1, minSamples: 5 });
    expect(chooseTiming(true, 10, 2)).toEqual({
      maxTime: 2,
      minSamples: 3,
      minTime: 0.02,
      delay: 0,
    });
    expect(chooseTiming(false, 10, 2)).toEqual({
      maxTime: 2,
      minSamples: 5,
      minTime: undefined,
      delay: undefined,
    });
  });

  it('shares a 20 s budget in quick mode, within 0.02 s and 0.15 s per case', () => {
    expect(chooseTiming(true, 10).maxTime).toBe(0.15);
    expect(chooseTiming(true, 200).maxTime).toBeCloseTo(0.1, 12);
    expect(chooseTiming(true, 100_000).maxTime).toBe(0.02);
    expect(chooseTiming(true, 0).maxTime).toBe(0.15);
    expect(chooseTiming(true, 10).delay).toBe(0);
  });
});

describe('dropSeparators', () => {
  it('drops the bare -- that npm and turbo pass on, and nothing else', () => {
    expect(dropSeparators(['--', '--quick', '--', '--suite', 'x'])).toEqual([
      '--quick',
      '--suite',
      'x',
    ]);
    expect(dropSeparators(['---', '--quick'])).toEqual(['---', '--quick']);
    expect(() => parseOptions(dropSeparators(['--', '---']))).toThrow(BenchError);
  });
});
