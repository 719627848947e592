// The terminal rendering of a run: the per-bucket table with intervals, the report counts, and
// the note that appears only when the privacy budget zeroed more than a quarter of the reports.
import { describe, expect, it } from 'vitest';

import { renderHtml } from '../src/html.js';
import { buildMarket } from '../src/model.js';
import { budgetHint, formatDemoResult, type DemoResult } from '../src/result.js';

/** A run of 2 buckets with noise of half-width 5, `zeroed` of 100 reports zeroed by budget. */
function result(zeroed: number): DemoResult {
  const model = buildMarket(2, 1);
  return {
    options: { devices: 1000, epsilon: 4, histogramSize: 2, seed: 9, out: '/tmp/x.html' },
    model,
    simulation: {
      devices: 1000,
      impressions: 300,
      conversions: 100,
      trueHistogram: [40, 12],
      outcomes: {
        attributed: 90 - zeroed,
        'no-match': 10,
        'budget-exhausted': zeroed,
        disabled: 0,
      },
      budget: [
        {
          site: 'shop.example',
          week: 0,
          weekStart: 0,
          devices: 80,
          reports: 100,
          spentMicro: 80_000_000,
          maxSpentMicro: 1_000_000,
          budgetMicro: 1_000_000,
          exhausted: 70,
        },
      ],
      period: { start: 0, end: 28 * 86_400_000 },
    },
    upload: { sent: 100, accepted: 99, rejected: { report_replayed: 1 }, requests: 1 },
    aggregation: { committed: 99, rejected: {}, passes: 3 },
    collected: {
      result: {
        reportCount: 99n,
        noise: { mechanism: 'discrete-laplace', scale: 2, aggregators: 2, stddev: 4, halfWidth: 5 },
      } as never,
      aggregatorNoise: 'leader=discrete-laplace;epsilon=4, helper=discrete-laplace;epsilon=4',
    },
    rows: [
      { bucket: 0, campaign: 'A', truth: 40, noisy: 43, low: 38, high: 48 },
      { bucket: 1, campaign: 'B', truth: 12, noisy: 5, low: 0, high: 10 },
    ],
    taskId: 'task',
    timings: { deploy: 1, simulate: 2, upload: 3, aggregate: 4, collect: 5 },
  };
}

describe('demo result text', () => {
  it('prints the table, the intervals, the counts and the noise', () => {
    const text = formatDemoResult(result(5));
    expect(text).toMatch(/0\s+A\s+40\s+43\s+\[38, 48\]\s+\+3/);
    expect(text).toMatch(/1\s+B\s+12\s+5\s+\[0, 10\]\s+-7/);
    expect(text).toContain('total: true 52, noisy 48');
    expect(text).toContain('true value inside its 95% interval: 1 of 2 buckets');
    expect(text).toContain('upload: 99 accepted, 1 rejected (report_replayed: 1)');
    expect(text).toContain('5 zeroed by the privacy budget');
    expect(text).toContain('noise: discrete-laplace, scale 2 per aggregator x 2');
  });

  it('explains the budget only when it zeroed more than a quarter of the reports', () => {
    expect(budgetHint(result(25))).toBeUndefined();
    expect(formatDemoResult(result(25))).not.toContain('note:');
    const hint = budgetHint(result(26));
    expect(hint).toBe(
      "note: 26% of the reports were zeroed: each device's budget for shop.example is 1 epsilon " +
        'per 7-day epoch, and a report at epsilon 4 costs up to 2 (one epoch) or 4 per epoch ' +
        '(spanning epochs); a smaller --epsilon lets more reports through, with more noise',
    );
    expect(formatDemoResult(result(26))).toContain(hint!);
    expect(renderHtml(result(26))).toContain(hint!.replace(/'/g, '&#39;'));
    expect(renderHtml(result(25))).not.toContain('note:');
  });
});
