import { u32 } from '../../attributes/scalars.js';
import * as C from '../../struct.js';
import { attr, defineTable, type ValuesOf } from '../../attributes/table.js';

// The mirred action (mirror or redirect to another device): TCA_ACT_OPTIONS of kind "mirred",
// <linux/tc_act/tc_mirred.h>.

/** tc_mirred.eaction values. */
export const TCA_EGRESS_REDIR = 1;
/** `<linux/tc_act/tc_mirred.h>` */
export const TCA_EGRESS_MIRROR = 2;
/** `<linux/tc_act/tc_mirred.h>` */
export const TCA_INGRESS_REDIR = 3;
/** `<linux/tc_act/tc_mirred.h>` */
export const TCA_INGRESS_MIRROR = 4;

/** struct tcf_t: when the action was installed, last and first used, in jiffies. */
export const tcfT = C.u64Struct('tcf_t', ['install', 'lastuse', 'expires', 'firstuse']);

/**
 * struct tc_mirred: tc_gen (index, capab, action: TC_ACT_* after the redirect, refcnt, bindcnt)
 * then eaction (TCA_*_REDIR or _MIRROR) and the target ifindex.
 */
export const tcMirred = C.struct('tc_mirred', [
  C.u32('index'),
  C.u32('capab'),
  C.s32('action'),
  C.s32('refcnt'),
  C.s32('bindcnt'),
  C.s32('eaction'),
  C.u32('ifindex'),
]);

/** struct tc_mirred decoded: the action (mirror or redirect, ingress or egress) and the target ifindex. */
export type TcMirred = ReturnType<typeof tcMirred.decode>;

/** The TCA_MIRRED_* attribute table: each attribute's number, kernel name, field name and codec. */
export const mirredAttributes = defineTable('TCA_MIRRED', () => [
  attr(1, 'TCA_MIRRED_TM', 'tm', tcfT),
  attr(2, 'TCA_MIRRED_PARMS', 'parms', tcMirred),
  attr(4, 'TCA_MIRRED_BLOCKID', 'blockid', u32),
]);

/** The mirred action's options decoded (TCA_MIRRED_*). */
export type MirredOptions = ValuesOf<typeof mirredAttributes>;
