// Entry of the field module: Field64 and Field128 vector kernels over caller-laid-out linear
// memory. Nothing here allocates; the TS wrapper owns every region from `heapBase()` upwards.
export * from './f64';
export * from './f128';
export * from './f128-ntt';

/** First byte of linear memory that no static data uses; the wrapper's arena starts here. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}
