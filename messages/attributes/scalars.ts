import type { Codec } from './codec.js';
import type { Source } from '../source.js';
import type { Writer } from '../writer.js';

function fail(field: string, value: unknown, expected: string): never {
  throw new TypeError(`${field}: expected ${expected}, got ${describe(value)}`);
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function integer(bits: 8 | 16 | 32, signed: boolean) {
  const min = signed ? -(2 ** (bits - 1)) : 0;
  const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  return (field: string, value: unknown): number => {
    if (typeof value !== 'number' || !Number.isInteger(value)) fail(field, value, `an integer`);
    if (value < min || value > max) throw new RangeError(`${field}: ${value} is out of range ${min}..${max}`);
    return value;
  };
}

const checkU8 = integer(8, false);
const checkU16 = integer(16, false);
const checkU32 = integer(32, false);
const checkS32 = integer(32, true);

function fixed<T>(
  label: string,
  size: number,
  read: (src: Source, at: number) => T,
  write: (w: Writer, value: T, field: string) => void,
): Codec<T> {
  return {
    label,
    shape: 'value',
    nestedFlag: false,
    decode(src, start, end) {
      src.expectLength(start, end, size, label);
      return read(src, start);
    },
    encode: write,
  };
}

export const u8: Codec<number> = fixed('u8', 1, (s, at) => s.view.getUint8(at), (w, v, f) => w.u8(checkU8(f, v)));
export const u16: Codec<number> = fixed('u16', 2, (s, at) => s.view.getUint16(at, true), (w, v, f) => w.u16(checkU16(f, v)));
export const u32: Codec<number> = fixed('u32', 4, (s, at) => s.view.getUint32(at, true), (w, v, f) => w.u32(checkU32(f, v)));
export const s32: Codec<number> = fixed('s32', 4, (s, at) => s.view.getInt32(at, true), (w, v, f) => w.s32(checkS32(f, v)));
export const u16be: Codec<number> = fixed('big-endian u16', 2, (s, at) => s.view.getUint16(at, false), (w, v, f) => w.u16be(checkU16(f, v)));
export const u32be: Codec<number> = fixed('big-endian u32', 4, (s, at) => s.view.getUint32(at, false), (w, v, f) => w.u32be(checkU32(f, v)));

export const u64: Codec<bigint> = fixed(
  'u64',
  8,
  (s, at) => s.view.getBigUint64(at, true),
  (w, v, f) => {
    if (typeof v !== 'bigint') fail(f, v, 'a bigint');
    if (v < 0n || v > 0xffffffffffffffffn) throw new RangeError(`${f}: ${v} is out of range 0..2^64-1`);
    w.u64(v);
  },
);

/** A zero-length attribute whose presence means true. */
export const flag: Codec<true> = {
  label: 'flag',
  shape: 'value',
  nestedFlag: false,
  decode(src, start, end) {
    src.expectLength(start, end, 0, 'flag');
    return true;
  },
  encode(_w, v, f) {
    if (v !== true) fail(f, v, 'true (a flag is present or absent)');
  },
};

export const bytes: Codec<Uint8Array> = {
  label: 'bytes',
  shape: 'value',
  nestedFlag: false,
  decode(src, start, end) {
    return src.bytes.slice(start, end);
  },
  encode(w, v, f) {
    if (!(v instanceof Uint8Array)) fail(f, v, 'a Uint8Array');
    w.bytes(v);
  },
};

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** Reads bytes up to the first NUL (or the end) as UTF-8, with an ASCII fast path. */
export function readCString(bytes: Uint8Array, start: number, end: number): string {
  let stop = start;
  let ascii = true;
  while (stop < end && bytes[stop] !== 0) {
    if (bytes[stop]! >= 0x80) ascii = false;
    stop++;
  }
  if (ascii && stop - start < 64) {
    let s = '';
    for (let i = start; i < stop; i++) s += String.fromCharCode(bytes[i]!);
    return s;
  }
  return utf8.decode(bytes.subarray(start, stop));
}

/** A NUL-terminated string; `maxBytes` bounds its length without the NUL (IFNAMSIZ - 1 for names). */
export function string(maxBytes = 0xffff - 5): Codec<string> {
  return {
    label: 'string',
    shape: 'value',
    nestedFlag: false,
    decode(src, start, end) {
      return readCString(src.bytes, start, end);
    },
    encode(w, v, f) {
      if (typeof v !== 'string') fail(f, v, 'a string');
      if (!v.isWellFormed()) throw new TypeError(`${f}: ${describe(v)} is not valid Unicode (a lone surrogate), so it has no UTF-8 form`);
      const encoded = utf8Encoder.encode(v);
      if (encoded.includes(0)) throw new TypeError(`${f}: ${describe(v)} contains a NUL character`);
      if (encoded.length > maxBytes) {
        throw new RangeError(`${f}: ${describe(v)} is ${encoded.length} bytes, at most ${maxBytes} allowed`);
      }
      w.bytes(encoded);
      w.u8(0);
    },
  };
}

export const cstring = string();

/** Network interface names: at most 15 bytes (IFNAMSIZ 16 with the NUL). */
export const ifname = string(15);
