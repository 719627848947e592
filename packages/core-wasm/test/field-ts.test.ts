// The pure-TS field twin: parameters checked against draft-irtf-cfrg-vdaf-20 §6.1.4 and known
// constants of other implementations, then the property suite shared with the WASM backend.
import { describe, expect, it } from 'vitest';
import { tsFields } from '../src/field/ts.js';
import { fieldProperties, refPow } from './field-support.js';

const { Field64, Field128 } = tsFields;

describe('field parameters (draft-irtf-cfrg-vdaf-20 §6.1.4)', () => {
  it('Field64: p = 2^64 - 2^32 + 1, generator 7^4294967295 of order 2^32', () => {
    const p = 2n ** 32n * 4294967295n + 1n;
    expect(p).toBe(2n ** 64n - 2n ** 32n + 1n);
    expect(Field64.modulus).toBe(p);
    expect(Field64.encodedSize).toBe(8);
    expect(Field64.words).toBe(1);
    expect(Field64.genOrder).toBe(2n ** 32n);
    expect(Field64.generator).toBe(refPow(7n, 4294967295n, p));
    // The 2^32-th root of unity of the Goldilocks field as published by other implementations.
    expect(Field64.generator).toBe(1753635133440165772n);
    expect(refPow(Field64.generator, 2n ** 32n, p)).toBe(1n);
    expect(refPow(Field64.generator, 2n ** 31n, p)).toBe(p - 1n);
  });

  it('Field128: p = 2^128 - 7 * 2^66 + 1, generator 7^4611686018427387897 of order 2^66', () => {
    const p = 2n ** 66n * 4611686018427387897n + 1n;
    expect(p).toBe(2n ** 128n - 7n * 2n ** 66n + 1n);
    expect(Field128.modulus).toBe(p);
    expect(Field128.encodedSize).toBe(16);
    expect(Field128.words).toBe(2);
    expect(Field128.genOrder).toBe(2n ** 66n);
    expect(Field128.generator).toBe(refPow(7n, 4611686018427387897n, p));
    // Published by libprio-rs for its Field128.
    expect(Field128.generator).toBe(145091266659756586618791329697897684742n);
    expect(refPow(Field128.generator, 2n ** 66n, p)).toBe(1n);
    expect(refPow(Field128.generator, 2n ** 65n, p)).toBe(p - 1n);
  });

  it('backend names', () => {
    expect(Field64.backend).toBe('ts');
    expect(Field64.name).toBe('Field64');
    expect(Field128.name).toBe('Field128');
  });
});

fieldProperties(Field64);
fieldProperties(Field128);
