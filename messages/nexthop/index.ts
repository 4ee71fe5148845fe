import type { Codec } from '../attributes/codec.js';
import { ip } from '../attributes/addresses.js';
import { bytes, flag, u16, u32, u64 } from '../attributes/scalars.js';
import { attr, defineTable, type ValuesOf } from '../attributes/table.js';
import { nested } from '../attributes/walk.js';
import { headerWithAttributes, type HeaderWithAttributes } from '../fixed-header.js';
import { checkArray, checkInteger, checkRecord } from '../checks.js';
import * as C from '../struct.js';

// Constants from <linux/nexthop.h>, written out by number.

/** NHA_GROUP_TYPE values. */
export const NEXTHOP_GRP_TYPE_MPATH = 0;
/** `<linux/nexthop.h>` */
export const NEXTHOP_GRP_TYPE_RES = 1;

/** One struct nexthop_grp of NHA_GROUP: a member nexthop and its weight (1..65536). */
export interface NexthopGroupMember {
  id: number;
  /** The weight itself: the kernel stores it minus one in weight and weight_high. */
  weight: number;
}

const GROUP_ENTRY = 8;

/**
 * NHA_GROUP: an array of struct nexthop_grp { u32 id; u8 weight; u8 weight_high; u16 resvd2 }.
 * The weight is decoded as the kernel reads it, ((weight_high << 8) | weight) + 1. A payload that is
 * not a whole number of entries is malformed: the kernel refuses it too (nh_check_attr_group,
 * "Invalid length for nexthop group attribute"). resvd2 is not a field: an entry decoded from the
 * wire is written back from its own bytes while its value is unchanged.
 */
export const nexthopGroup: Codec<NexthopGroupMember[]> = {
  label: 'nexthop_grp array',
  shape: 'value',
  nestedFlag: false,
  decode(src, start, end) {
    if ((end - start) % GROUP_ENTRY !== 0) throw src.error(start, `nexthop group of ${end - start} bytes is not a whole number of 8-byte nexthop_grp entries`);
    const out: NexthopGroupMember[] = [];
    for (let at = start; at < end; at += GROUP_ENTRY) {
      out.push({ id: src.view.getUint32(at, true), weight: ((src.bytes[at + 5]! << 8) | src.bytes[at + 4]!) + 1 });
    }
    return out;
  },
  encode(w, value, field) {
    checkArray(value, field, 'an array of { id, weight }');
    value.forEach((member: unknown, i) => {
      const f = `${field}[${i}]`;
      const { id, weight = 1 } = checkRecord(member, f, 'a group member { id, weight }');
      const checkedId = checkInteger(id, `${f}.id`, 1, 0xffffffff);
      const checkedWeight = checkInteger(weight, `${f}.weight`, 1, 0x10000);
      w.u32(checkedId);
      w.u8((checkedWeight - 1) & 0xff);
      w.u8((checkedWeight - 1) >> 8);
      w.u16(0);
    });
  },
};

/** NHA_RES_GROUP: the parameters of a resilient group. */
export const resilientGroupAttributes = defineTable('NHA_RES_GROUP', () => [
  attr(1, 'NHA_RES_GROUP_BUCKETS', 'buckets', u16),
  attr(2, 'NHA_RES_GROUP_IDLE_TIMER', 'idleTimer', u32),
  attr(3, 'NHA_RES_GROUP_UNBALANCED_TIMER', 'unbalancedTimer', u32),
  attr(4, 'NHA_RES_GROUP_UNBALANCED_TIME', 'unbalancedTime', u64),
]);

/** NHA_RES_BUCKET: one bucket of a resilient group (RTM_NEWNEXTHOPBUCKET). */
export const resilientBucketAttributes = defineTable('NHA_RES_BUCKET', () => [
  attr(1, 'NHA_RES_BUCKET_INDEX', 'index', u16),
  attr(2, 'NHA_RES_BUCKET_IDLE_TIME', 'idleTime', u64),
  attr(3, 'NHA_RES_BUCKET_NH_ID', 'nhId', u32),
]);

/** NHA_ENCAP: lightweight tunnel attributes whose meaning depends on NHA_ENCAP_TYPE, kept as bytes. */
const encap: Codec<Uint8Array> = { ...bytes, label: 'encap attributes', nestedFlag: true };

/**
 * NHA_* attributes. NHA_ID 0 in a request asks the kernel to pick an id. A group (NHA_GROUP) has no
 * device or gateway; a blackhole (NHA_BLACKHOLE) neither. NHA_GROUPS, NHA_MASTER and NHA_OIF in a
 * dump request filter the dump.
 */
export const nexthopAttributes = defineTable('NHA', () => [
  attr(1, 'NHA_ID', 'id', u32),
  attr(2, 'NHA_GROUP', 'group', nexthopGroup),
  attr(3, 'NHA_GROUP_TYPE', 'groupType', u16),
  attr(4, 'NHA_BLACKHOLE', 'blackhole', flag),
  attr(5, 'NHA_OIF', 'oif', u32),
  attr(6, 'NHA_GATEWAY', 'gateway', ip),
  attr(7, 'NHA_ENCAP_TYPE', 'encapType', u16),
  attr(8, 'NHA_ENCAP', 'encap', encap),
  attr(9, 'NHA_GROUPS', 'groups', flag),
  attr(10, 'NHA_MASTER', 'master', u32),
  attr(11, 'NHA_FDB', 'fdb', flag),
  attr(12, 'NHA_RES_GROUP', 'resGroup', nested(resilientGroupAttributes)),
  attr(13, 'NHA_RES_BUCKET', 'resBucket', nested(resilientBucketAttributes)),
]);

/** The decoded NHA_* attributes: one field per attribute of the table, named as the table names it. */
export type NexthopAttrs = ValuesOf<typeof nexthopAttributes>;

/** struct nhmsg (8 bytes). resvd is a field (`reserved`): the kernel refuses a request where it is not 0. */
export const nhmsg = C.struct(
  'nhmsg',
  [C.u8('family'), C.u8('scope'), C.u8('protocol'), C.u8('reserved'), C.u32('flags')],
  { zeroAbsent: true },
);

/** The fixed header of nexthop (RTM_*NEXTHOP) messages (struct nhmsg), field by field. */
export interface NexthopHeader {
  /** AF_INET or AF_INET6 for a gateway or device nexthop; AF_UNSPEC for a group. */
  family: number;
  /** Set by the kernel in replies; 0 in requests. */
  scope: number;
  protocol: number;
  reserved: number;
  flags: number;
}

/** A nexthop (RTM_*NEXTHOP) message body: the fixed header's fields, and `attrs`. */
export type NexthopBody = HeaderWithAttributes<NexthopHeader, NexthopAttrs>;

/** The codec of a nexthop (RTM_*NEXTHOP) message body (fixed header, then attributes). */
export const nexthopBody = headerWithAttributes<NexthopHeader, NexthopAttrs>(nhmsg, nexthopAttributes);
