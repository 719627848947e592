// Tests of the terminal tables, the pairing of backends into ratios and the Markdown report,
// on synthetic figures.
import { describe, expect, it } from 'vitest';
import { groupRows, rowRatios } from '../src/figures.js';
import { markdownTable, ratioTable, renderMarkdown } from '../src/report.js';
import { figureCells, layoutTable, renderTables } from '../src/table.js';
import { fig, run } from './fixtures.js';

const mul = [
  fig({
    name: 'mul',
    backend: 'ts',
    hz: 1000,
    params: { n: 1024 },
    unitsPerOp: 1024,
    unit: 'elem',
  }),
  fig({
    name: 'mul',
    backend: 'wasm',
    hz: 8000,
    params: { n: 1024 },
    unitsPerOp: 1024,
    unit: 'elem',
  }),
  fig({ name: 'mul', backend: 'peer:noble', hz: 4000, params: { n: 1024 } }),
  fig({ name: 'mul', backend: 'wasm', hz: 500, params: { n: 65536 } }),
];

describe('pairing', () => {
  it('groups backends of one operation and parameter set into one row', () => {
    const rows = groupRows(mul).get('field')!;
    expect(rows.map((r) => [r.name, r.params.n, r.byBackend.size])).toEqual([
      ['mul', 1024, 3],
      ['mul', 65536, 1],
    ]);
  });

  it('gives wasm/ts then wasm/peer ratios, none without a WASM figure', () => {
    const rows = groupRows(mul).get('field')!;
    expect(rowRatios(rows[0])).toEqual([
      { of: 'wasm', against: 'ts', value: 8 },
      { of: 'wasm', against: 'peer:noble', value: 2 },
    ]);
    expect(rowRatios(rows[1])).toEqual([]);
    const alone = groupRows([fig({ name: 'x', backend: 'ts', hz: 5 })]).get('field')!;
    expect(rowRatios(alone[0])).toEqual([]);
  });

  it('falls back to ts/peer when an operation has no WASM figure', () => {
    const rows = groupRows([
      fig({ name: 'x', backend: 'peer:noble', hz: 4 }),
      fig({ name: 'x', backend: 'ts', hz: 6 }),
    ]).get('field')!;
    expect(rowRatios(rows[0])).toEqual([{ of: 'ts', against: 'peer:noble', value: 1.5 }]);
    const cells = figureCells([
      fig({ name: 'x', backend: 'peer:noble', hz: 4 }),
      fig({ name: 'x', backend: 'ts', hz: 6 }),
    ]);
    expect(cells.map((c) => [c[2], c[9]])).toEqual([
      ['ts', '1.50× vs peer:noble'],
      ['peer:noble', ''],
    ]);
    expect(
      ratioTable([
        fig({ name: 'x', backend: 'peer:noble', hz: 4 }),
        fig({ name: 'x', backend: 'ts', hz: 6 }),
      ]).split('\n')[0],
    ).toBe(
      '| operation | params | ts ops/s | peer:noble ops/s | ts mean | ts throughput | ts/peer:noble |',
    );
  });

  it('leaves failed figures out of the ratios', () => {
    const rows = groupRows([
      fig({ name: 'x', backend: 'wasm', hz: 5 }),
      fig({ name: 'x', backend: 'ts', hz: 0, error: 'Error: boom' }),
    ]).get('field')!;
    expect(rowRatios(rows[0])).toEqual([]);
  });
});

describe('terminal table', () => {
  it('puts WASM first with its ratios, then the other backends', () => {
    const cells = figureCells(mul);
    expect(cells.map((c) => c[2])).toEqual(['wasm', 'ts', 'peer:noble', 'wasm']);
    expect(cells[0]).toEqual([
      'mul',
      'n=1024',
      'wasm',
      '8.00 k',
      '125 µs',
      '±1.5%',
      '40',
      '8.19 M elem/s',
      '',
      '8.00× vs ts, 2.00× vs peer:noble',
    ]);
    expect(cells[1][9]).toBe('');
  });

  it('shows an error row for a failed case', () => {
    const cells = figureCells([fig({ name: 'x', backend: 'ts', hz: 0, error: 'Error: boom' })]);
    expect(cells[0].slice(0, 5)).toEqual(['x', '', 'ts', 'error', 'Error: boom']);
  });

  it('pads columns, right-aligns numbers and drops empty columns', () => {
    const text = layoutTable(
      ['name', 'ops/s', 'bytes'],
      [
        ['a', '1'],
        ['long', '1.00 k'],
      ],
    );
    expect(text.split('\n')).toEqual([
      'name   ops/s',
      '----  ------',
      'a          1',
      'long  1.00 k',
    ]);
  });

  it('titles one table per group', () => {
    const text = renderTables([...mul, fig({ name: 'seed', group: 'xof', backend: 'ts', hz: 3 })]);
    expect(text.startsWith('field\nname')).toBe(true);
    expect(text).toContain('\n\nxof\nname');
  });
});

describe('markdown', () => {
  it('escapes pipes and aligns numeric columns right', () => {
    expect(markdownTable(['a', 'b'], [['x|y', '2']], new Set([1]))).toBe(
      '| a | b |\n|---|---:|\n| x\\|y | 2 |',
    );
  });

  it('builds the ratio table with a column per backend and per ratio', () => {
    const lines = ratioTable(mul).split('\n');
    expect(lines[0]).toBe(
      '| operation | params | wasm ops/s | ts ops/s | peer:noble ops/s | wasm mean | ' +
        'wasm throughput | wasm/ts | wasm/peer:noble |',
    );
    expect(lines[2]).toBe(
      '| mul | n=1024 | 8.00 k | 1.00 k | 4.00 k | 125 µs | 8.19 M elem/s | 8.00× | 2.00× |',
    );
    expect(lines[3]).toBe('| mul | n=65536 | 500 |  |  | 2.00 ms |  |  |  |');
  });

  it('omits the ratio table when no operation has two backends', () => {
    expect(ratioTable([fig({ name: 'x', backend: 'wasm', hz: 5 })])).toBe('');
  });

  it('writes the machine, a section per group and the chart links', () => {
    const md = renderMarkdown(run(mul), [{ title: 'shard', file: 'c.svg' }]);
    expect(md).toContain('- machine: Test CPU, 2 cores, 8.0 GiB, Linux 6.0 x64');
    expect(md).toContain('- run: suites field; quick; maxTime 0.25 s per case; 12.5 s in all');
    expect(md).toContain('\n## field\n');
    expect(md).toContain('![shard](c.svg)');
    expect(md.endsWith('\n')).toBe(true);
    expect(renderMarkdown(run(mul))).not.toContain('## Charts');
  });
});
