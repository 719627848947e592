// WebIDL-style conversion of the option dictionaries: wrong types become TypeError before any
// method step runs, as a browser's bindings would do.
// Spec: the IDL has no [EnforceRange], so a browser would wrap -1 to 4294967295 and truncate
// 1.5; a library caller is better served by an error, so we reject non-integers and values
// outside the IDL type's range with TypeError, and do not coerce strings to numbers.

import { MAX_UNSIGNED_LONG } from '../config.js';
import { AttributionTypeError } from '../errors.js';

/** A dictionary argument: undefined and null convert to an empty dictionary (WebIDL §3.2.17). */
export function toDictionary(value: unknown, name: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new AttributionTypeError(name, `${name}: expected a dictionary object`);
  }
  return value as Record<string, unknown>;
}

/** A required member: missing is a TypeError (WebIDL §3.2.17). */
export function required<T>(value: T | undefined, option: string): T {
  if (value === undefined) throw new AttributionTypeError(option, `${option}: required`);
  return value;
}

/** An `unsigned long`. */
export function toUnsignedLong(value: unknown, option: string): number {
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < 0 ||
    value > MAX_UNSIGNED_LONG
  ) {
    throw new AttributionTypeError(
      option,
      `${option}: expected an integer in [0, ${MAX_UNSIGNED_LONG}], received ${describe(value)}`,
    );
  }
  return value;
}

/** A `long`. */
export function toLong(value: unknown, option: string): number {
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < -2147483648 ||
    value > 2147483647
  ) {
    throw new AttributionTypeError(
      option,
      `${option}: expected an integer in [-2147483648, 2147483647], received ${describe(value)}`,
    );
  }
  return value;
}

/** A `double`: finite numbers only (WebIDL §3.2.4.7). */
export function toDouble(value: unknown, option: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new AttributionTypeError(
      option,
      `${option}: expected a finite number, received ${describe(value)}`,
    );
  }
  return value;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/gu;

/** A `USVString`: lone surrogates become U+FFFD. */
export function toUSVString(value: unknown, option: string): string {
  if (typeof value !== 'string') {
    throw new AttributionTypeError(
      option,
      `${option}: expected a string, received ${describe(value)}`,
    );
  }
  return value.replace(LONE_SURROGATE, '\uFFFD');
}

/** A `sequence<T>` given as an array. */
export function toSequence<T>(
  value: unknown,
  option: string,
  convert: (item: unknown, option: string) => T,
): T[] {
  if (!Array.isArray(value)) {
    throw new AttributionTypeError(
      option,
      `${option}: expected an array, received ${describe(value)}`,
    );
  }
  const out = new Array<T>(value.length);
  for (let i = 0; i < value.length; i++) out[i] = convert(value[i], `${option}[${i}]`);
  return out;
}

/** Short description of a rejected value's type (never its content for strings or objects). */
function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
