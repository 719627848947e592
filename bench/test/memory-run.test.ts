// Tests of the memory runner's child-process plumbing: the child's arguments and answer, and a
// real run of bundled children (the child entry and a fixture suite, bundled with esbuild as
// the bench bundler does) that succeed, fail in setup, go silent, hang and mismatch.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseChildArgs, RESULT_MARK } from '../src/memory-child.js';
import {
  memoryFigure,
  parseChildOutput,
  runMemoryCases,
  type QueuedMemoryCase,
} from '../src/memory-run.js';
import { BenchError } from '../src/options.js';
import { silentProgress } from '../src/run.js';
import fixture from './fixtures/memory-suite.js';

const measurement = {
  rssBase: 50e6,
  rssPeak: 60e6,
  rssExact: true,
  heapBase: 4e6,
  heapPeak: 1e6,
  heapAllocated: 2e6,
  externalPeak: 8e6,
  gcs: 1,
  seconds: 0.01,
};

describe('parseChildOutput', () => {
  it('reads the last marked line and ignores other output', () => {
    const text = `noise\n${RESULT_MARK}{"error":"old"}\nmore\n${RESULT_MARK}${JSON.stringify(measurement)}\n`;
    expect(parseChildOutput(text)).toEqual(measurement);
  });

  it('passes on an error the child reported', () => {
    expect(parseChildOutput(`${RESULT_MARK}{"error":"RangeError: x"}\n`)).toEqual({
      error: 'RangeError: x',
    });
  });

  it('refuses missing, malformed and incomplete answers', () => {
    expect(parseChildOutput('')).toEqual({ error: 'no result from the child process' });
    expect(parseChildOutput(`${RESULT_MARK}{not json\n`)).toEqual({
      error: 'malformed result from the child process',
    });
    const partial = { ...measurement, heapPeak: 'big' };
    expect(parseChildOutput(`${RESULT_MARK}${JSON.stringify(partial)}`)).toEqual({
      error: 'malformed result from the child process',
    });
    const noFlag: Record<string, unknown> = { ...measurement };
    delete noFlag.rssExact;
    expect(parseChildOutput(`${RESULT_MARK}${JSON.stringify(noFlag)}`)).toHaveProperty('error');
    expect(parseChildOutput(`${RESULT_MARK}null`)).toHaveProperty('error');
  });
});

describe('parseChildArgs', () => {
  it('reads module, index, name and options', () => {
    expect(parseChildArgs(['file:///s.js', '2', 'op', '{"quick":true}'])).toEqual({
      module: 'file:///s.js',
      index: 2,
      name: 'op',
      options: { quick: true },
    });
  });

  it('refuses a wrong count, a bad index and options that are not JSON', () => {
    for (const argv of [
      ['m', '0', 'op'],
      ['m', '-1', 'op', '{}'],
      ['m', 'x', 'op', '{}'],
      ['m', '0', 'op', '{'],
    ]) {
      expect(() => parseChildArgs(argv)).toThrow(BenchError);
    }
  });
});

describe('memoryFigure', () => {
  const q: QueuedMemoryCase = {
    suite: 'fixture',
    module: 'file:///x.js',
    index: 0,
    case: fixture.memory!({ quick: false })[0],
  };

  it('copies the case and the measurement', () => {
    const f = memoryFigure(q, measurement, 0.5);
    expect(f).toMatchObject({
      name: 'alloc 8 MiB',
      group: 'fixture',
      backend: 'ts',
      ...measurement,
    });
    expect(f.params).toEqual({ n: 1 });
    expect(f.error).toBeUndefined();
  });

  it('zeroes the numbers of a failed case', () => {
    const f = memoryFigure(q, { error: 'boom' }, 0.5);
    expect([f.error, f.heapPeak, f.rssPeak, f.rssExact]).toEqual(['boom', 0, 0, false]);
  });
});

describe('runMemoryCases with real child processes', () => {
  let dir: string;
  let script: string;
  let module: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bench-memory-'));
    const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
    await esbuild.build({
      entryPoints: {
        'memory-child': here('../src/memory-child.ts'),
        fixture: here('./fixtures/memory-suite.ts'),
      },
      outdir: dir,
      bundle: true,
      format: 'esm',
      platform: 'node',
      logLevel: 'silent',
    });
    script = join(dir, 'memory-child.js');
    module = pathToFileURL(join(dir, 'fixture.js')).href;
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const queue = (quick: boolean): QueuedMemoryCase[] =>
    fixture.memory!({ quick }).map((c, index) => ({ suite: 'fixture', module, index, case: c }));

  it('measures a case in a child and reports each kind of failure', async () => {
    const figures = await runMemoryCases(
      queue(false),
      { script, options: { quick: false }, timeoutMs: 3000 },
      silentProgress,
    );
    expect(figures.map((f) => f.name)).toEqual([
      'alloc 8 MiB',
      'setup throws',
      'never settles',
      'hangs',
    ]);
    const [ok, thrown, silent, hung] = figures;
    expect(ok.error).toBeUndefined();
    expect(ok.externalPeak).toBeGreaterThanOrEqual(8 << 20);
    expect(ok.rssPeak).toBeGreaterThanOrEqual(ok.rssBase);
    expect(ok.elapsed).toBeGreaterThan(0);
    expect(thrown.error).toBe('RangeError: fixture setup failed');
    expect(silent.error).toMatch(/^child exited with 0/);
    expect(hung.error).toBe('timed out after 3 s');
  });

  it('refuses a case whose name differs from the one listed in the child', async () => {
    const [q] = queue(true);
    const renamed = { ...q, case: { ...q.case, name: 'another' } };
    const [f] = await runMemoryCases(
      [renamed],
      { script, options: { quick: true }, timeoutMs: 10_000 },
      silentProgress,
    );
    expect(f.error).toMatch(/expected case 0 of fixture to be "another", received "alloc 8 MiB"/);
  });

  it('reports a child that cannot load its module', async () => {
    const [q] = queue(true);
    const missing = { ...q, module: pathToFileURL(join(dir, 'missing.js')).href };
    const [f] = await runMemoryCases(
      [missing],
      { script, options: { quick: true }, timeoutMs: 10_000 },
      silentProgress,
    );
    expect(f.error).toMatch(/Cannot find module|ERR_MODULE_NOT_FOUND/);
  });
});
