/**
 * The checks of user values that encoders, fixed headers, request builders and lib/ share: the one
 * integer check of the project with the one table of the C integer types' ranges, and the checks of
 * objects and text. A failure is an InvalidArgumentError naming the field, thrown before anything
 * is written.
 */
import { InvalidArgumentError } from './errors.js';

/** The ranges of the integer types netlink messages carry (byte order does not change a range). */
export const INTEGER_RANGES = {
  u8: [0, 0xff],
  u16: [0, 0xffff],
  u32: [0, 0xffffffff],
  s8: [-0x80, 0x7f],
  s16: [-0x8000, 0x7fff],
  s32: [-0x80000000, 0x7fffffff],
} as const satisfies Record<string, readonly [number, number]>;

export type IntegerType = keyof typeof INTEGER_RANGES;

/** True when `value` is a whole number in [min, max] (the test checkInteger makes). */
export function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && value >= min && value <= max && Number.isInteger(value);
}

/** The error checkInteger throws, for callers that test with isIntegerIn on a hot path. */
export function integerError(field: string, value: unknown, min: number, max: number): InvalidArgumentError {
  return new InvalidArgumentError(field, value, `is not a whole number from ${min} to ${max}`);
}

/** `value` if it is a whole number in [min, max]; otherwise InvalidArgumentError naming `field`. */
export function checkInteger(value: unknown, field: string, min: number, max: number): number {
  if (!isIntegerIn(value, min, max)) throw integerError(field, value, min, max);
  return value;
}

/** `value` if it is a TCP or UDP port from `min` (1, or 0 where the kernel may choose) to 65535; otherwise InvalidArgumentError. */
export function checkPort(value: unknown, field: string, min = 1): number {
  if (!isIntegerIn(value, min, 65535)) throw new InvalidArgumentError(field, value, `is not a port: a whole number from ${min} to 65535`);
  return value;
}

/** `value` if it fits the C type `type`; otherwise InvalidArgumentError naming `field`. */
export function checkIntegerType(value: unknown, field: string, type: IntegerType): number {
  const [min, max] = INTEGER_RANGES[type];
  return checkInteger(value, field, min, max);
}

export const checkU8 = (value: unknown, field: string): number => checkInteger(value, field, 0, 0xff);
export const checkU16 = (value: unknown, field: string): number => checkInteger(value, field, 0, 0xffff);
export const checkU32 = (value: unknown, field: string): number => checkInteger(value, field, 0, 0xffffffff);
export const checkS32 = (value: unknown, field: string): number => checkInteger(value, field, -0x80000000, 0x7fffffff);

const U64_MAX = 0xffffffffffffffffn;

/** The error checkU64 throws, for callers that test the value themselves (the struct encoders). */
export function u64Error(field: string, value: unknown): InvalidArgumentError {
  return new InvalidArgumentError(field, value, 'is not a bigint from 0n to 18446744073709551615n (a u64)');
}

/** `value` if it is a bigint from 0 to 2^64 - 1 (a u64 attribute or field); otherwise InvalidArgumentError. */
export function checkU64(value: unknown, field: string): bigint {
  if (typeof value !== 'bigint' || value < 0n || value > U64_MAX) throw u64Error(field, value);
  return value;
}

/** `value` if it is a bigint from -2^63 to 2^63 - 1 (an s64); otherwise InvalidArgumentError. */
export function checkS64(value: unknown, field: string): bigint {
  if (typeof value !== 'bigint' || value < -(2n ** 63n) || value >= 2n ** 63n) {
    throw new InvalidArgumentError(field, value, 'is not a bigint from -2^63 to 2^63 - 1 (an s64)');
  }
  return value;
}

/** `value` if it is a plain object (not null, an array or bytes); otherwise InvalidArgumentError saying `what` was expected. */
export function checkRecord(value: unknown, field: string, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw new InvalidArgumentError(field, value, `is not ${what}`);
  }
  return value as Record<string, unknown>;
}

/** `value` if it is an array; otherwise InvalidArgumentError saying `what` was expected. */
export function checkArray(value: unknown, field: string, what: string): unknown[] {
  if (!Array.isArray(value)) throw new InvalidArgumentError(field, value, `is not ${what}`);
  return value;
}

const utf8 = new TextEncoder();

/**
 * The UTF-8 bytes of a string netlink carries (names, kinds, labels), without its NUL: refused if
 * it is not a string, not valid Unicode, holds a NUL, or is longer than `maxBytes`.
 */
export function encodeText(value: unknown, field: string, maxBytes: number, what = 'a string'): Uint8Array {
  if (typeof value !== 'string') throw new InvalidArgumentError(field, value, `is not ${what}`);
  if (!value.isWellFormed()) throw new InvalidArgumentError(field, value, 'is not valid Unicode (a lone surrogate), so it has no UTF-8 form');
  const encoded = utf8.encode(value);
  if (encoded.includes(0)) throw new InvalidArgumentError(field, value, 'contains a NUL character');
  if (encoded.length > maxBytes) throw new InvalidArgumentError(field, value, `is ${encoded.length} bytes, at most ${maxBytes} allowed`);
  return encoded;
}
