import { s32, u32 } from '../attributes/scalars.js';
import { attr, defineTable, type ValuesOf } from '../attributes/table.js';
import { headerWithAttributes, type HeaderWithAttributes } from '../fixed-header.js';
import * as C from '../struct.js';

// <linux/net_namespace.h>
/** `<linux/net_namespace.h>` */
export const NETNSA_NSID_NOT_ASSIGNED = -1;

/** The NETNSA_* attribute table: each attribute's number, kernel name, field name and codec. */
export const nsidAttributes = defineTable('NETNSA', () => [
  attr(1, 'NETNSA_NSID', 'nsid', s32),
  attr(2, 'NETNSA_PID', 'pid', u32),
  attr(3, 'NETNSA_FD', 'fd', u32),
  attr(4, 'NETNSA_TARGET_NSID', 'targetNsid', s32),
  attr(5, 'NETNSA_CURRENT_NSID', 'currentNsid', s32),
]);

/** The decoded NETNSA_* attributes: one field per attribute of the table, named as the table names it. */
export type NsidAttrs = ValuesOf<typeof nsidAttributes>;

/** struct rtgenmsg: one byte of family, padded to 4 by NLMSG_ALIGN. */
export const rtgenmsg = C.struct('rtgenmsg', [C.u8('family')], { zeroAbsent: true });

/** A netns id (RTM_*NSID) message body: the fixed header's fields, and `attrs`. */
export type NsidBody = HeaderWithAttributes<{ family: number }, NsidAttrs>;

/** The codec of a netns id (RTM_*NSID) message body (fixed header, then attributes). */
export const nsidBody = headerWithAttributes(rtgenmsg, nsidAttributes);
