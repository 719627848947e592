// Streaming TurboSHAKE128 (RFC 9861 §2.2): a sponge on Keccak-p[1600, 12] with rate 168 and a
// domain byte D in 0x01..0x7f. The whole stream state lives in a caller-owned context of
// TS_CTX_SIZE bytes, so any number of streams can coexist; nothing here is global.
import { keccakP1600x12 } from './keccak';

/** Bytes of a TurboSHAKE128 context: 200 state bytes, the position, D, the phase, scratch. */
export const TS_CTX_SIZE: usize = 256;

/** Rate in bytes: 1344 bits (RFC 9861 §2.2). */
export const TS_RATE: usize = 168;

// Context layout. Absorbing: POS < 168 is where the next message byte goes (a full block is
// permuted at once). Squeezing: POS <= 168 is the next unread output byte (168: permute first).
const POS: usize = 200;
const DOMAIN: usize = 204;
const SQUEEZING: usize = 208;
/** 16 spare bytes of the context, for a candidate that straddles two output blocks. */
export const TS_TMP: usize = 224;

/**
 * Starts a TurboSHAKE128 stream in `ctx`.
 *
 * @param ctx - TS_CTX_SIZE writable bytes, 8-byte aligned.
 * @param domain - the domain byte D; the caller checks 0x01 <= D <= 0x7f.
 */
export function tsInit(ctx: usize, domain: u32): void {
  memory.fill(ctx, 0, TS_CTX_SIZE);
  store<u32>(ctx + DOMAIN, domain);
}

/** True once the stream has been padded and squeezed from. */
export function tsIsSqueezing(ctx: usize): bool {
  return load<u32>(ctx + SQUEEZING) != 0;
}

/**
 * Absorbs `len` message bytes at `ptr`. Ignored once squeezing has started (the WASM module
 * entry reports that case as an error; callers of this function check `tsIsSqueezing`).
 *
 * @param ctx - a context started by `tsInit`.
 * @param ptr - message bytes.
 * @param len - their count.
 */
export function tsAbsorb(ctx: usize, ptr: usize, len: usize): void {
  if (load<u32>(ctx + SQUEEZING) != 0) return;
  let pos = <usize>load<u32>(ctx + POS);
  while (len > 0) {
    if (pos == 0 && len >= TS_RATE) {
      // A whole block: XOR it in as 21 lanes.
      for (let i: usize = 0; i < TS_RATE; i += 8) {
        store<u64>(ctx + i, load<u64>(ctx + i) ^ load<u64>(ptr + i));
      }
      keccakP1600x12(ctx);
      ptr += TS_RATE;
      len -= TS_RATE;
      continue;
    }
    let take = TS_RATE - pos;
    if (take > len) take = len;
    for (let i: usize = 0; i < take; i++) {
      store<u8>(ctx + pos + i, load<u8>(ctx + pos + i) ^ load<u8>(ptr + i));
    }
    pos += take;
    ptr += take;
    len -= take;
    if (pos == TS_RATE) {
      keccakP1600x12(ctx);
      pos = 0;
    }
  }
  store<u32>(ctx + POS, <u32>pos);
}

/**
 * Ends absorbing if it has not ended: XORs D after the message and 0x80 into the last rate
 * byte, then permutes (RFC 9861 §2.2, the pad10*1 rule with D as its first bit).
 *
 * @param ctx - a started context.
 */
export function tsFinish(ctx: usize): void {
  if (load<u32>(ctx + SQUEEZING) != 0) return;
  const pos = <usize>load<u32>(ctx + POS);
  store<u8>(ctx + pos, load<u8>(ctx + pos) ^ (<u8>load<u32>(ctx + DOMAIN)));
  store<u8>(ctx + TS_RATE - 1, load<u8>(ctx + TS_RATE - 1) ^ 0x80);
  keccakP1600x12(ctx);
  store<u32>(ctx + POS, 0);
  store<u32>(ctx + SQUEEZING, 1);
}

/**
 * Writes the next `len` output bytes to `out`, ending absorption first if needed.
 *
 * @param ctx - a started context.
 * @param out - destination of `len` bytes (may not overlap the context).
 * @param len - byte count.
 */
export function tsSqueeze(ctx: usize, out: usize, len: usize): void {
  tsFinish(ctx);
  let pos = <usize>load<u32>(ctx + POS);
  while (len > 0) {
    if (pos == TS_RATE) {
      keccakP1600x12(ctx);
      pos = 0;
    }
    let take = TS_RATE - pos;
    if (take > len) take = len;
    memory.copy(out, ctx + pos, take);
    pos += take;
    out += take;
    len -= take;
  }
  store<u32>(ctx + POS, <u32>pos);
}

/**
 * The position of the next unread output byte (0..168), for readers that take output straight
 * from the state (see `tsSetPos`). Only meaningful after `tsFinish`.
 */
export function tsPos(ctx: usize): usize {
  return <usize>load<u32>(ctx + POS);
}

/** Records that output up to `pos` has been read straight from the state. */
export function tsSetPos(ctx: usize, pos: usize): void {
  store<u32>(ctx + POS, <u32>pos);
}
