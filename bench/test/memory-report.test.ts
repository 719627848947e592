// Tests of how memory figures are shown: the terminal table and the Markdown report section,
// on made-up figures (not measurements).
import { describe, expect, it } from 'vitest';
import type { MemoryFigure } from '../src/figures.js';
import { renderMarkdown } from '../src/report.js';
import { MEMORY_HEADERS, memoryCells, renderTables } from '../src/table.js';
import { fig, run } from './fixtures.js';

function mf(f: Partial<MemoryFigure> & Pick<MemoryFigure, 'name' | 'backend'>): MemoryFigure {
  return {
    group: 'prio3',
    suite: 'memory',
    params: {},
    rssBase: 60e6,
    rssPeak: 62.5e6,
    rssExact: true,
    heapBase: 5e6,
    heapPeak: 1.25e6,
    heapAllocated: 3e6,
    externalPeak: 400e3,
    gcs: 2,
    seconds: 0.0042,
    ...f,
  };
}

describe('memoryCells', () => {
  it('formats sizes and keeps the backends of an operation together, WASM first', () => {
    const rows = memoryCells([
      mf({ name: 'shard', backend: 'ts', params: { length: 16 } }),
      mf({ name: 'verify', backend: 'wasm', params: { length: 16 } }),
      mf({ name: 'shard', backend: 'peer:x', params: { length: 16 } }),
      mf({ name: 'shard', backend: 'wasm', params: { length: 16 } }),
    ]);
    expect(rows.map((r) => `${r[0]}/${r[2]}`)).toEqual([
      'shard/wasm',
      'shard/ts',
      'shard/peer:x',
      'verify/wasm',
    ]);
    expect(rows[0]).toEqual([
      'shard',
      'length=16',
      'wasm',
      '1.25 MB',
      '3.00 MB',
      '400 kB',
      '60.0 MB',
      '62.5 MB',
      '2.50 MB',
      '2',
      '4.20 ms',
    ]);
    expect(rows[0]).toHaveLength(MEMORY_HEADERS.length);
  });

  it('marks a whole-process peak and leaves the added RSS blank', () => {
    const [row] = memoryCells([mf({ name: 'op', backend: 'ts', rssExact: false })]);
    expect(row[7]).toBe('62.5 MB (process)');
    expect(row[8]).toBe('');
  });

  it('shows the error of a failed case', () => {
    const [row] = memoryCells([mf({ name: 'op', backend: 'ts', error: 'timed out after 3 s' })]);
    expect(row.slice(0, 5)).toEqual(['op', '', 'ts', 'error', 'timed out after 3 s']);
  });
});

describe('memory in the reports', () => {
  it('adds a memory table to the terminal output after the timing tables', () => {
    const text = renderTables(
      [fig({ name: 'Field64 vec add', backend: 'wasm', hz: 1000 })],
      [mf({ name: 'Prio3Count shard', backend: 'wasm' })],
    );
    expect(text.indexOf('field\n')).toBe(0);
    expect(text).toMatch(
      /memory \(one fresh process per row\)\nname +backend +heap peak +heap allocated/,
    );
    expect(text).toContain('Prio3Count shard');
    expect(renderTables([fig({ name: 'a', backend: 'ts', hz: 1 })])).not.toContain('memory');
  });

  it('adds a memory section to the Markdown report only when there are memory figures', () => {
    const base = run([fig({ name: 'Field64 vec add', backend: 'wasm', hz: 1000 })]);
    expect(renderMarkdown(base)).not.toContain('## memory');
    const md = renderMarkdown({
      ...base,
      memory: [mf({ name: 'Prio3Count shard', backend: 'ts' })],
    });
    expect(md).toContain('## memory');
    expect(md).toContain('| name | params | backend | heap peak |');
    expect(md).toContain('| Prio3Count shard |  | ts | 1.25 MB | 3.00 MB |');
    expect(md).toMatch(/\|---\|---\|---\|---:\|/);
  });
});

describe('load average in the report', () => {
  it('is shown when the run recorded it, and not otherwise', () => {
    const base = run([fig({ name: 'a', backend: 'ts', hz: 1 })]);
    expect(renderMarkdown(base)).not.toContain('load average');
    const md = renderMarkdown({ ...base, load: { start: [0.5, 0.25, 0.125], end: [2, 1.5, 1] } });
    expect(md).toContain(
      '- load average (1 / 5 / 15 min): 0.50 / 0.25 / 0.13 at the start, 2.00 / 1.50 / 1.00 at the end, on 2 cores',
    );
  });
});
