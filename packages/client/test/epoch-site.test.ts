// Epoch start and indices, the starting epoch after a history clear, and site parsing.
import { describe, expect, it } from 'vitest';

import { defaultRegistrableDomain, parseSite } from '../src/index.js';
import { currentEpoch, startingEpoch } from '../src/internal/epoch.js';
import { AttributionState } from '../src/internal/state.js';
import { emptyState } from '../src/store/types.js';

const HOUR = 3_600_000;
const WEEK = 7 * 86_400_000;

describe('epochs (W3C Attribution §4.2.3)', () => {
  const ctx = (fraction: number) => ({
    epochDays: 7,
    maxLookbackDays: 30,
    epochRandom: () => fraction,
  });

  it('chooses the start on an hour boundary within the last epoch', () => {
    for (const fraction of [0, 0.25, 0.5, 0.999999]) {
      const txn = new AttributionState(emptyState()).begin();
      const t = 1_800_000_123_456;
      // Flooring to the hour can place the start just over one epoch back.
      const epoch = currentEpoch(txn, ctx(fraction), t);
      expect([0, 1]).toContain(epoch);
      const start = txn.getMeta('epochStartTime')!;
      expect(start % HOUR).toBe(0);
      expect(start).toBeLessThanOrEqual(t);
      expect(t - start).toBeLessThan(WEEK + HOUR);
      expect(epoch).toBe(t - start >= WEEK ? 1 : 0);
      expect(currentEpoch(txn, ctx(fraction), start + WEEK)).toBe(1);
      expect(currentEpoch(txn, ctx(fraction), start - 1)).toBe(-1);
    }
  });

  it('draws the start once', () => {
    let draws = 0;
    const txn = new AttributionState(emptyState()).begin();
    const c = { epochDays: 7, maxLookbackDays: 30, epochRandom: () => (draws++, 0.3) };
    currentEpoch(txn, c, 1e12);
    currentEpoch(txn, c, 2e12);
    expect(draws).toBe(1);
  });

  it('starts attribution after the epoch of the last history clear', () => {
    const txn = new AttributionState(emptyState()).begin();
    const c = ctx(0);
    const t0 = 1_800_000_000_000;
    const now = t0 + 10 * WEEK;
    currentEpoch(txn, c, t0);
    // 30 days back from epoch 10 is epoch 5.
    expect(startingEpoch(txn, c, now)).toBe(5);
    txn.setMeta('lastBrowsingHistoryClear', t0 + 8 * WEEK + 1);
    expect(startingEpoch(txn, c, now)).toBe(9);
  });
});

describe('parse a site (W3C Attribution §4.1.4)', () => {
  it('reduces hosts and origins to the registrable domain', () => {
    expect(parseSite('extra.example.com', 'x')).toBe('example.com');
    expect(parseSite('https://shop.example.co.uk/path', 'x')).toBe('example.co.uk');
    expect(parseSite('EXAMPLE.com', 'x')).toBe('example.com');
    expect(parseSite('bücher.example', 'x')).toBe('xn--bcher-kva.example');
    expect(parseSite('user.github.io', 'x')).toBe('user.github.io');
  });

  it('fails on non-sites with a DOMException SyntaxError', () => {
    for (const bad of [
      '',
      'a',
      ':',
      'localhost',
      'x.localhost',
      '127.0.0.1',
      'co.uk',
      'a b.example',
      'http://a.example',
      'a.example:80',
      '[::1]',
      'a..example',
    ]) {
      let error: unknown;
      try {
        parseSite(bad, 'x');
      } catch (e) {
        error = e;
      }
      expect(error, bad).toBeInstanceOf(DOMException);
      expect((error as DOMException).name).toBe('SyntaxError');
    }
  });

  it('uses an injected registrable-domain function', () => {
    expect(parseSite('a.b.c.example', 'x', (host) => host)).toBe('a.b.c.example');
    expect(defaultRegistrableDomain('a.b.c.example')).toBe('c.example');
  });
});
