// Fair allocation of an integer conversion value across credit fractions by randomized
// pairwise rounding (W3C Attribution §4.4.2.1 "fairly allocate credit").

/**
 * Split the integer `value` in proportion to `credit`, rounding randomly so that the result sums
 * to `value`, each share's expectation equals its exact proportion, and no share is off by one
 * or more (W3C Attribution §4.4.2.1).
 *
 * @param credit - positive weights, at least one
 * @param value - the integer to split
 * @param random - uniform random number in [0, 1]
 * @returns integer shares, one per credit weight
 * @throws {RangeError} when credit is empty
 * @example
 * fairlyAllocateCredit([0.5, 0.25, 0.25], 4, Math.random); // [2, 1, 1]
 */
export function fairlyAllocateCredit(
  credit: readonly number[],
  value: number,
  random: () => number,
): number[] {
  // W3C Attribution §4.4.2.1 step 1.
  if (credit.length === 0) throw new RangeError('credit: expected at least one value');

  // W3C Attribution §4.4.2.1 steps 2-4: normalise to fractions of value.
  let sumCredit = 0;
  for (const item of credit) sumCredit += item;
  const roundedCredit = credit.map((item) => (value * item) / sumCredit);

  // W3C Attribution §4.4.2.1 steps 5-6: carry one fractional entry (idx1) along the list and
  // settle it against each next entry, so that one of the pair becomes an integer.
  let idx1 = 0;
  for (let n = 1; n < roundedCredit.length; n++) {
    let idx2 = n;
    const frac1 = roundedCredit[idx1]! - Math.floor(roundedCredit[idx1]!);
    const frac2 = roundedCredit[idx2]! - Math.floor(roundedCredit[idx2]!);

    if (frac1 === 0 && frac2 === 0) continue;

    // Amounts that make each entry integral: both up when the fractions exceed 1 together.
    let incr1: number;
    let incr2: number;
    if (frac1 + frac2 > 1) {
      incr1 = 1 - frac1;
      incr2 = 1 - frac2;
    } else {
      incr1 = -frac1;
      incr2 = -frac2;
    }

    // Probability that idx1 is the entry made integral.
    const p1 = incr2 / (incr1 + incr2);

    const r = random();
    let incr: number;
    if (r < p1) {
      incr = incr1;
      [idx1, idx2] = [idx2, idx1];
    } else {
      incr = incr2;
    }

    // Move incr from one entry to the other: the sum is unchanged.
    roundedCredit[idx2]! += incr;
    roundedCredit[idx1]! -= incr;
  }

  // W3C Attribution §4.4.2.1 step 7: remove floating-point residue, halves away from zero.
  // Adding 0 turns a negative zero into zero.
  return roundedCredit.map((item) => Math.sign(item) * Math.round(Math.abs(item)) + 0);
}
