// Tests of the runner's per-case setup and teardown around the timing: the order of the calls,
// and a failing setup or teardown turning into the case's error row.
import { describe, expect, it } from 'vitest';
import { runCases, silentProgress, type QueuedCase } from '../src/run.js';
import type { BenchCase } from '../src/suite.js';

const timing = { maxTime: 0.01, minSamples: 2, minTime: 0.001, delay: 0 };

function queued(c: Partial<BenchCase>): QueuedCase {
  return {
    suite: 'fixture',
    case: { name: 'op', group: 'fixture', backend: 'ts', fn: () => 1, ...c },
  };
}

describe('runCases setup and teardown', () => {
  it('runs setup before the first timed call and teardown after the last', async () => {
    const calls: string[] = [];
    const [f] = await runCases(
      [
        queued({
          setup: () => void calls.push('setup'),
          fn: () => calls.push('fn'),
          teardown: () => void calls.push('teardown'),
        }),
      ],
      timing,
      silentProgress,
    );
    expect(f.error).toBeUndefined();
    expect(f.hz).toBeGreaterThan(0);
    expect(calls[0]).toBe('setup');
    expect(calls.at(-1)).toBe('teardown');
    expect(calls.filter((c) => c === 'setup' || c === 'teardown')).toHaveLength(2);
    expect(calls.filter((c) => c === 'fn').length).toBeGreaterThan(1);
  });

  it('fails a case whose setup throws without timing it, and still tears it down', async () => {
    let timed = 0;
    let tornDown = false;
    const [f] = await runCases(
      [
        queued({
          setup: () => Promise.reject(new RangeError('no store')),
          fn: () => timed++,
          teardown: () => void (tornDown = true),
        }),
      ],
      timing,
      silentProgress,
    );
    expect(f.error).toBe('setup: RangeError: no store');
    expect([f.hz, timed, tornDown]).toEqual([0, 0, true]);
  });

  it('fails a case whose teardown throws, keeping the first error', async () => {
    const [ok, both] = await runCases(
      [
        queued({ teardown: () => Promise.reject(new Error('drop failed')) }),
        queued({
          async: true,
          fn: () => Promise.reject(new Error('op failed')),
          teardown: () => Promise.reject(new Error('drop failed')),
        }),
      ],
      timing,
      silentProgress,
    );
    expect(ok.error).toBe('teardown: Error: drop failed');
    expect(both.error).toBe('Error: op failed');
  });
});
