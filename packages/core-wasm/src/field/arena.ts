// Scratch arena in the linear memory of the field module: the TS side lays out each call's
// regions from the module's heap base upwards, grows the memory when a call needs more, and
// rebuilds its typed-array views after every growth (growth detaches the old buffer).
import { BackendError } from '../errors.js';

const PAGE = 65536;
/** Bytes reserved at the start of the arena for scalar results and error indices. */
const SLOT_BYTES = 64;

/** The arena of one module instance. Calls are synchronous, so one layout at a time exists. */
export class Arena {
  private readonly memory: WebAssembly.Memory;
  /** Byte offset of the result slot (16-byte aligned). */
  readonly slot: number;
  /** View of linear memory as 64-bit words; rebuilt after growth, so read it after `layout`. */
  u64: BigUint64Array;
  /** View of linear memory as bytes; rebuilt after growth, so read it after `layout`. */
  u8: Uint8Array;

  /**
   * @param memory - the module's exported memory.
   * @param base - first free byte (16-byte aligned) above the module's static data.
   */
  constructor(memory: WebAssembly.Memory, base: number) {
    this.memory = memory;
    this.slot = base;
    this.u64 = new BigUint64Array(memory.buffer);
    this.u8 = new Uint8Array(memory.buffer);
  }

  /** Byte offset of the second region of the last `layout`. */
  p1 = 0;
  /** Byte offset of the third region of the last `layout`. */
  p2 = 0;

  /**
   * Lays out up to three consecutive 16-byte aligned regions after the result slot, growing
   * memory as needed; the second and third offsets are left in `p1` and `p2`.
   *
   * @param a - size of the first region in bytes.
   * @param b - size of the second region in bytes.
   * @param c - size of the third region in bytes.
   * @returns the byte offset of the first region.
   * @throws {BackendError} when linear memory cannot grow that far.
   */
  layout(a: number, b = 0, c = 0): number {
    const p0 = this.slot + SLOT_BYTES;
    this.p1 = p0 + align16(a);
    this.p2 = this.p1 + align16(b);
    const end = this.p2 + align16(c);
    // The views cover all of memory until it grows, and growth detaches them (length 0), so
    // reading memory.buffer (a slow accessor) is needed only when the layout does not fit.
    if (end > this.u8.length) this.reserve(end);
    return p0;
  }

  /** Grows memory to at least `end` bytes if needed and rebuilds the views on its buffer. */
  private reserve(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      try {
        this.memory.grow(Math.ceil((end - have) / PAGE));
      } catch {
        throw new BackendError(`wasm memory: could not grow to ${end} bytes`);
      }
    }
    if (this.u64.buffer !== this.memory.buffer) {
      this.u64 = new BigUint64Array(this.memory.buffer);
      this.u8 = new Uint8Array(this.memory.buffer);
    }
  }

  /** Word `i` of the result slot. */
  slotWord(i: number): bigint {
    return this.u64[this.slot / 8 + i];
  }
}

function align16(n: number): number {
  return Math.ceil(n / 16) * 16;
}
