// Scratch arena in the linear memory of the field module: the TS side lays out each call's
// regions from the module's heap base upwards, grows the memory when a call needs more, and
// rebuilds its typed-array views after every growth (growth detaches the old buffer).
import { BackendError } from '../errors.js';

const PAGE = 65536;
/** Bytes reserved at the start of the arena for scalar results and error indices. */
const SLOT_BYTES = 64;

/** Regions of one call, as byte offsets into linear memory. */
export type Layout = number[];

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

  /**
   * Lays out consecutive 16-byte aligned regions of the given sizes after the result slot,
   * growing memory as needed.
   *
   * @param sizes - region sizes in bytes.
   * @returns the byte offset of each region.
   * @throws {BackendError} when linear memory cannot grow that far.
   */
  layout(...sizes: number[]): Layout {
    const offsets: number[] = [];
    let at = this.slot + SLOT_BYTES;
    for (const s of sizes) {
      offsets.push(at);
      at += Math.ceil(s / 16) * 16;
    }
    const have = this.memory.buffer.byteLength;
    if (at > have) {
      try {
        this.memory.grow(Math.ceil((at - have) / PAGE));
      } catch {
        throw new BackendError(`wasm memory: could not grow to ${at} bytes`);
      }
    }
    if (this.u64.buffer !== this.memory.buffer) {
      this.u64 = new BigUint64Array(this.memory.buffer);
      this.u8 = new Uint8Array(this.memory.buffer);
    }
    return offsets;
  }

  /** Word `i` of the result slot. */
  slotWord(i: number): bigint {
    return this.u64[this.slot / 8 + i];
  }
}
