import { ip } from '../attributes/addresses.js';
import { ifname, s32, u32, u8 } from '../attributes/scalars.js';
import * as C from '../struct.js';
import { attr, defineTable, type ValuesOf } from '../attributes/table.js';
import { headerWithAttributes, type HeaderWithAttributes } from '../fixed-header.js';

export * from './constants.js';
import {
  IFA_ADDRESS,
  IFA_ANYCAST,
  IFA_BROADCAST,
  IFA_CACHEINFO,
  IFA_FLAGS,
  IFA_LABEL,
  IFA_LOCAL,
  IFA_MULTICAST,
  IFA_PROTO,
  IFA_RT_PRIORITY,
  IFA_TARGET_NETNSID,
} from './constants.js';

/** struct ifa_cacheinfo: lifetimes in seconds (0xffffffff = forever), stamps in hundredths of seconds. */
export const ifaCacheinfo = C.struct('ifa_cacheinfo', [C.u32('prefered'), C.u32('valid'), C.u32('cstamp'), C.u32('tstamp')]);

/**
 * IFA_* attributes. IFA_ADDRESS is the prefix (or, on point-to-point links, the peer) address and
 * IFA_LOCAL the local one; IFA_FLAGS extends ifa_flags to 32 bits; IFA_LABEL is at most 15 bytes.
 */
export const addressAttributes = defineTable('IFA', () => [
  attr(IFA_ADDRESS, 'IFA_ADDRESS', 'address', ip),
  attr(IFA_LOCAL, 'IFA_LOCAL', 'local', ip),
  attr(IFA_LABEL, 'IFA_LABEL', 'label', ifname),
  attr(IFA_BROADCAST, 'IFA_BROADCAST', 'broadcast', ip),
  attr(IFA_ANYCAST, 'IFA_ANYCAST', 'anycast', ip),
  attr(IFA_CACHEINFO, 'IFA_CACHEINFO', 'cacheinfo', ifaCacheinfo),
  attr(IFA_MULTICAST, 'IFA_MULTICAST', 'multicast', ip),
  attr(IFA_FLAGS, 'IFA_FLAGS', 'flags', u32),
  attr(IFA_RT_PRIORITY, 'IFA_RT_PRIORITY', 'rtPriority', u32),
  attr(IFA_TARGET_NETNSID, 'IFA_TARGET_NETNSID', 'targetNetnsid', s32),
  attr(IFA_PROTO, 'IFA_PROTO', 'proto', u8),
]);

/** The decoded IFA_* attributes: one field per attribute of the table, named as the table names it. */
export type AddressAttrs = ValuesOf<typeof addressAttributes>;

/** struct ifaddrmsg. */
export const ifaddrmsg = C.struct('ifaddrmsg', [C.u8('family'), C.u8('prefixlen'), C.u8('flags'), C.u8('scope'), C.u32('index')], { zeroAbsent: true });

/** The fixed header of address (RTM_*ADDR) messages (struct ifaddrmsg), field by field. */
export interface AddressHeader {
  family: number;
  prefixlen: number;
  /** ifa_flags: the low 8 IFA_F_* bits; attrs.flags (IFA_FLAGS) carries all of them. */
  flags: number;
  scope: number;
  index: number;
}

/** A address (RTM_*ADDR) message body: the fixed header's fields, and `attrs`. */
export type AddressBody = HeaderWithAttributes<AddressHeader, AddressAttrs>;

/** The codec of a address (RTM_*ADDR) message body (fixed header, then attributes). */
export const addressBody = headerWithAttributes<AddressHeader, AddressAttrs>(ifaddrmsg, addressAttributes);
