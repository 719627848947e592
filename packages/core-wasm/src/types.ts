// Interfaces shared by the WASM backend and its pure-TS twin. Both implement exactly these
// signatures; every protocol package codes against them and never against a backend directly.

/**
 * A vector of field elements owned by JavaScript. Each element occupies `field.words`
 * consecutive 64-bit words, least significant word first (Field64: 1 word, Field128: 2 words),
 * always in canonical form (< p). This equals the little-endian encoding of the vector.
 */
export type FieldVec = BigUint64Array;

/** Names of the two fields of draft-irtf-cfrg-vdaf-20 §6.1.2. */
export type FieldName = 'Field64' | 'Field128';

/** Name of a backend: the AssemblyScript/WASM kernels or the pure-TS twin. */
export type BackendKind = 'wasm' | 'ts';

/**
 * A prime field with bulk vector kernels. Every vector operation crosses into the backend
 * once per call. Functions that take `out` write into it (it may alias an input) and return
 * it; without `out` they allocate the result. Lengths of `a` and `b` must match, otherwise a
 * `ParamError` is thrown. Scalars are `bigint` in [0, p).
 */
export interface Field {
  readonly name: FieldName;
  readonly backend: BackendKind;
  /** p. */
  readonly modulus: bigint;
  /** Bytes per encoded element: 8 or 16. */
  readonly encodedSize: 8 | 16;
  /** 64-bit words per element: 1 or 2. */
  readonly words: 1 | 2;
  /** Generator of the multiplicative subgroup of order `genOrder` (draft-20 §6.1.2). */
  readonly generator: bigint;
  /** 2^32 for Field64, 2^66 for Field128. */
  readonly genOrder: bigint;

  /** Number of elements in `v`. */
  len(v: FieldVec): number;
  /** A new all-zero vector of `n` elements. */
  zeros(n: number): FieldVec;
  /** A vector from integers; throws `ParamError` for any value outside [0, p). */
  fromBigInts(xs: readonly (bigint | number)[]): FieldVec;
  /** The elements as integers. */
  toBigInts(v: FieldVec): bigint[];
  /** Element `i` of `v`. */
  get(v: FieldVec, i: number): bigint;
  /** Sets element `i` of `v` to `x`; throws `ParamError` unless 0 <= x < p. */
  set(v: FieldVec, i: number, x: bigint): void;
  /** Copy of elements [start, end) of `v`. */
  slice(v: FieldVec, start: number, end?: number): FieldVec;
  /** Concatenation of vectors. */
  concat(vs: readonly FieldVec[]): FieldVec;

  add(a: FieldVec, b: FieldVec, out?: FieldVec): FieldVec;
  sub(a: FieldVec, b: FieldVec, out?: FieldVec): FieldVec;
  mul(a: FieldVec, b: FieldVec, out?: FieldVec): FieldVec;
  neg(a: FieldVec, out?: FieldVec): FieldVec;
  /** a[i] + c for every i. */
  addScalar(a: FieldVec, c: bigint, out?: FieldVec): FieldVec;
  /** a[i] * c for every i. */
  mulScalar(a: FieldVec, c: bigint, out?: FieldVec): FieldVec;
  /** Sum of the elements. */
  sum(a: FieldVec): bigint;
  /** Sum of a[i] * b[i]. */
  innerProduct(a: FieldVec, b: FieldVec): bigint;
  /** Batch inversion (Montgomery's trick); throws `ArithmeticError` if any element is 0. */
  inv(a: FieldVec, out?: FieldVec): FieldVec;
  /** [1, x, x^2, ..., x^(n-1)]. */
  powers(x: bigint, n: number): FieldVec;

  // Scalar arithmetic on bigints in [0, p), for the few places that need single elements.
  addS(x: bigint, y: bigint): bigint;
  subS(x: bigint, y: bigint): bigint;
  mulS(x: bigint, y: bigint): bigint;
  negS(x: bigint): bigint;
  /** x^-1; throws `ArithmeticError` for 0. */
  invS(x: bigint): bigint;
  powS(x: bigint, e: bigint): bigint;

  /** Little-endian encoding, `encodedSize` bytes per element (draft-20 §6.1). */
  encode(v: FieldVec): Uint8Array;
  /**
   * Decodes a whole byte string into a vector; throws `DecodeError` if the length is not a
   * multiple of `encodedSize` or any value is >= p.
   */
  decode(bytes: Uint8Array): FieldVec;

  /** Principal n-th root of unity, `generator^(genOrder / n)`; n a power of two <= genOrder. */
  nthRoot(n: number): bigint;
  /**
   * Evaluations of the polynomial with coefficients `coeffs` (lowest degree first, length at
   * most n) at w^0, w^1, ..., w^(n-1), w = nthRoot(n); n a power of two.
   */
  ntt(coeffs: FieldVec, n: number): FieldVec;
  /**
   * Evaluations at s * w^0, ..., s * w^(n-1), w = nthRoot(n), s = nthRoot(2n): the `set_s`
   * variant of draft-20 §6.1.2 `ntt`, used by Lagrange `double_evaluations`. Both backends
   * implement it; optional only so that older implementations still type-check.
   */
  nttCoset?(coeffs: FieldVec, n: number): FieldVec;
  /** Coefficients of the polynomial whose values at the powers of nthRoot(n) are `evals`. */
  invNtt(evals: FieldVec): FieldVec;
  /**
   * For each row of the `rows` x n row-major matrix `vals` (row r: the values at the powers of
   * w = nthRoot(n) of a polynomial of degree < n), its values at s * w^0, ..., s * w^(n-1),
   * s = nthRoot(2n): `nttCoset(invNtt(row), n)` for every row in one call, the odd half of
   * draft-20 §6.1.3.2 double_evaluations. n must be a power of two; `out` may alias `vals`.
   * Optional only so that older implementations still type-check.
   */
  cosetEvalsRows?(vals: FieldVec, rows: number, out?: FieldVec): FieldVec;
  /**
   * The gadget polynomial of ParallelSum(Mul) by draft-20 §6.1.3.2 double_evaluations: rows 2j
   * and 2j + 1 of the (2 * pairs) x n row-major matrix `wires` are the values of x_j and y_j at
   * the powers of nthRoot(n) (n a power of two); returns the 2n values of sum_j x_j * y_j at
   * the powers of nthRoot(2n). Optional only so that older implementations still type-check.
   */
  sumProductsDoubled?(wires: FieldVec, pairs: number): FieldVec;
  /** Value at x of the polynomial with coefficients `coeffs` (Horner). */
  polyEval(coeffs: FieldVec, x: bigint): bigint;
  /** Product of two polynomials in coefficient form (NTT-based above a small size). */
  polyMul(a: FieldVec, b: FieldVec): FieldVec;
  /**
   * Value at x of the polynomial of degree < n given by its values `evals` at the powers of
   * nthRoot(n), n = len(evals) a power of two (barycentric formula; Lagrange basis as the
   * FLP of draft-20 §7.3 uses it).
   */
  lagrangeEval(evals: FieldVec, x: bigint): bigint;
  /**
   * The Lagrange basis values L_i(x), i < n, of the n nodes at the powers of nthRoot(n) (n a
   * power of two), so that innerProduct(evals, lagrangeBasis(n, x)) = lagrangeEval(evals, x).
   * Division-free (prefix and suffix products), so x may be a node. Optional: callers fall back
   * to a batch inversion where a Field lacks it.
   */
  lagrangeBasis?(n: number, x: bigint, out?: FieldVec): FieldVec;
}

/** TurboSHAKE128 (RFC 9861) as a stream: absorb any number of times, then squeeze. */
export interface TurboShake128 {
  /** Appends message bytes; throws `ParamError` after the first squeeze. */
  absorb(data: Uint8Array): this;
  /** The next `n` output bytes. */
  squeeze(n: number): Uint8Array;
  /** Fills `out` with the next output bytes. */
  squeezeInto(out: Uint8Array): void;
}

/** XofTurboShake128 of draft-irtf-cfrg-vdaf-20 §6.2.1, after construction. */
export interface Xof {
  /** The next `n` bytes of the stream. */
  next(n: number): Uint8Array;
  /** The next `n` field elements, by rejection sampling (draft-20 §6.2, next_vec). */
  nextVec(field: Field, n: number): FieldVec;
}

/** Exact rational number; both parts positive for scales. */
export interface Rational {
  num: bigint;
  den: bigint;
}

/** Options of the noise samplers. */
export interface NoiseOptions {
  /** 32 bytes; makes the output reproducible. Omitted: a fresh CSPRNG seed, then discarded. */
  seed?: Uint8Array;
  /** Backend to use; the default backend otherwise. */
  backend?: BackendKind;
}

/** Where each part of a backend runs: its WASM module or the pure-TS twin. */
export interface BackendParts {
  /** Field64 and Field128 (WASM module "field"). */
  readonly fields: BackendKind;
  /** TurboSHAKE128 and XofTurboShake128 (WASM module "xof"). */
  readonly xof: BackendKind;
  /** The discrete Laplace and Gaussian samplers (WASM module "noise"). */
  readonly noise: BackendKind;
}

/** Everything a backend provides. */
export interface Backend {
  /** `'wasm'` when every part runs on WASM, `'ts'` when any part runs on the twin. */
  readonly kind: BackendKind;
  /** Where each part runs; the default backend falls back to the twin part by part. */
  readonly parts: BackendParts;
  readonly Field64: Field;
  readonly Field128: Field;
  /** A TurboSHAKE128 stream with domain separation byte `domain` (0x01..0x7f). */
  turboShake128(domain: number): TurboShake128;
  /** XofTurboShake128(seed, dst, binder); seed of any length up to 255 bytes (draft-20 §6.2.1). */
  xof(seed: Uint8Array, dst: Uint8Array, binder: Uint8Array): Xof;
  /** XofTurboShake128 derive_seed: the first 32 bytes of the stream. */
  deriveSeed(seed: Uint8Array, dst: Uint8Array, binder: Uint8Array): Uint8Array;
  /** XofTurboShake128 expand_into_vec: `n` field elements of a fresh stream. */
  expandIntoVec(
    field: Field,
    seed: Uint8Array,
    dst: Uint8Array,
    binder: Uint8Array,
    n: number,
  ): FieldVec;
  /** `count` samples of the discrete Laplace distribution with scale `scale` (t > 0). */
  discreteLaplace(scale: Rational | number, count: number, options?: NoiseOptions): BigInt64Array;
  /** `count` samples of the discrete Gaussian with variance parameter `sigmaSquared`. */
  discreteGaussian(
    sigmaSquared: Rational | number,
    count: number,
    options?: NoiseOptions,
  ): BigInt64Array;
}
