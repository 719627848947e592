// Tests of Retry-After parsing and of the polling delays.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_POLL_POLICY, ParamError } from '../src/index.js';
import { parseRetryAfter } from '../src/http.js';
import { nextDelay, pollPolicy, sleep } from '../src/poll.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-12-03T20:00:00Z');

  it('reads delay-seconds and HTTP dates (RFC 9110 §10.2.3)', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Thu, 03 Dec 2026 20:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Thu, 03 Dec 2026 19:00:00 GMT', now)).toBe(0);
  });

  it.each([null, '', '-5', '1.5', 'soon', '12abc', '99999999999999999999', 'tomorrow 10am'])(
    'ignores %j',
    (v) => {
      expect(parseRetryAfter(v, now)).toBeUndefined();
    },
  );

  it('never throws and never returns a negative delay', () => {
    fc.assert(
      fc.property(fc.string(), (v) => {
        const d = parseRetryAfter(v, now);
        return d === undefined || d >= 0;
      }),
      { numRuns: 300, seed: 2 },
    );
  });
});

describe('nextDelay', () => {
  const p = pollPolicy({ initialDelayMs: 1000, multiplier: 2, minDelayMs: 100, maxDelayMs: 8000 });

  it('backs off exponentially up to the maximum', () => {
    expect([0, 1, 2, 3, 4, 10].map((a) => nextDelay(p, a))).toEqual([
      1000, 2000, 4000, 8000, 8000, 8000,
    ]);
  });

  it('prefers Retry-After, within the bounds', () => {
    expect(nextDelay(p, 3, 1500)).toBe(1500);
    expect(nextDelay(p, 0, 0)).toBe(100);
    expect(nextDelay(p, 0, 1e12)).toBe(8000);
  });

  it('has documented defaults', () => {
    expect(pollPolicy()).toEqual(DEFAULT_POLL_POLICY);
  });

  it.each([
    { initialDelayMs: -1 },
    { maxDelayMs: NaN },
    { multiplier: 0.9 },
    { minDelayMs: 10, maxDelayMs: 5 },
    { maxTransientRetries: 1.5 },
  ])('rejects %j', (partial) => {
    expect(() => pollPolicy(partial)).toThrow(ParamError);
  });
});

describe('sleep', () => {
  it('resolves, or rejects when aborted', async () => {
    await sleep(1);
    const ac = new AbortController();
    const p = sleep(10_000, ac.signal);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    await expect(sleep(1, ac.signal)).rejects.toThrow('stop');
  });
});
