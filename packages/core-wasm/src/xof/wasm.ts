// The WASM XOF backend: TurboSHAKE128 streams and XofTurboShake128 on the AssemblyScript
// kernels of assembly/xof. This wrapper owns the memory above the module's heap base: two
// sponge contexts and a scratch arena that grows on demand (views are rebuilt after growth).
//
// Several streams alive at once: one context in WASM memory is "resident" and belongs to the
// stream used last; every other stream keeps its 256-byte context in a JS buffer. Using a
// stream that is not resident saves the resident one's context and loads its own, so a stream
// used on its own never copies, and interleaved streams never see each other's state.
import type { XofKernels } from '../backend.js';
import type { Field, FieldVec, TurboShake128, Xof } from '../types.js';
import { BackendError, ParamError } from '../errors.js';
import {
  checkBytes,
  checkCount,
  checkDomain,
  checkXofInputs,
  MAX_OUTPUT_BYTES,
  MAX_VEC_LEN,
  SEED_SIZE,
  sampledField,
  type SampledField,
  XOF_DOMAIN,
  xofPrefix,
} from './params.js';

/** The exports of assembly/xof/index.ts. */
interface XofExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  ctxSize(): number;
  init(ctx: number, domain: number): number;
  absorb(ctx: number, ptr: number, len: number): number;
  squeeze(ctx: number, out: number, len: number): number;
  nextVec(
    ctx: number,
    out: number,
    n: number,
    size: number,
    pLo: bigint,
    pHi: bigint,
    mLo: bigint,
    mHi: bigint,
  ): number;
  deriveSeed(ctx: number, msg: number, msgLen: number, out: number): number;
  expand(
    ctx: number,
    msg: number,
    msgLen: number,
    out: number,
    n: number,
    size: number,
    pLo: bigint,
    pHi: bigint,
    mLo: bigint,
    mHi: bigint,
  ): number;
}

// Kernel status codes (assembly/xof/index.ts).
const OK = 0;
const ERR_PARAM = 1;
const ERR_PHASE = 2;

/** Bytes moved through the scratch arena per kernel call when absorbing or squeezing. */
const CHUNK = 1 << 20;

const PAGE = 65536;
const WORD = (1n << 64n) - 1n;

/** Modulus and mask split into the signed 64-bit halves the kernels take. */
interface KernelField {
  f: SampledField;
  pLo: bigint;
  pHi: bigint;
  mLo: bigint;
  mHi: bigint;
}

const kernelFields = new WeakMap<SampledField, KernelField>();

function kernelField(field: Field): KernelField {
  const f = sampledField(field);
  let kf = kernelFields.get(f);
  if (kf === undefined) {
    const i64 = (x: bigint): bigint => BigInt.asIntN(64, x);
    kf = {
      f,
      pLo: i64(f.modulus & WORD),
      pHi: i64(f.modulus >> 64n),
      mLo: i64(f.mask & WORD),
      mHi: i64(f.mask >> 64n),
    };
    kernelFields.set(f, kf);
  }
  return kf;
}

function check(status: number): void {
  if (status === OK) return;
  if (status === ERR_PHASE) throw new ParamError('absorb: expected before the first squeeze');
  if (status === ERR_PARAM) throw new ParamError('xof kernel: parameter out of range');
  throw new BackendError(`xof kernel: unexpected status ${status}`);
}

/** Memory layout and the resident context of one module instance. */
class Arena {
  readonly k: XofExports;
  readonly ctxSize: number;
  /** Context of the resident stream. */
  readonly slot: number;
  /** Context of one-shot calls (derive_seed, expand_into_vec), never resident. */
  readonly oneShot: number;
  /** Start of the scratch arena, 64-byte aligned. */
  readonly scratch: number;
  resident: WasmTurboShake128 | null = null;
  private view: Uint8Array;

  constructor(instance: WebAssembly.Instance) {
    const k = instance.exports as unknown as XofExports;
    for (const name of [
      'heapBase',
      'ctxSize',
      'init',
      'absorb',
      'squeeze',
      'nextVec',
      'deriveSeed',
      'expand',
    ]) {
      if (typeof (k as unknown as Record<string, unknown>)[name] !== 'function') {
        throw new BackendError(`wasm module "xof" lacks export ${name}`);
      }
    }
    if (!(k.memory instanceof WebAssembly.Memory)) {
      throw new BackendError('wasm module "xof" lacks its memory export');
    }
    this.k = k;
    this.ctxSize = k.ctxSize();
    this.slot = k.heapBase();
    this.oneShot = this.slot + this.ctxSize;
    this.scratch = this.oneShot + this.ctxSize;
    this.view = new Uint8Array(k.memory.buffer);
    this.ensure(0);
  }

  /**
   * A byte view of the whole memory, rebuilt when growth detached the old buffer. Growth always
   * detaches it (its views then read as empty), so the memory.buffer accessor, slow next to
   * a length check, is read only then.
   */
  bytes(): Uint8Array {
    if (this.view.byteLength === 0) this.view = new Uint8Array(this.k.memory.buffer);
    return this.view;
  }

  /**
   * Grows memory so that `len` scratch bytes are addressable.
   * @throws {BackendError} when the memory cannot grow that far.
   */
  ensure(len: number): void {
    const need = this.scratch + len;
    if (need <= this.bytes().byteLength) return;
    const have = this.k.memory.buffer.byteLength;
    try {
      this.k.memory.grow(Math.ceil((need - have) / PAGE));
    } catch {
      throw new BackendError(`wasm memory: could not grow to ${need} bytes`);
    }
  }

  /** Makes `s` the resident stream, saving the context of the one it replaces. */
  activate(s: WasmTurboShake128): void {
    if (this.resident === s) return;
    this.claim(s);
    this.bytes().set(s.saved, this.slot);
  }

  /** Makes `s` resident without loading its context (the caller initialises the slot). */
  claim(s: WasmTurboShake128): void {
    if (this.resident !== null && this.resident !== s) {
      this.resident.saved.set(this.bytes().subarray(this.slot, this.slot + this.ctxSize));
    }
    this.resident = s;
  }
}

/** A TurboSHAKE128 stream whose sponge runs in WASM (see the header for shared contexts). */
class WasmTurboShake128 implements TurboShake128 {
  /** This stream's context while another stream is resident. */
  readonly saved: Uint8Array;
  private readonly a: Arena;

  constructor(a: Arena, domain: number) {
    checkDomain(domain);
    this.a = a;
    this.saved = new Uint8Array(a.ctxSize);
    a.claim(this);
    // RFC 9861 §2.2: Keccak-p[1600, 12 rounds], rate 168; D checked as RFC 9861 §2.1 asks.
    check(a.k.init(a.slot, domain));
  }

  /** Absorbs the framed XofTurboShake128 message (prefix, then binder) in one call. */
  absorbFramed(seed: Uint8Array, dst: Uint8Array, binder: Uint8Array): void {
    const a = this.a;
    const len = 3 + dst.length + seed.length + binder.length;
    if (len > CHUNK) {
      this.absorb(xofPrefix(seed, dst)).absorb(binder);
      return;
    }
    a.ensure(len);
    a.activate(this);
    stageMessage(a, seed, dst, binder);
    check(a.k.absorb(a.slot, a.scratch, len));
  }

  absorb(data: Uint8Array): this {
    checkBytes('data', data);
    const a = this.a;
    a.ensure(Math.min(data.length, CHUNK));
    a.activate(this);
    let at = 0;
    do {
      const len = Math.min(CHUNK, data.length - at);
      a.bytes().set(data.subarray(at, at + len), a.scratch);
      check(a.k.absorb(a.slot, a.scratch, len));
      at += len;
    } while (at < data.length);
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

  /** next_vec in one kernel call, straight into a new vector. */
  nextVec(kf: KernelField, n: number): FieldVec {
    const a = this.a;
    const bytes = n * kf.f.size;
    a.ensure(bytes);
    a.activate(this);
    check(a.k.nextVec(a.slot, a.scratch, n, kf.f.size, kf.pLo, kf.pHi, kf.mLo, kf.mHi));
    const out = new BigUint64Array(n * kf.f.words);
    new Uint8Array(out.buffer).set(a.bytes().subarray(a.scratch, a.scratch + bytes));
    return out;
  }

  private fill(out: Uint8Array): void {
    // Spec: RFC 9861 §2.1 asks for L > 0; a 0-byte squeeze returns nothing but ends absorbing.
    const a = this.a;
    a.ensure(Math.min(out.length, CHUNK));
    a.activate(this);
    let at = 0;
    do {
      const len = Math.min(CHUNK, out.length - at);
      check(a.k.squeeze(a.slot, a.scratch, len));
      out.set(a.bytes().subarray(a.scratch, a.scratch + len), at);
      at += len;
    } while (at < out.length);
  }
}

/** XofTurboShake128 on a WASM TurboSHAKE128 stream (draft-irtf-cfrg-vdaf-20 §6.2.1). */
class WasmXofTurboShake128 implements Xof {
  private readonly stream: WasmTurboShake128;

  constructor(a: Arena, seed: Uint8Array, dst: Uint8Array, binder: Uint8Array) {
    checkXofInputs(seed, dst, binder);

    // draft-irtf-cfrg-vdaf-20 §6.2.1: M = len(dst) || dst || len(seed) || seed || binder, D = 1.
    this.stream = new WasmTurboShake128(a, XOF_DOMAIN);
    this.stream.absorbFramed(seed, dst, binder);
  }

  next(n: number): Uint8Array {
    return this.stream.squeeze(n);
  }

  nextVec(field: Field, n: number): FieldVec {
    const kf = kernelField(field);
    checkCount('n', n, MAX_VEC_LEN);
    // Spec: next_vec requires length > 0; for 0 we return an empty vector and read nothing.
    return this.stream.nextVec(kf, n);
  }
}

/**
 * Writes the framed XofTurboShake128 message to scratch, as `xofPrefix` frames it, followed
 * by the binder; the caller has made room for it.
 */
function stageMessage(a: Arena, seed: Uint8Array, dst: Uint8Array, binder: Uint8Array): void {
  const mem = a.bytes();
  const at = a.scratch;

  // draft-irtf-cfrg-vdaf-20 §6.2.1: to_le_bytes(len(dst), 2) || dst ||
  // to_le_bytes(len(seed), 1) || seed || binder.
  mem[at] = dst.length & 0xff;
  mem[at + 1] = dst.length >>> 8;
  mem.set(dst, at + 2);
  mem[at + 2 + dst.length] = seed.length;
  mem.set(seed, at + 3 + dst.length);
  mem.set(binder, at + 3 + dst.length + seed.length);
}

/**
 * The XOF kernels on a WASM instance of module "xof".
 *
 * @param instance - the instantiated module (see src/internal/wasm.ts).
 * @returns TurboSHAKE128 streams, XofTurboShake128, derive_seed and expand_into_vec; the two
 *   one-shot functions cross into WASM once per call.
 * @throws {BackendError} when the instance lacks an expected export.
 */
export function wasmXof(instance: WebAssembly.Instance): XofKernels {
  const a = new Arena(instance);
  return {
    turboShake128(domain: number): TurboShake128 {
      return new WasmTurboShake128(a, domain);
    },

    xof(seed: Uint8Array, dst: Uint8Array, binder: Uint8Array): Xof {
      return new WasmXofTurboShake128(a, seed, dst, binder);
    },

    deriveSeed(seed: Uint8Array, dst: Uint8Array, binder: Uint8Array): Uint8Array {
      checkXofInputs(seed, dst, binder);
      const msgLen = 3 + dst.length + seed.length + binder.length;
      const outAt = Math.ceil(msgLen / 8) * 8;
      a.ensure(outAt + SEED_SIZE);

      // draft-irtf-cfrg-vdaf-20 §6.2: derive_seed = the first SEED_SIZE bytes of the stream.
      stageMessage(a, seed, dst, binder);
      check(a.k.deriveSeed(a.oneShot, a.scratch, msgLen, a.scratch + outAt));
      return a.bytes().slice(a.scratch + outAt, a.scratch + outAt + SEED_SIZE);
    },

    expandIntoVec(
      field: Field,
      seed: Uint8Array,
      dst: Uint8Array,
      binder: Uint8Array,
      n: number,
    ): FieldVec {
      const kf = kernelField(field);
      checkXofInputs(seed, dst, binder);
      checkCount('n', n, MAX_VEC_LEN);
      const msgLen = 3 + dst.length + seed.length + binder.length;
      const outAt = Math.ceil(msgLen / 8) * 8;
      const bytes = n * kf.f.size;
      a.ensure(outAt + bytes);

      // draft-irtf-cfrg-vdaf-20 §6.2: expand_into_vec = next_vec on a fresh XOF, in one call.
      stageMessage(a, seed, dst, binder);
      const at = a.scratch + outAt;
      check(
        a.k.expand(a.oneShot, a.scratch, msgLen, at, n, kf.f.size, kf.pLo, kf.pHi, kf.mLo, kf.mHi),
      );
      const out = new BigUint64Array(n * kf.f.words);
      new Uint8Array(out.buffer).set(a.bytes().subarray(at, at + bytes));
      return out;
    },
  };
}
