// The HTML report: written by a run, self-contained, with the chart of true versus noisy values
// (one bar pair per bucket, interval bars when noise is on) and every text escaped.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { chartSvg, escapeHtml, renderHtml } from '../src/html.js';
import { buildMarket } from '../src/model.js';
import { runDemo } from '../src/pipeline.js';
import type { BucketRow, DemoResult } from '../src/result.js';

const work = mkdtempSync(join(tmpdir(), 'pm-demo-html-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const count = (text: string, pattern: RegExp): number => (text.match(pattern) ?? []).length;

describe('HTML report', () => {
  it('a run writes a self-contained page with the chart and the per-bucket table', async () => {
    const out = join(work, 'nested', 'dir', 'report.html');
    const result = await runDemo(
      { devices: 300, epsilon: 2, histogramSize: 5, seed: 3, out },
      { write: () => {} },
    );
    const html = readFileSync(out, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<svg');
    expect(html).toContain('aria-label="True and noisy value per bucket"');
    // One true bar and one noisy bar per bucket, and an interval bar with two caps per bucket.
    expect(count(html, /class="truth"/g)).toBe(5);
    expect(count(html, /class="noisy"/g)).toBe(5);
    expect(count(html, /class="ci"/g)).toBe(15);
    for (const row of result.rows) {
      expect(html).toContain(`bucket ${row.bucket}: true ${row.truth}</title>`);
      expect(html).toContain(`bucket ${row.bucket}: noisy ${row.noisy} [${row.low}, ${row.high}]`);
    }
    expect(html).toContain('noise: discrete-laplace');
    expect(html).toContain(result.taskId);
    // Nothing is fetched: no scripts, no external references.
    expect(html).not.toMatch(/<script|<link|src=|href=/i);
  });

  it('escapes text and draws negative noisy values below the axis', () => {
    expect(escapeHtml(`<b a="x">&'`)).toBe('&lt;b a=&quot;x&quot;&gt;&amp;&#39;');
    const rows: BucketRow[] = [
      { bucket: 0, campaign: '<script>', truth: 2, noisy: -9, low: -20, high: 2 },
      { bucket: 1, campaign: 'b', truth: 0, noisy: 0, low: -11, high: 11 },
    ];
    const svg = chartSvg(rows, true);
    expect(svg).toContain('>-20<'); // the axis reaches the lowest interval end
    expect(count(svg, /class="ci"/g)).toBe(6);
    expect(chartSvg(rows, false)).not.toContain('class="ci"');

    const model = buildMarket(2, 1);
    model.campaigns[0].name = '<script>alert(1)</script>';
    const page = renderHtml({
      options: { devices: 200, epsilon: 1, histogramSize: 2, seed: 1, out: '/x' },
      model,
      simulation: {
        devices: 200,
        impressions: 0,
        conversions: 0,
        trueHistogram: [2, 0],
        outcomes: { attributed: 0, 'no-match': 0, 'budget-exhausted': 0, disabled: 0 },
        budget: [],
        period: { start: 0, end: 86_400_000 },
      },
      upload: { sent: 0, accepted: 0, rejected: {}, requests: 0 },
      aggregation: { committed: 0, rejected: {}, passes: 0 },
      collected: {
        result: { buckets: [], reportCount: 0n } as never,
        aggregatorNoise: '<img src=x>',
      },
      rows: rows.map((r, i) => ({ ...r, campaign: model.campaigns[i].name })),
      taskId: 'task',
      timings: { deploy: 0, simulate: 0, upload: 0, aggregate: 0, collect: 0 },
    } satisfies DemoResult);
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});
