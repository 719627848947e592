// The TLS presentation language (RFC 8446 §3) as DAP-18 uses it: big-endian integers,
// fixed-length opaques, length-prefixed vectors and structs, with a strict reader.
import { DecodeError, ParamError } from './errors.js';

const U64_MAX = (1n << 64n) - 1n;

/** How a value is written to and read from the wire; one per DAP-18 struct. */
export interface Codec<T> {
  /** Appends the encoding of `value` to `w`. @throws {ParamError} when `value` is out of range. */
  write(w: Writer, value: T): void;
  /** Reads one value from `r`. @throws {DecodeError} when the bytes do not decode. */
  read(r: Reader): T;
}

/**
 * Reads a byte string front to back. Every length prefix is checked against the bytes that
 * remain before anything is sliced or allocated, so a hostile prefix cannot cause a large
 * allocation. Slices are copies: decoded values never alias the input.
 */
export class Reader {
  private readonly view: DataView;
  private offset = 0;

  private readonly bytes: Uint8Array;

  /** @param bytes the encoded message; @param what names it in error messages. */
  constructor(
    bytes: Uint8Array,
    readonly what: string,
  ) {
    // A plain Uint8Array view, so that slice() copies even when given a Node Buffer.
    this.bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** @returns the number of bytes not yet read. */
  remaining(): number {
    return this.bytes.length - this.offset;
  }

  /** @returns the current read position. */
  position(): number {
    return this.offset;
  }

  /** @returns a copy of the bytes between `start` and the current position. */
  sliceFrom(start: number): Uint8Array {
    return this.bytes.slice(start, this.offset);
  }

  private need(n: number, field: string): void {
    if (n > this.remaining()) {
      throw new DecodeError(
        `${this.what}: truncated ${field}: expected ${n} bytes, received ${this.remaining()}`,
      );
    }
  }

  /** Reads a uint8. */
  u8(field: string): number {
    this.need(1, field);
    return this.view.getUint8(this.offset++);
  }

  /** Reads a big-endian uint16. */
  u16(field: string): number {
    this.need(2, field);
    const v = this.view.getUint16(this.offset);
    this.offset += 2;
    return v;
  }

  /** Reads a big-endian uint32. */
  u32(field: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.offset);
    this.offset += 4;
    return v;
  }

  /** Reads a big-endian uint64 as a bigint. */
  u64(field: string): bigint {
    this.need(8, field);
    const v = this.view.getBigUint64(this.offset);
    this.offset += 8;
    return v;
  }

  /** Reads `n` bytes (a fixed-length opaque such as `opaque ReportID[16]`). */
  fixed(n: number, field: string): Uint8Array {
    this.need(n, field);
    const out = this.bytes.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  /** Reads the length prefix of a vector and checks it against its bounds and the input. */
  private prefix(prefixBytes: 1 | 2 | 4, min: number, field: string): number {
    const len =
      prefixBytes === 1 ? this.u8(field) : prefixBytes === 2 ? this.u16(field) : this.u32(field);
    if (len < min) {
      throw new DecodeError(
        `${this.what}: ${field} too short: expected >= ${min}, received ${len}`,
      );
    }
    this.need(len, field);
    return len;
  }

  /** Reads `opaque field<min..2^(8*prefixBytes)-1>`. */
  opaque(prefixBytes: 1 | 2 | 4, field: string, min = 0): Uint8Array {
    const len = this.prefix(prefixBytes, min, field);
    return this.fixed(len, field);
  }

  /** Reads `T field<min..2^(8*prefixBytes)-1>`: a length-prefixed vector of structs. */
  vector<T>(prefixBytes: 1 | 2 | 4, codec: Codec<T>, field: string, min = 0): T[] {
    const len = this.prefix(prefixBytes, min, field);
    const sub = new Reader(this.bytes.subarray(this.offset, this.offset + len), this.what);
    this.offset += len;
    return sub.rest(codec);
  }

  /** Reads values of `codec` until the input is exhausted (vectors sized by the content length). */
  rest<T>(codec: Codec<T>): T[] {
    const out: T[] = [];
    while (this.remaining() > 0) out.push(codec.read(this));
    return out;
  }

  /** Reads an encoded struct nested in an opaque field and requires it to fill that field. */
  nested<T>(prefixBytes: 1 | 2 | 4, codec: Codec<T>, field: string): T {
    const inner = new Reader(this.opaque(prefixBytes, field), `${this.what}.${field}`);
    const value = codec.read(inner);
    inner.end();
    return value;
  }

  /** @throws {DecodeError} when bytes remain after the last field. */
  end(): void {
    if (this.remaining() !== 0) {
      throw new DecodeError(`${this.what}: ${this.remaining()} trailing bytes`);
    }
  }
}

/** Appends encoded values to a growable buffer. */
export class Writer {
  // 256 bytes hold the short messages of the hot paths (an input share's AAD, a prep message)
  // without growing; integers are written byte by byte, so no DataView is made per writer.
  private buf = new Uint8Array(256);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Writes a uint8. @throws {ParamError} outside 0..255. */
  u8(v: number, field: string): void {
    checkUint(v, 0xff, field);
    this.reserve(1);
    this.buf[this.len++] = v;
  }

  /** Writes a big-endian uint16. @throws {ParamError} outside 0..65535. */
  u16(v: number, field: string): void {
    checkUint(v, 0xffff, field);
    this.reserve(2);
    const b = this.buf;
    b[this.len] = v >>> 8;
    b[this.len + 1] = v & 0xff;
    this.len += 2;
  }

  /** Writes a big-endian uint32. @throws {ParamError} outside 0..2^32-1. */
  u32(v: number, field: string): void {
    checkUint(v, 0xffffffff, field);
    this.reserve(4);
    this.be32(v);
  }

  /** Writes a big-endian uint64. @throws {ParamError} outside 0..2^64-1. */
  u64(v: bigint, field: string): void {
    if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) {
      throw new ParamError(`${field}: expected a bigint in 0..2^64-1, received ${describe(v)}`);
    }
    this.reserve(8);
    this.be32(Number(v >> 32n));
    this.be32(Number(v & 0xffffffffn));
  }

  /** The 4 bytes of `v` (0..2^32-1, checked by the caller), big-endian; room reserved. */
  private be32(v: number): void {
    const b = this.buf;
    const at = this.len;
    b[at] = v >>> 24;
    b[at + 1] = (v >>> 16) & 0xff;
    b[at + 2] = (v >>> 8) & 0xff;
    b[at + 3] = v & 0xff;
    this.len = at + 4;
  }

  /** Writes exactly `n` bytes. @throws {ParamError} when `bytes` has another length. */
  fixed(bytes: Uint8Array, n: number, field: string): void {
    if (!(bytes instanceof Uint8Array) || bytes.length !== n) {
      throw new ParamError(`${field}: expected ${n} bytes, received ${describe(bytes)}`);
    }
    this.raw(bytes);
  }

  /** Writes bytes with no prefix. */
  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  /** Writes `opaque field<min..2^(8*prefixBytes)-1>`. */
  opaque(bytes: Uint8Array, prefixBytes: 1 | 2 | 4, field: string, min = 0): void {
    if (!(bytes instanceof Uint8Array)) {
      throw new ParamError(`${field}: expected a Uint8Array, received ${describe(bytes)}`);
    }
    checkVectorLength(bytes.length, prefixBytes, min, field);
    this.prefixed(prefixBytes, bytes.length);
    this.raw(bytes);
  }

  /** Writes `T field<min..2^(8*prefixBytes)-1>`: the items, prefixed with their byte length. */
  vector<T>(items: readonly T[], codec: Codec<T>, prefixBytes: 1 | 2 | 4, field: string, min = 0) {
    if (!Array.isArray(items)) {
      throw new ParamError(`${field}: expected an array, received ${describe(items)}`);
    }
    const start = this.len;
    this.prefixed(prefixBytes, 0);
    for (const item of items) codec.write(this, item);
    const len = this.len - start - prefixBytes;
    checkVectorLength(len, prefixBytes, min, field);
    const at = this.len;
    this.len = start;
    this.prefixed(prefixBytes, len);
    this.len = at;
  }

  /** Writes a struct as the content of an opaque field. */
  nested<T>(value: T, codec: Codec<T>, prefixBytes: 1 | 2 | 4, field: string): void {
    const inner = new Writer();
    codec.write(inner, value);
    this.opaque(inner.finish(), prefixBytes, field);
  }

  private prefixed(prefixBytes: 1 | 2 | 4, len: number): void {
    if (prefixBytes === 1) this.u8(len, 'length');
    else if (prefixBytes === 2) this.u16(len, 'length');
    else this.u32(len, 'length');
  }

  /** @returns a copy of the bytes written so far. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

function checkUint(v: number, max: number, field: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new ParamError(`${field}: expected an integer in 0..${max}, received ${describe(v)}`);
  }
}

function checkVectorLength(len: number, prefixBytes: 1 | 2 | 4, min: number, field: string) {
  const max = 2 ** (8 * prefixBytes) - 1;
  if (len < min || len > max) {
    throw new ParamError(`${field}: expected ${min}..${max} bytes, received ${len}`);
  }
}

/**
 * A codec for `T items[message_length]`: values back to back with no length prefix, the vector
 * sized by the HTTP content length (draft-ietf-ppm-dap-18 §4.4.2, §4.4.2.2, §4.5.3.2).
 */
export function restCodec<T>(codec: Codec<T>, field: string): Codec<T[]> {
  return {
    write(w, items) {
      if (!Array.isArray(items)) {
        throw new ParamError(`${field}: expected an array, received ${describe(items)}`);
      }
      for (const item of items) codec.write(w, item);
    },
    read: (r) => r.rest(codec),
  };
}

/** Describes a value's type and size for an error message without revealing its content. */
export function describe(v: unknown): string {
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return v === null ? 'null' : typeof v;
}

/**
 * Encodes one value with its codec.
 *
 * @param codec the struct's codec
 * @param value the value
 * @returns the encoding
 * @throws {ParamError} when a field is out of range
 */
export function encodeWith<T>(codec: Codec<T>, value: T): Uint8Array {
  const w = new Writer();
  codec.write(w, value);
  return w.finish();
}

/**
 * Decodes exactly one value, rejecting truncated input and trailing bytes.
 *
 * @param codec the struct's codec
 * @param bytes the encoding
 * @param what the message name used in error messages
 * @returns the value
 * @throws {DecodeError} when the bytes are not exactly one encoded value
 */
export function decodeWith<T>(codec: Codec<T>, bytes: Uint8Array, what: string): T {
  if (!(bytes instanceof Uint8Array)) {
    throw new DecodeError(`${what}: expected a Uint8Array, received ${describe(bytes)}`);
  }
  const r = new Reader(bytes, what);
  const value = codec.read(r);
  r.end();
  return value;
}
