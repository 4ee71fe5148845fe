import type { Codec } from '../../attributes/codec.js';
import { bytes, describe, ifname, u32 } from '../../attributes/scalars.js';
import { struct, u64Array } from '../../attributes/structs.js';
import { attr, defineTable, type ValuesOf } from '../../attributes/table.js';
import { actionList } from '../actions.js';

// The u32 classifier: TCA_OPTIONS of filter kind "u32" (TCA_U32_*, <linux/pkt_cls.h>).

/** struct tc_u32_key: match when (the 32 bits at `off` & mask) == val; mask and val in network order. */
export interface U32Key {
  /** As a number read big-endian: 0xff000000 masks the first byte at `off`. */
  mask: number;
  val: number;
  off: number;
  offmask: number;
}

/** struct tc_u32_sel and its keys. */
export interface U32Selector {
  /** TC_U32_TERMINAL (1), TC_U32_OFFSET (2), TC_U32_VAROFFSET (4), TC_U32_EAT (8). */
  flags: number;
  offshift: number;
  /** The count of keys as sent; keys.length when the caller leaves it out. */
  nkeys?: number;
  /** Big-endian on the wire, a number here. */
  offmask: number;
  off: number;
  offoff: number;
  hoff: number;
  /** Big-endian on the wire, a number here. */
  hmask: number;
  keys: U32Key[];
}

export const TC_U32_TERMINAL = 1;
export const TC_U32_OFFSET = 2;
export const TC_U32_VAROFFSET = 4;
export const TC_U32_EAT = 8;

const SEL_SIZE = 16;
const KEY_SIZE = 16;

function int(value: unknown, min: number, max: number, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`${field}: expected an integer, got ${describe(value)}`);
  if (value < min || value > max) throw new RangeError(`${field}: ${value} is out of range ${min}..${max}`);
  return value;
}

/**
 * TCA_U32_SEL: a 16-byte tc_u32_sel (flags, offshift, nkeys, a pad byte, offmask (be16), off,
 * offoff, hoff, hmask (be32)) followed by its 16-byte keys. The kernel reads nkeys keys.
 */
export const u32Selector: Codec<U32Selector> = {
  label: 'tc_u32_sel',
  shape: 'value',
  nestedFlag: false,
  decode(src, start, end) {
    src.expectAtLeast(start, end, SEL_SIZE, 'tc_u32_sel');
    const v = src.view;
    const nkeys = v.getUint8(start + 2);
    if ((end - start - SEL_SIZE) % KEY_SIZE !== 0) throw src.error(start, `tc_u32_sel keys take ${end - start - SEL_SIZE} bytes, not a multiple of ${KEY_SIZE}`);
    const keys: U32Key[] = [];
    for (let at = start + SEL_SIZE; at < end; at += KEY_SIZE) {
      keys.push({ mask: v.getUint32(at, false), val: v.getUint32(at + 4, false), off: v.getInt32(at + 8, true), offmask: v.getInt32(at + 12, true) });
    }
    return {
      flags: v.getUint8(start),
      offshift: v.getUint8(start + 1),
      nkeys,
      offmask: v.getUint16(start + 4, false),
      off: v.getUint16(start + 6, true),
      offoff: v.getInt16(start + 8, true),
      hoff: v.getInt16(start + 10, true),
      hmask: v.getUint32(start + 12, false),
      keys,
    };
  },
  encode(w, value, field) {
    if (typeof value !== 'object' || value === null) throw new TypeError(`${field}: expected a tc_u32_sel object, got ${describe(value)}`);
    const keys = value.keys ?? [];
    if (!Array.isArray(keys)) throw new TypeError(`${field}.keys: expected an array of keys`);
    w.u8(int(value.flags ?? 0, 0, 0xff, `${field}.flags`));
    w.u8(int(value.offshift ?? 0, 0, 0xff, `${field}.offshift`));
    w.u8(int(value.nkeys ?? keys.length, 0, 0xff, `${field}.nkeys`));
    w.u8(0);
    w.u16be(int(value.offmask ?? 0, 0, 0xffff, `${field}.offmask`));
    w.u16(int(value.off ?? 0, 0, 0xffff, `${field}.off`));
    w.u16(int(value.offoff ?? 0, -0x8000, 0x7fff, `${field}.offoff`) & 0xffff);
    w.u16(int(value.hoff ?? 0, -0x8000, 0x7fff, `${field}.hoff`) & 0xffff);
    w.u32be(int(value.hmask ?? 0, 0, 0xffffffff, `${field}.hmask`));
    keys.forEach((key: U32Key, i) => {
      const f = `${field}.keys[${i}]`;
      if (typeof key !== 'object' || key === null) throw new TypeError(`${f}: expected { mask, val, off, offmask }, got ${describe(key)}`);
      w.u32be(int(key.mask, 0, 0xffffffff, `${f}.mask`));
      w.u32be(int(key.val, 0, 0xffffffff, `${f}.val`));
      w.s32(int(key.off ?? 0, -0x80000000, 0x7fffffff, `${f}.off`));
      w.s32(int(key.offmask ?? 0, -0x80000000, 0x7fffffff, `${f}.offmask`));
    });
  },
};

export const u32Attributes = defineTable('TCA_U32', [
  attr(1, 'TCA_U32_CLASSID', 'classid', u32),
  attr(2, 'TCA_U32_HASH', 'hash', u32),
  attr(3, 'TCA_U32_LINK', 'link', u32),
  attr(4, 'TCA_U32_DIVISOR', 'divisor', u32),
  attr(5, 'TCA_U32_SEL', 'sel', u32Selector),
  /** An old-style policer, kept as bytes. */
  attr(6, 'TCA_U32_POLICE', 'police', bytes),
  attr(7, 'TCA_U32_ACT', 'actions', actionList),
  attr(8, 'TCA_U32_INDEV', 'indev', ifname),
  /** struct tc_u32_pcnt: packets seen, hits, then one hit counter per key. */
  attr(9, 'TCA_U32_PCNT', 'pcnt', u64Array),
  attr(10, 'TCA_U32_MARK', 'mark', struct('tc_u32_mark', { val: 'u32', mask: 'u32', success: 'u32' })),
  /** TCA_CLS_FLAGS_* (skip_hw, skip_sw, in_hw, not_in_hw). */
  attr(11, 'TCA_U32_FLAGS', 'flags', u32),
]);

export type U32Options = ValuesOf<typeof u32Attributes>;
