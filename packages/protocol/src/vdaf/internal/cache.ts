// Per-field caches of constants the FLP uses again and again (roots of unity, inverses of small
// integers, interpolation matrices), so that no report pays for a modular exponentiation.
import type { Field, FieldVec } from '@private-measurement/core-wasm';

const caches = new WeakMap<Field, Map<string, unknown>>();

/** The value cached under `key` for `field`, computed by `make` on first use. */
export function cached<T>(field: Field, key: string, make: () => T): T {
  let m = caches.get(field);
  if (m === undefined) {
    m = new Map();
    caches.set(field, m);
  }
  let v = m.get(key) as T | undefined;
  if (v === undefined) {
    v = make();
    m.set(key, v);
  }
  return v;
}

/** 1/n in the field (n >= 1), cached. */
export function invInt(field: Field, n: number): bigint {
  return cached(field, `inv:${n}`, () => field.invS(BigInt(n)));
}

/** [w^0, ..., w^(n-1)], w = nthRoot(n), cached; callers must not modify it. */
export function nodes(field: Field, n: number): FieldVec {
  return cached(field, `nodes:${n}`, () => field.powers(field.nthRoot(n), n));
}

/** [-w^0, ..., -w^(n-1)], w = nthRoot(n), cached; callers must not modify it. */
export function negNodes(field: Field, n: number): FieldVec {
  return cached(field, `negNodes:${n}`, () => field.neg(nodes(field, n)));
}

/** x^(2^k) by k squarings (n = 2^k a power of two). */
export function powPow2(field: Field, x: bigint, n: number): bigint {
  let y = x;
  for (let m = 1; m < n; m *= 2) y = field.mulS(y, y);
  return y;
}
