// The pure-TS twin of the XOF kernels: TurboSHAKE128 (RFC 9861) through @noble/hashes, and
// XofTurboShake128 with next_vec rejection sampling (draft-irtf-cfrg-vdaf-20 §6.2).
// Keccak comes from a well-kept library so that this twin is an independent check of the WASM
// Keccak; the framing and the sampling of field elements are ours.
import { turboshake128 } from '@noble/hashes/sha3-addons.js';
import type { XofKernels } from '../backend.js';
import type { Field, FieldVec, TurboShake128, Xof } from '../types.js';
import { ParamError } from '../errors.js';
import {
  checkBytes,
  checkCount,
  checkDomain,
  checkXofInputs,
  MAX_OUTPUT_BYTES,
  MAX_VEC_LEN,
  SEED_SIZE,
  sampledField,
  XOF_DOMAIN,
  xofPrefix,
} from './params.js';

type Keccak = ReturnType<typeof turboshake128.create>;

/** A TurboSHAKE128 stream backed by @noble/hashes; each object owns its own sponge state. */
class TsTurboShake128 implements TurboShake128 {
  private readonly sponge: Keccak;
  private squeezing = false;

  constructor(domain: number) {
    checkDomain(domain);
    // RFC 9861 §2.2: Keccak-p[1600, 12 rounds], rate 168; D checked as RFC 9861 §2.1 asks.
    this.sponge = turboshake128.create({ D: domain });
  }

  absorb(data: Uint8Array): this {
    checkBytes('data', data);
    if (this.squeezing) throw new ParamError('absorb: expected before the first squeeze');
    this.sponge.update(data);
    return this;
  }

  squeeze(n: number): Uint8Array {
    checkCount('n', n, MAX_OUTPUT_BYTES);
    const out = new Uint8Array(n);
    this.fill(out);
    return out;
  }

  squeezeInto(out: Uint8Array): void {
    checkBytes('out', out);
    checkCount('out.length', out.length, MAX_OUTPUT_BYTES);
    this.fill(out);
  }

  private fill(out: Uint8Array): void {
    // Spec: RFC 9861 §2.1 asks for L > 0; a 0-byte squeeze returns nothing but ends absorbing.
    this.squeezing = true;
    if (out.length > 0) this.sponge.xofInto(out);
  }
}

/** XofTurboShake128 on the twin's TurboSHAKE128 (draft-irtf-cfrg-vdaf-20 §6.2.1). */
class TsXofTurboShake128 implements Xof {
  private readonly stream: TsTurboShake128;

  constructor(seed: Uint8Array, dst: Uint8Array, binder: Uint8Array) {
    checkXofInputs(seed, dst, binder);

    // draft-irtf-cfrg-vdaf-20 §6.2.1: M = len(dst) || dst || len(seed) || seed || binder, D = 1.
    this.stream = new TsTurboShake128(XOF_DOMAIN);
    this.stream.absorb(xofPrefix(seed, dst)).absorb(binder);
  }

  next(n: number): Uint8Array {
    return this.stream.squeeze(n);
  }

  nextVec(field: Field, n: number): FieldVec {
    const f = sampledField(field);
    checkCount('n', n, MAX_VEC_LEN);
    const out = new BigUint64Array(n * f.words);

    // Spec: next_vec requires length > 0; for 0 we return an empty vector and read nothing.
    // Candidates are read in batches: the stream is the same as one ENCODED_SIZE read at a time.
    let i = 0;
    while (i < n) {
      const buf = this.stream.squeeze((n - i) * f.size);
      const view = new DataView(buf.buffer);
      for (let off = 0; off < buf.length; off += f.size) {
        // draft-irtf-cfrg-vdaf-20 §6.2: ENCODED_SIZE bytes little-endian, masked, rejected if >= p.
        const lo = view.getBigUint64(off, true);
        const x = f.size === 8 ? lo : lo | (view.getBigUint64(off + 8, true) << 64n);
        const y = x & f.mask;
        if (y >= f.modulus) continue;
        if (f.words === 1) {
          out[i] = y;
        } else {
          out[2 * i] = y & 0xffff_ffff_ffff_ffffn;
          out[2 * i + 1] = y >> 64n;
        }
        i++;
      }
    }
    return out;
  }
}

/**
 * The pure-TS XOF kernels: TurboSHAKE128 streams, XofTurboShake128, derive_seed and
 * expand_into_vec. Every stream object owns its state, so any number can be alive at once.
 *
 * @example
 * const xof = tsXof.xof(seed, dst, binder);
 * const v = xof.nextVec(Field64, 10);
 */
export const tsXof: XofKernels = {
  turboShake128(domain: number): TurboShake128 {
    return new TsTurboShake128(domain);
  },

  xof(seed: Uint8Array, dst: Uint8Array, binder: Uint8Array): Xof {
    return new TsXofTurboShake128(seed, dst, binder);
  },

  deriveSeed(seed: Uint8Array, dst: Uint8Array, binder: Uint8Array): Uint8Array {
    // draft-irtf-cfrg-vdaf-20 §6.2: derive_seed = the first SEED_SIZE bytes.
    return new TsXofTurboShake128(seed, dst, binder).next(SEED_SIZE);
  },

  expandIntoVec(
    field: Field,
    seed: Uint8Array,
    dst: Uint8Array,
    binder: Uint8Array,
    n: number,
  ): FieldVec {
    // draft-irtf-cfrg-vdaf-20 §6.2: expand_into_vec = next_vec on a fresh XOF.
    sampledField(field);
    checkCount('n', n, MAX_VEC_LEN);
    return new TsXofTurboShake128(seed, dst, binder).nextVec(field, n);
  },
};
