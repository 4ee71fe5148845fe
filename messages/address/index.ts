import { ip } from '../attributes/addresses.js';
import { ifname, s32, u32, u8 } from '../attributes/scalars.js';
import { struct } from '../attributes/structs.js';
import { attr, defineTable, type ValuesOf } from '../attributes/table.js';
import { fixedHeader, headerWithAttributes, type HeaderWithAttributes } from '../fixed-header.js';

export * from './constants.js';

/** struct ifa_cacheinfo: lifetimes in seconds (0xffffffff = forever), stamps in hundredths of seconds. */
export const ifaCacheinfo = struct('ifa_cacheinfo', {
  prefered: 'u32',
  valid: 'u32',
  cstamp: 'u32',
  tstamp: 'u32',
});

/**
 * IFA_* attributes. IFA_ADDRESS is the prefix (or, on point-to-point links, the peer) address and
 * IFA_LOCAL the local one; IFA_FLAGS extends ifa_flags to 32 bits; IFA_LABEL is at most 15 bytes.
 */
export const addressAttributes = defineTable('IFA', [
  attr(1, 'IFA_ADDRESS', 'address', ip),
  attr(2, 'IFA_LOCAL', 'local', ip),
  attr(3, 'IFA_LABEL', 'label', ifname),
  attr(4, 'IFA_BROADCAST', 'broadcast', ip),
  attr(5, 'IFA_ANYCAST', 'anycast', ip),
  attr(6, 'IFA_CACHEINFO', 'cacheinfo', ifaCacheinfo),
  attr(7, 'IFA_MULTICAST', 'multicast', ip),
  attr(8, 'IFA_FLAGS', 'flags', u32),
  attr(9, 'IFA_RT_PRIORITY', 'rtPriority', u32),
  attr(10, 'IFA_TARGET_NETNSID', 'targetNetnsid', s32),
  attr(11, 'IFA_PROTO', 'proto', u8),
]);

export type AddressAttrs = ValuesOf<typeof addressAttributes>;

/** struct ifaddrmsg. */
export const ifaddrmsg = fixedHeader('ifaddrmsg', [
  ['family', 'u8'],
  ['prefixlen', 'u8'],
  ['flags', 'u8'],
  ['scope', 'u8'],
  ['index', 'u32'],
]);

export interface AddressHeader {
  family: number;
  prefixlen: number;
  /** ifa_flags: the low 8 IFA_F_* bits; attrs.flags (IFA_FLAGS) carries all of them. */
  flags: number;
  scope: number;
  index: number;
}

export type AddressBody = HeaderWithAttributes<AddressHeader, AddressAttrs>;

export const addressBody = headerWithAttributes<AddressHeader, AddressAttrs>(ifaddrmsg, addressAttributes);
