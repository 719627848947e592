// The report checksum of draft-ietf-ppm-dap-18 §4.5.4.3: SHA-256 of each report ID, XORed
// together; checked against node's streaming Hash and against the SHA-256 of RFC 6234's "abc".
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { reportChecksum, xorInto } from '../src/core/buckets.js';

const sha256 = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());

describe('reportChecksum', () => {
  it('is SHA-256 of the report ID', () => {
    // FIPS 180-2 / RFC 6234 test vector: SHA-256("abc").
    expect(Buffer.from(reportChecksum(new TextEncoder().encode('abc'))).toString('hex')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    for (let i = 0; i < 20; i++) {
      const id = new Uint8Array(randomBytes(16));
      const c = reportChecksum(id);
      expect(c).toBeInstanceOf(Uint8Array);
      expect(c).toHaveLength(32);
      expect(c).toEqual(sha256(id));
    }
  });

  it('XORs into an order-independent batch checksum, each result its own bytes', () => {
    const ids = Array.from({ length: 5 }, () => new Uint8Array(randomBytes(16)));
    const forward = new Uint8Array(32);
    for (const id of ids) xorInto(forward, reportChecksum(id));
    const backward = new Uint8Array(32);
    for (const id of [...ids].reverse()) xorInto(backward, reportChecksum(id));
    expect(forward).toEqual(backward);
    const expected = new Uint8Array(32);
    for (const id of ids) {
      const h = sha256(id);
      for (let i = 0; i < 32; i++) expected[i] ^= h[i];
    }
    expect(forward).toEqual(expected);
    // Changing one result leaves the next call's untouched.
    const first = reportChecksum(ids[0]);
    first.fill(0);
    expect(reportChecksum(ids[0])).toEqual(sha256(ids[0]));
  });
});
