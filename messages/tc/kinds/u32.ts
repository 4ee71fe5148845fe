import type { Codec } from '../../attributes/codec.js';
import { bytes, ifname, u32 } from '../../attributes/scalars.js';
import { u64Array } from '../../attributes/structs.js';
import { checkArray, checkRecord } from '../../checks.js';
import * as C from '../../struct.js';
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

/** `<linux/pkt_cls.h>` */
export const TC_U32_TERMINAL = 1;
/** `<linux/pkt_cls.h>` */
export const TC_U32_OFFSET = 2;
/** `<linux/pkt_cls.h>` */
export const TC_U32_VAROFFSET = 4;
/** `<linux/pkt_cls.h>` */
export const TC_U32_EAT = 8;

/** struct tc_u32_sel without its keys: flags, offshift, nkeys, a pad byte, then the offsets and hash mask. */
const tcU32Sel = C.struct(
  'tc_u32_sel',
  [C.u8('flags'), C.u8('offshift'), C.u8('nkeys'), C.pad('pad', 1), C.u16be('offmask'), C.u16('off'), C.s16('offoff'), C.s16('hoff'), C.u32be('hmask')],
  { zeroAbsent: true },
);

/** struct tc_u32_key. */
const tcU32Key = C.struct('tc_u32_key', [C.u32be('mask'), C.u32be('val'), C.s32('off'), C.s32('offmask')]);

/**
 * TCA_U32_SEL: a 16-byte tc_u32_sel followed by its 16-byte keys. The kernel reads nkeys keys;
 * nkeys is keys.length when the caller leaves it out.
 */
export const u32Selector: Codec<U32Selector> = {
  label: 'tc_u32_sel',
  shape: 'value',
  nestedFlag: false,
  decode(src, start, end) {
    const sel = tcU32Sel.decode(src, start, end) as U32Selector;
    const keysStart = start + tcU32Sel.size;
    if ((end - keysStart) % tcU32Key.size !== 0) throw src.error(start, `tc_u32_sel keys take ${end - keysStart} bytes, not a multiple of ${tcU32Key.size}`);
    const keys: U32Key[] = [];
    for (let at = keysStart; at < end; at += tcU32Key.size) keys.push(tcU32Key.decode(src, at, end));
    sel.keys = keys;
    return sel;
  },
  encode(w, value, field) {
    const sel = checkRecord(value, field, 'a tc_u32_sel object') as Partial<U32Selector>;
    const keys = checkArray(sel.keys ?? [], `${field}.keys`, 'an array of keys') as U32Key[];
    tcU32Sel.encode(w, { ...sel, nkeys: sel.nkeys ?? keys.length } as Parameters<typeof tcU32Sel.encode>[1], field);
    keys.forEach((key, i) => tcU32Key.encode(w, { off: 0, offmask: 0, ...checkRecord(key, `${field}.keys[${i}]`, 'a key { mask, val, off, offmask }') } as U32Key, `${field}.keys[${i}]`));
  },
};

/** struct tc_u32_mark (TCA_U32_MARK), declared with the module as every struct is (messages/tc/stats.ts says why). */
const tcU32Mark = C.struct('tc_u32_mark', [C.u32('val'), C.u32('mask'), C.u32('success')]);

/** The TCA_U32_* attribute table: each attribute's number, kernel name, field name and codec. */
export const u32Attributes = defineTable('TCA_U32', () => [
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
  attr(10, 'TCA_U32_MARK', 'mark', tcU32Mark),
  /** TCA_CLS_FLAGS_* (skip_hw, skip_sw, in_hw, not_in_hw). */
  attr(11, 'TCA_U32_FLAGS', 'flags', u32),
]);

/** A u32 filter's TCA_OPTIONS decoded (TCA_U32_*): the selector, the class or actions, the hash table links. */
export type U32Options = ValuesOf<typeof u32Attributes>;
