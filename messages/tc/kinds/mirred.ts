import { u32 } from '../../attributes/scalars.js';
import { struct, u64Struct } from '../../attributes/structs.js';
import { attr, defineTable, type ValuesOf } from '../../attributes/table.js';

// The mirred action (mirror or redirect to another device): TCA_ACT_OPTIONS of kind "mirred",
// <linux/tc_act/tc_mirred.h>.

/** tc_mirred.eaction values. */
export const TCA_EGRESS_REDIR = 1;
export const TCA_EGRESS_MIRROR = 2;
export const TCA_INGRESS_REDIR = 3;
export const TCA_INGRESS_MIRROR = 4;

/** struct tcf_t: when the action was installed, last and first used, in jiffies. */
export const tcfT = u64Struct('tcf_t', ['install', 'lastuse', 'expires', 'firstuse']);

/**
 * struct tc_mirred: tc_gen (index, capab, action: TC_ACT_* after the redirect, refcnt, bindcnt)
 * then eaction (TCA_*_REDIR or _MIRROR) and the target ifindex.
 */
export const tcMirred = struct('tc_mirred', {
  index: 'u32',
  capab: 'u32',
  action: 's32',
  refcnt: 's32',
  bindcnt: 's32',
  eaction: 's32',
  ifindex: 'u32',
});

export type TcMirred = ReturnType<typeof tcMirred.decode>;

export const mirredAttributes = defineTable('TCA_MIRRED', [
  attr(1, 'TCA_MIRRED_TM', 'tm', tcfT),
  attr(2, 'TCA_MIRRED_PARMS', 'parms', tcMirred),
  attr(4, 'TCA_MIRRED_BLOCKID', 'blockid', u32),
]);

export type MirredOptions = ValuesOf<typeof mirredAttributes>;
