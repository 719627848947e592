// The random bit stream of the noise samplers: TurboSHAKE128 keyed by the 32-byte seed, read
// as bits least significant first. Both backends read exactly this stream, so a seed fixes the
// samples bit for bit.
//
// Stream definition (version 1):
//   S = TurboSHAKE128(M, D = 0x4E, unbounded output)              // RFC 9861 §2
//   M = "private-measurement/noise/v1" (28 ASCII bytes) || mech || seed (32 bytes)
//   mech = 0x01 for discrete Laplace, 0x02 for discrete Gaussian
//   bit i of the stream is (S[floor(i / 8)] >> (i mod 8)) & 1
//   RandBits(k) takes the next k bits b_0..b_(k-1) and returns sum b_j 2^j
import { turboshake128 } from '@noble/hashes/sha3-addons.js';

/** TurboSHAKE128 domain separation byte of the noise stream. */
export const NOISE_DOMAIN = 0x4e;

/** ASCII label that starts the TurboSHAKE128 message. */
export const NOISE_LABEL = new TextEncoder().encode('private-measurement/noise/v1');

/** Mechanism byte of the discrete Laplace stream. */
export const MECH_LAPLACE = 0x01;

/** Mechanism byte of the discrete Gaussian stream. */
export const MECH_GAUSSIAN = 0x02;

/** Output bytes squeezed per refill (8 TurboSHAKE128 blocks). */
export const REFILL_BYTES = 168 * 8;

/** A source of uniform random bits, read least significant first. */
export interface BitSource {
  /** The next `k` bits (0 <= k <= 32) as an integer, first bit least significant. */
  bits(k: number): number;
}

/**
 * The TurboSHAKE128 message for mechanism `mech` and `seed`.
 *
 * @param mech - `MECH_LAPLACE` or `MECH_GAUSSIAN`.
 * @param seed - 32-byte seed.
 * @returns label || mech || seed.
 */
export function noiseMessage(mech: number, seed: Uint8Array): Uint8Array {
  const msg = new Uint8Array(NOISE_LABEL.length + 1 + seed.length);
  msg.set(NOISE_LABEL, 0);
  msg[NOISE_LABEL.length] = mech;
  msg.set(seed, NOISE_LABEL.length + 1);
  return msg;
}

/** The noise bit stream of one sampler call, read in bulk from TurboSHAKE128. */
export class NoiseBitStream implements BitSource {
  private readonly xof: ReturnType<typeof turboshake128.create>;
  private readonly buf = new Uint8Array(REFILL_BYTES);
  private pos = REFILL_BYTES;
  // Pending bits, least significant first; at most 39 of them, so `acc` stays an exact integer.
  private acc = 0;
  private accBits = 0;

  /**
   * @param mech - `MECH_LAPLACE` or `MECH_GAUSSIAN`.
   * @param seed - 32-byte seed; the message copy is wiped after absorbing.
   */
  constructor(mech: number, seed: Uint8Array) {
    this.xof = turboshake128.create({ D: NOISE_DOMAIN });
    const msg = noiseMessage(mech, seed);
    this.xof.update(msg);
    msg.fill(0);
  }

  bits(k: number): number {
    while (this.accBits < k) {
      if (this.pos === REFILL_BYTES) {
        this.xof.xofInto(this.buf);
        this.pos = 0;
      }
      this.acc += this.buf[this.pos++] * 2 ** this.accBits;
      this.accBits += 8;
    }
    const scale = 2 ** k;
    const v = this.acc % scale;
    this.acc = (this.acc - v) / scale;
    this.accBits -= k;
    return v;
  }

  /** Wipes the buffered output. */
  destroy(): void {
    this.buf.fill(0);
    this.acc = 0;
    this.accBits = 0;
    this.xof.destroy();
  }
}
