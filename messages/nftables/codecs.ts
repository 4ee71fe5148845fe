import type { Codec } from '../attributes/codec.js';
import { describe } from '../attributes/scalars.js';

// nf_tables sends every integer attribute in network byte order. u32be exists in scalars.ts;
// these are the two others it uses: a signed 32-bit priority and 64-bit handles and counters.

/** A big-endian s32 (NFTA_HOOK_PRIORITY, NFTA_VERDICT_CODE). */
export const s32be: Codec<number> = {
  label: 'big-endian s32',
  shape: 'value',
  nestedFlag: false,
  decode(src, start, end) {
    src.expectLength(start, end, 4, 'big-endian s32');
    return src.view.getInt32(start, false);
  },
  encode(w, v, field) {
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`${field}: expected an integer, got ${describe(v)}`);
    if (v < -0x80000000 || v > 0x7fffffff) throw new RangeError(`${field}: ${v} is out of range -2147483648..2147483647`);
    w.u32be(v >>> 0);
  },
};

/** A big-endian u64 as a bigint (NFTA_*_HANDLE, NFTA_COUNTER_BYTES/PACKETS). */
export const u64be: Codec<bigint> = {
  label: 'big-endian u64',
  shape: 'value',
  nestedFlag: false,
  decode(src, start, end) {
    src.expectLength(start, end, 8, 'big-endian u64');
    return src.view.getBigUint64(start, false);
  },
  encode(w, v, field) {
    if (typeof v !== 'bigint') throw new TypeError(`${field}: expected a bigint, got ${describe(v)}`);
    if (v < 0n || v > 0xffffffffffffffffn) throw new RangeError(`${field}: ${v} is out of range 0..2^64-1`);
    w.u32be(Number(v >> 32n));
    w.u32be(Number(v & 0xffffffffn));
  },
};
