// Tests of the number formatting used in the bench tables.
import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatHz,
  formatRatio,
  formatRme,
  formatThroughput,
  formatTime,
  sig3,
  si,
} from '../src/format.js';

describe('sig3 and si', () => {
  it('keeps three significant digits', () => {
    expect(sig3(312.4)).toBe('312');
    expect(sig3(41)).toBe('41.0');
    expect(sig3(0.1234)).toBe('0.123');
    expect(sig3(0)).toBe('0');
  });

  it('chooses the SI prefix, carrying rounding to the next one', () => {
    expect(si(312_000_000)).toBe('312 M');
    expect(si(41_000)).toBe('41.0 k');
    expect(si(999_600)).toBe('1.00 M');
    expect(si(812)).toBe('812 ');
    expect(si(2.5e12)).toBe('2.50 T');
  });
});

describe('figures', () => {
  it('formats rates, times and margins', () => {
    expect(formatHz(1_234_567)).toBe('1.23 M');
    expect(formatHz(857)).toBe('857');
    expect(formatTime(8.12e-7)).toBe('812 ns');
    expect(formatTime(3.4e-3)).toBe('3.40 ms');
    expect(formatTime(2.5e-5)).toBe('25.0 µs');
    expect(formatTime(12)).toBe('12.0 s');
    expect(formatRme(1.234)).toBe('±1.2%');
    expect(formatRme(53.4)).toBe('±53%');
    expect(formatRatio(12.345)).toBe('12.3×');
  });

  it('formats throughputs in units and bytes per second', () => {
    expect(formatThroughput(1000, 312_000, 'elem')).toBe('312 M elem/s');
    expect(formatThroughput(100, 4_100_000, 'byte')).toBe('410 MB/s');
    expect(formatThroughput(2, 406, 'byte')).toBe('812 B/s');
    expect(formatThroughput(3, 1, 'report')).toBe('3.00 report/s');
    expect(formatThroughput(1000, undefined, 'elem')).toBe('');
    expect(formatThroughput(0, 10, 'elem')).toBe('');
  });

  it('formats sizes', () => {
    expect(formatBytes(812)).toBe('812 B');
    expect(formatBytes(1234)).toBe('1.23 kB');
    expect(formatBytes(undefined)).toBe('');
  });
});
