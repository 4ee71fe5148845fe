import type { Codec } from './codec.js';
import { checkS32, checkU16, checkU32, checkU64, checkU8, encodeText } from '../checks.js';
import { IFNAMSIZ } from '../constants.js';
import { InvalidArgumentError } from '../errors.js';
import type { Source } from '../source.js';
import type { Writer } from '../writer.js';

/** A fixed-size payload: `size` bytes exactly, read and written by the given functions. */
export function fixed<T>(
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

export const u8: Codec<number> = fixed('u8', 1, (s, at) => s.view.getUint8(at), (w, v, f) => w.u8(checkU8(v, f)));
export const u16: Codec<number> = fixed('u16', 2, (s, at) => s.view.getUint16(at, true), (w, v, f) => w.u16(checkU16(v, f)));
export const u32: Codec<number> = fixed('u32', 4, (s, at) => s.view.getUint32(at, true), (w, v, f) => w.u32(checkU32(v, f)));
export const s32: Codec<number> = fixed('s32', 4, (s, at) => s.view.getInt32(at, true), (w, v, f) => w.s32(checkS32(v, f)));
export const u16be: Codec<number> = fixed('big-endian u16', 2, (s, at) => s.view.getUint16(at, false), (w, v, f) => w.u16be(checkU16(v, f)));
export const u32be: Codec<number> = fixed('big-endian u32', 4, (s, at) => s.view.getUint32(at, false), (w, v, f) => w.u32be(checkU32(v, f)));

export const u64: Codec<bigint> = fixed(
  'u64',
  8,
  (s, at) => s.view.getBigUint64(at, true),
  (w, v, f) => w.u64(checkU64(v, f)),
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
    if (v !== true) throw new InvalidArgumentError(f, v, 'is not true (a flag is present or absent)');
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
    if (!(v instanceof Uint8Array)) throw new InvalidArgumentError(f, v, 'is not a Uint8Array');
    w.bytes(v);
  },
};

const utf8 = new TextDecoder();

/** Reads bytes up to the first NUL (or the end) as UTF-8, with an ASCII fast path. */
export function readCString(bytes: Uint8Array, start: number, end: number): string {
  // Short ASCII text (names, kinds) is made as it is scanned: one load a byte, not two.
  const short = Math.min(end, start + 63);
  let s = '';
  let i = start;
  for (; i < short; i++) {
    const c = bytes[i]!;
    if (c === 0) return s;
    if (c >= 0x80) break;
    s += String.fromCharCode(c);
  }
  let stop = i;
  while (stop < end && bytes[stop] !== 0) stop++;
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
      w.bytes(encodeText(v, f, maxBytes));
      w.u8(0);
    },
  };
}

export const cstring = string();

/** Network interface names: at most IFNAMSIZ - 1 = 15 bytes. */
export const ifname = string(IFNAMSIZ - 1);
