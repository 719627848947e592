// Status codes returned by every field kernel; the TS wrapper maps them to typed errors.

/** Success. */
export const OK: i32 = 0;
/** An element that must be nonzero is zero (batch inversion); its index is in the result slot. */
export const ERR_ZERO: i32 = 1;
/** A word is not a canonical field element (decode); its index is in the result slot. */
export const ERR_RANGE: i32 = 2;
