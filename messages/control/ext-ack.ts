import { bytes, cstring, fixed, s32, u32, u64 } from '../attributes/scalars.js';
import { attr, defineTable, type ValuesOf } from '../attributes/table.js';
import { nested } from '../attributes/walk.js';
import type { Codec } from '../attributes/codec.js';
import { checkS64 } from '../checks.js';

/** A signed 64-bit value, used only by the policy attributes below. */
const s64: Codec<bigint> = fixed('s64', 8, (s, at) => s.view.getBigInt64(at, true), (w, v, f) => w.u64(BigInt.asUintN(64, checkS64(v, f))));

// <linux/netlink.h> enum netlink_policy_type_attr
export const policyAttributes = defineTable('NL_POLICY_TYPE_ATTR', () => [
  attr(1, 'NL_POLICY_TYPE_ATTR_TYPE', 'type', u32),
  attr(2, 'NL_POLICY_TYPE_ATTR_MIN_VALUE_S', 'minValueS', s64),
  attr(3, 'NL_POLICY_TYPE_ATTR_MAX_VALUE_S', 'maxValueS', s64),
  attr(4, 'NL_POLICY_TYPE_ATTR_MIN_VALUE_U', 'minValueU', u64),
  attr(5, 'NL_POLICY_TYPE_ATTR_MAX_VALUE_U', 'maxValueU', u64),
  attr(6, 'NL_POLICY_TYPE_ATTR_MIN_LENGTH', 'minLength', u32),
  attr(7, 'NL_POLICY_TYPE_ATTR_MAX_LENGTH', 'maxLength', u32),
  attr(8, 'NL_POLICY_TYPE_ATTR_POLICY_IDX', 'policyIdx', u32),
  attr(9, 'NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE', 'policyMaxtype', u32),
  attr(10, 'NL_POLICY_TYPE_ATTR_BITFIELD32_MASK', 'bitfield32Mask', u32),
  attr(11, 'NL_POLICY_TYPE_ATTR_PAD', 'pad', bytes),
  attr(12, 'NL_POLICY_TYPE_ATTR_MASK', 'mask', u64),
]);

// <linux/netlink.h> enum nlmsgerr_attrs: the extended ACK.
export const extAckAttributes = defineTable('NLMSGERR_ATTR', () => [
  attr(1, 'NLMSGERR_ATTR_MSG', 'msg', cstring),
  attr(2, 'NLMSGERR_ATTR_OFFS', 'offs', u32),
  attr(3, 'NLMSGERR_ATTR_COOKIE', 'cookie', bytes),
  attr(4, 'NLMSGERR_ATTR_POLICY', 'policy', nested(policyAttributes)),
  attr(5, 'NLMSGERR_ATTR_MISS_TYPE', 'missType', u32),
  attr(6, 'NLMSGERR_ATTR_MISS_NEST', 'missNest', s32),
]);

/** The decoded NLMSGERR_ATTR_* attributes: one field per attribute of the table, named as the table names it. */
export type ExtAckAttrs = ValuesOf<typeof extAckAttributes>;
