import { flag, s32, u16, u16be, u32, u8 } from '../attributes/scalars.js';
import { ip, lladdr } from '../attributes/addresses.js';
import * as C from '../struct.js';
import { attr, defineTable, type ValuesOf } from '../attributes/table.js';
import { nested } from '../attributes/walk.js';
import { headerWithAttributes, type HeaderWithAttributes } from '../fixed-header.js';

// Constants from <linux/neighbour.h>, written out by number.

/** Neighbour cache entry states (ndm_state): a bit mask. */
export const NUD_NONE = 0x00;
/** `<linux/neighbour.h>` */
export const NUD_INCOMPLETE = 0x01;
/** `<linux/neighbour.h>` */
export const NUD_REACHABLE = 0x02;
/** `<linux/neighbour.h>` */
export const NUD_STALE = 0x04;
/** `<linux/neighbour.h>` */
export const NUD_DELAY = 0x08;
/** `<linux/neighbour.h>` */
export const NUD_PROBE = 0x10;
/** `<linux/neighbour.h>` */
export const NUD_FAILED = 0x20;
/** Pseudo-states: never change, no address resolution. */
export const NUD_NOARP = 0x40;
/** `<linux/neighbour.h>` */
export const NUD_PERMANENT = 0x80;

/** Neighbour cache entry flags (ndm_flags). */
export const NTF_USE = 0x01;
/** `<linux/neighbour.h>` */
export const NTF_SELF = 0x02;
/** `<linux/neighbour.h>` */
export const NTF_MASTER = 0x04;
/** == ATF_PUBL; in a dump request, asks for the proxy entries (pneigh) instead of the cache. */
export const NTF_PROXY = 0x08;
/** `<linux/neighbour.h>` */
export const NTF_EXT_LEARNED = 0x10;
/** `<linux/neighbour.h>` */
export const NTF_OFFLOADED = 0x20;
/** `<linux/neighbour.h>` */
export const NTF_STICKY = 0x40;
/** `<linux/neighbour.h>` */
export const NTF_ROUTER = 0x80;

/** Extended flags, carried in NDA_FLAGS_EXT. */
export const NTF_EXT_MANAGED = 1 << 0;
/** Linux 6.2+ (bridge locked-port FDB entries); newer than the 6.1 uapi <linux/neighbour.h> of Debian 12. */
export const NTF_EXT_LOCKED = 1 << 1;

/** Bits of NFEA_ACTIVITY_NOTIFY. */
export const FDB_NOTIFY_BIT = 1 << 0;
/** `<linux/neighbour.h>` */
export const FDB_NOTIFY_INACTIVE_BIT = 1 << 1;

/** NDA_FDB_EXT_ATTRS: bridge FDB extensions (NFEA_*). */
export const fdbExtAttributes = defineTable('NFEA', () => [
  attr(1, 'NFEA_ACTIVITY_NOTIFY', 'activityNotify', u8),
  attr(2, 'NFEA_DONT_REFRESH', 'dontRefresh', flag),
]);

/** The decoded NFEA_* attributes: one field per attribute of the table, named as the table names it. */
export type FdbExtAttrs = ValuesOf<typeof fdbExtAttributes>;

/** struct nda_cacheinfo: ages in clock ticks (USER_HZ) and the reference count. */
export const ndaCacheinfo = C.struct('struct nda_cacheinfo', [C.u32('confirmed'), C.u32('used'), C.u32('updated'), C.u32('refcnt')]);

/** The NDA_* attribute table: each attribute's number, kernel name, field name and codec. */
export const neighborAttributes = defineTable('NDA', () => [
  attr(1, 'NDA_DST', 'dst', ip),
  attr(2, 'NDA_LLADDR', 'lladdr', lladdr),
  attr(3, 'NDA_CACHEINFO', 'cacheinfo', ndaCacheinfo),
  attr(4, 'NDA_PROBES', 'probes', u32),
  attr(5, 'NDA_VLAN', 'vlan', u16),
  attr(6, 'NDA_PORT', 'port', u16be),
  attr(7, 'NDA_VNI', 'vni', u32),
  attr(8, 'NDA_IFINDEX', 'ifindex', u32),
  attr(9, 'NDA_MASTER', 'master', u32),
  attr(10, 'NDA_LINK_NETNSID', 'linkNetnsid', s32),
  attr(11, 'NDA_SRC_VNI', 'srcVni', u32),
  attr(12, 'NDA_PROTOCOL', 'protocol', u8),
  attr(13, 'NDA_NH_ID', 'nhId', u32),
  attr(14, 'NDA_FDB_EXT_ATTRS', 'fdbExtAttrs', nested(fdbExtAttributes)),
  attr(15, 'NDA_FLAGS_EXT', 'flagsExt', u32),
  attr(16, 'NDA_NDM_STATE_MASK', 'ndmStateMask', u16),
  attr(17, 'NDA_NDM_FLAGS_MASK', 'ndmFlagsMask', u8),
]);

/** The decoded NDA_* attributes: one field per attribute of the table, named as the table names it. */
export type NeighborAttrs = ValuesOf<typeof neighborAttributes>;

/** struct ndmsg (12 bytes). */
export const ndmsg = C.struct(
  'ndmsg',
  [C.u8('family'), C.pad('pad1', 1), C.pad('pad2', 2), C.s32('ifindex'), C.u16('state'), C.u8('flags'), C.u8('type')],
  { zeroAbsent: true },
);

/** The fixed header of neighbour (RTM_*NEIGH) messages (struct ndmsg), field by field. */
export interface NeighborHeader {
  family: number;
  ifindex: number;
  state: number;
  flags: number;
  type: number;
}

/** A neighbour (RTM_*NEIGH) message body: the fixed header's fields, and `attrs`. */
export type NeighborBody = HeaderWithAttributes<NeighborHeader, NeighborAttrs>;

/** The codec of a neighbour (RTM_*NEIGH) message body (fixed header, then attributes). */
export const neighborBody = headerWithAttributes(ndmsg, neighborAttributes);
