// Builders for rtnetlink GET requests: single objects and dumps, with only the filters a kernel with
// strict checking (NETLINK_GET_STRICT_CHK, Linux 4.20+) accepts. Every builder returns a plain
// NetlinkMessage with seq and pid 0: the connection sets seq (and the kernel fills in pid).
//
// What strict checking allows, per the kernel's validators:
// - link dump (rtnl_valid_dump_ifinfo_req, net/core/rtnetlink.c): a full ifinfomsg whose
//   __ifi_pad, ifi_type, ifi_flags, ifi_change and ifi_index are 0, then only
//   IFLA_TARGET_NETNSID, IFLA_EXT_MASK, IFLA_MASTER and IFLA_LINKINFO (IFLA_INFO_KIND).
//   Families with their own RTM_GETLINK dump are stricter: AF_INET6 (inet6_dump_ifinfo) takes no
//   attribute at all, AF_BRIDGE (rtnl_bridge_getlink) only IFLA_EXT_MASK.
// - link get (rtnl_valid_getlink_req): ifi_index may be set; ifi_type/flags/change 0; only
//   IFLA_IFNAME, IFLA_ALT_IFNAME, IFLA_EXT_MASK, IFLA_TARGET_NETNSID.
// - address dump (inet_valid_dump_ifaddr_req, net/ipv4/devinet.c, and its IPv6 twin in
//   net/ipv6/addrconf.c): ifa_prefixlen, ifa_flags, ifa_scope 0; ifa_index filters by device;
//   only IFA_TARGET_NETNSID as attribute.
// - route dump (ip_valid_fib_dump_req, net/ipv4/fib_frontend.c, used by IPv4, IPv6 and MPLS):
//   rtm_dst_len, rtm_src_len, rtm_tos and rtm_scope 0, rtm_flags only RTM_F_CLONED | RTM_F_PREFIX;
//   rtm_table, rtm_protocol and rtm_type filter; only RTA_TABLE and RTA_OIF as attributes.
//   rtm_scope is NOT a filter: a non-zero scope makes the kernel refuse the dump.
// - route get (inet_rtm_valid_getroute_req / inet6_rtm_valid_getroute_req): rtm_dst_len and
//   rtm_src_len 0 or the full address length, rtm_table/protocol/scope/type 0, rtm_flags only
//   RTM_F_NOTIFY | RTM_F_LOOKUP_TABLE | RTM_F_FIB_MATCH; attributes RTA_IIF, OIF, SRC, DST,
//   IP_PROTO, SPORT, DPORT, MARK, UID.
// - neighbour dump (neigh_valid_dump_req, net/core/neighbour.c): ndm_pad*, ndm_ifindex,
//   ndm_state, ndm_type 0, ndm_flags only NTF_PROXY; NDA_IFINDEX and NDA_MASTER filter.
//   With family AF_BRIDGE the dump is the bridge FDB (valid_fdb_dump_strict): every ndmsg field
//   but the family and ndm_ifindex (the bridge port) must be 0; NDA_IFINDEX and NDA_MASTER filter.
// - neighbour get (neigh_valid_get_req): ndm_ifindex names the device, ndm_flags only NTF_PROXY,
//   NDA_DST the address.
// - netns id dump (rtnl_valid_dump_net_req, net/core/net_namespace.c): rtgenmsg, only
//   NETNSA_TARGET_NSID. Get (rtnl_net_valid_getid_req): NETNSA_PID, FD, NSID, TARGET_NSID.

import {
  AF_BRIDGE,
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  RTM_GETADDR,
  RTM_GETLINK,
  RTM_GETNEIGH,
  RTM_GETNSID,
  RTM_GETROUTE,
} from './constants.js';
import { checkInteger, checkRecord, checkS32, checkU16, checkU32, checkU8 } from './checks.js';
import { InvalidArgumentError } from './errors.js';
import { parseIP } from './attributes/ip-text.js';
import type { AddressMessage, LinkMessage, NeighborMessage, NsidMessage, RouteMessage } from './message.js';
import type { LinkBody } from './link/index.js';
import type { AddressBody } from './address/index.js';
import type { RouteBody } from './route/index.js';
import type { NeighborBody } from './neighbor/index.js';
import type { NsidBody } from './nsid/index.js';
import { NTF_PROXY } from './neighbor/index.js';
import { RTEXT_FILTER_SKIP_STATS, RTEXT_FILTER_VF } from './link/index.js';
import { RTM_F_CLONED, RTM_F_FIB_MATCH, RTM_F_LOOKUP_TABLE } from './route/constants.js';

/** Options shared by the single-object GET builders. */
export interface GetOptions {
  /** Also set NLM_F_ACK (the kernel then ends the exchange with an ACK after the answer). */
  ack?: boolean;
}

function singleFlags(options: GetOptions | undefined): number {
  return NLM_F_REQUEST | (options?.ack ? NLM_F_ACK : 0);
}

const DUMP_FLAGS = NLM_F_REQUEST | NLM_F_DUMP;

// ---------------------------------------------------------------------------------------------
// Validation: builders throw InvalidArgumentError naming the option, like the encoders do.

/** An interface index: positive s32 (ifi_index, ndm_ifindex and ifa_index are ints in the kernel). */
const ifindex = (v: unknown, f: string) => checkInteger(v, f, 1, 0x7fffffff);

function checkExtMask(extMask: number | undefined, skipStats: boolean | undefined, field: string): number {
  const mask = checkU32(extMask ?? 0, `${field}.extMask`) | (skipStats ? RTEXT_FILTER_SKIP_STATS : 0);
  if (mask & RTEXT_FILTER_VF) {
    // VF information makes each link message large enough to overflow a dump datagram on
    // machines with many VFs (the kernel then stops the dump with EMSGSIZE); not offered.
    throw new InvalidArgumentError(`${field}.extMask`, mask >>> 0, 'asks for RTEXT_FILTER_VF, which is not supported (VF info can overflow dump messages)');
  }
  return mask >>> 0;
}

function checkName(name: unknown, field: string): string {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidArgumentError(field, name, 'is not an interface name');
  return name;
}

// ---------------------------------------------------------------------------------------------
// Links

export interface LinkRequestOptions extends GetOptions {
  /** ifi_family; AF_UNSPEC by default (iproute2 sends AF_PACKET, which the kernel treats alike). */
  family?: number;
  /** IFLA_EXT_MASK: RTEXT_FILTER_* bits (from messages/link) other than RTEXT_FILTER_VF. */
  extMask?: number;
  /** Adds RTEXT_FILTER_SKIP_STATS to the mask: no IFLA_STATS/IFLA_STATS64 in the answer. */
  skipStats?: boolean;
  /** IFLA_TARGET_NETNSID: look in the namespace with this id (relative to the socket's). */
  targetNetnsid?: number;
}

/** One link, by index or by name. */
export type LinkSelector = { index: number; name?: undefined } | { name: string; index?: undefined };

/**
 * RTM_GETLINK for one link, by index (ifi_index) or by name (IFLA_IFNAME), always carrying
 * IFLA_EXT_MASK. The kernel answers with one RTM_NEWLINK, or ENODEV.
 */
export function getLink(selector: LinkSelector, options: LinkRequestOptions = {}): LinkMessage {
  checkRecord(selector, 'getLink', '{ index } or { name }');
  const attrs: LinkBody['attrs'] = {};
  let index = 0;
  if (selector.index !== undefined) {
    if (selector.name !== undefined) throw new InvalidArgumentError('getLink', selector, 'gives both index and name: give one');
    index = ifindex(selector.index, 'getLink.index');
  } else {
    attrs.ifname = checkName(selector.name, 'getLink.name');
  }
  attrs.extMask = checkExtMask(options.extMask, options.skipStats, 'getLink');
  if (options.targetNetnsid !== undefined) attrs.targetNetnsid = checkS32(options.targetNetnsid, 'getLink.targetNetnsid');
  const body: LinkBody = {
    family: checkU8(options.family ?? AF_UNSPEC, 'getLink.family'),
    type: 0,
    index,
    flags: 0,
    change: 0,
    attrs,
  };
  return { kind: 'link', type: RTM_GETLINK, flags: singleFlags(options), seq: 0, pid: 0, body };
}

/** dumpLinks' options: the family, and the filters the kernel applies. */
export interface LinkDumpOptions {
  /**
   * ifi_family; AF_UNSPEC by default. AF_BRIDGE dumps bridge ports (rtnl_bridge_getlink, only
   * extMask allowed), AF_INET6 the IPv6 per-link data (inet6_dump_ifinfo, no filter allowed).
   */
  family?: number;
  /** IFLA_MASTER: only the links enslaved to this index. */
  master?: number;
  /** IFLA_LINKINFO { IFLA_INFO_KIND }: only links of this kind ('veth', 'bridge'...). */
  kind?: string;
  /** IFLA_EXT_MASK: RTEXT_FILTER_* bits other than RTEXT_FILTER_VF. Sent when given (or skipStats). */
  extMask?: number;
  skipStats?: boolean;
  targetNetnsid?: number;
}

/**
 * RTM_GETLINK dump: a zeroed ifinfomsg but for the family (strict checking refuses any other header
 * field, ifi_index included) with the filters as attributes, written in IFLA_* table order.
 */
export function dumpLinks(options: LinkDumpOptions = {}): LinkMessage {
  const family = checkU8(options.family ?? AF_UNSPEC, 'dumpLinks.family');
  // Other families have their own dump handlers with stricter validators.
  if (family === AF_INET6) {
    // inet6_dump_ifinfo (net/ipv6/addrconf.c): "Invalid data after header" for any attribute.
    for (const key of ['master', 'kind', 'extMask', 'skipStats', 'targetNetnsid'] as const) {
      if (options[key] !== undefined && options[key] !== false) {
        throw new InvalidArgumentError(`dumpLinks.${key}`, options[key], 'cannot be used: an AF_INET6 link dump takes no filter attributes');
      }
    }
  } else if (family === AF_BRIDGE) {
    // rtnl_bridge_getlink (valid_bridge_getlink_req): IFLA_EXT_MASK only.
    for (const key of ['master', 'kind', 'targetNetnsid'] as const) {
      if (options[key] !== undefined) throw new InvalidArgumentError(`dumpLinks.${key}`, options[key], 'cannot be used: an AF_BRIDGE link dump takes only IFLA_EXT_MASK');
    }
  }
  const attrs: LinkBody['attrs'] = {};
  if (options.extMask !== undefined || options.skipStats) {
    attrs.extMask = checkExtMask(options.extMask, options.skipStats, 'dumpLinks');
  }
  if (options.targetNetnsid !== undefined) attrs.targetNetnsid = checkS32(options.targetNetnsid, 'dumpLinks.targetNetnsid');
  if (options.master !== undefined) attrs.master = ifindex(options.master, 'dumpLinks.master');
  if (options.kind !== undefined) attrs.linkinfo = { kind: checkName(options.kind, 'dumpLinks.kind') } as LinkBody['attrs']['linkinfo'];
  const body: LinkBody = {
    family,
    type: 0,
    index: 0,
    flags: 0,
    change: 0,
    attrs,
  };
  return { kind: 'link', type: RTM_GETLINK, flags: DUMP_FLAGS, seq: 0, pid: 0, body };
}

// ---------------------------------------------------------------------------------------------
// Addresses

/** dumpAddresses' options: the family, and the interface to list. */
export interface AddressDumpOptions {
  /** ifa_family: AF_INET, AF_INET6 or AF_UNSPEC (both) by default. */
  family?: number;
  /** ifa_index: only the addresses of this interface (the kernel marks the answer DUMP_FILTERED). */
  index?: number;
  /** IFA_TARGET_NETNSID: dump the namespace with this id. */
  targetNetnsid?: number;
}

/** RTM_GETADDR dump: ifaddrmsg with family and index, prefixlen/flags/scope 0. */
export function dumpAddresses(options: AddressDumpOptions = {}): AddressMessage {
  const attrs: AddressBody['attrs'] = {};
  if (options.targetNetnsid !== undefined) attrs.targetNetnsid = checkS32(options.targetNetnsid, 'dumpAddresses.targetNetnsid');
  const body: AddressBody = {
    family: checkU8(options.family ?? AF_UNSPEC, 'dumpAddresses.family'),
    prefixlen: 0,
    flags: 0,
    scope: 0,
    index: options.index === undefined ? 0 : ifindex(options.index, 'dumpAddresses.index'),
    attrs,
  };
  return { kind: 'address', type: RTM_GETADDR, flags: DUMP_FLAGS, seq: 0, pid: 0, body };
}

// ---------------------------------------------------------------------------------------------
// Routes

/** dumpRoutes' options: the family, and the filters the kernel applies (with strict checking on). */
export interface RouteDumpOptions {
  /** rtm_family: AF_INET, AF_INET6, or AF_UNSPEC (every family) by default. */
  family?: number;
  /**
   * Only this table (RT_TABLE_MAIN = 254, RT_TABLE_LOCAL = 255, any u32 id). Sent as RTA_TABLE with
   * rtm_table 0, as iproute2 does for every table; the kernel lets RTA_TABLE override rtm_table.
   */
  table?: number;
  /** rtm_protocol: only routes of this RTPROT_*. */
  protocol?: number;
  /** rtm_type: only routes of this RTN_*. */
  type?: number;
  /** RTA_OIF: only routes through this interface (the kernel answers ENODEV if it does not exist). */
  oif?: number;
  /** RTM_F_CLONED: dump the route cache / exceptions instead of the FIB. */
  cloned?: boolean;
}

/**
 * RTM_GETROUTE dump. There is no scope filter: ip_valid_fib_dump_req refuses a non-zero rtm_scope
 * ("Invalid values in header for FIB dump request"); filter scopes on the answers instead.
 */
export function dumpRoutes(options: RouteDumpOptions = {}): RouteMessage {
  if ((options as { scope?: unknown }).scope !== undefined) {
    throw new InvalidArgumentError('dumpRoutes.scope', (options as { scope?: unknown }).scope, 'cannot be used: the kernel does not filter route dumps by scope (it refuses a non-zero rtm_scope)');
  }
  const attrs: RouteBody['attrs'] = {};
  if (options.table !== undefined) attrs.table = checkU32(options.table, 'dumpRoutes.table');
  if (options.oif !== undefined) attrs.oif = ifindex(options.oif, 'dumpRoutes.oif');
  const body: RouteBody = {
    family: checkU8(options.family ?? AF_UNSPEC, 'dumpRoutes.family'),
    dstLen: 0,
    srcLen: 0,
    tos: 0,
    table: 0,
    protocol: options.protocol === undefined ? 0 : checkU8(options.protocol, 'dumpRoutes.protocol'),
    scope: 0,
    type: options.type === undefined ? 0 : checkU8(options.type, 'dumpRoutes.type'),
    flags: options.cloned ? RTM_F_CLONED : 0,
    attrs,
  };
  return { kind: 'route', type: RTM_GETROUTE, flags: DUMP_FLAGS, seq: 0, pid: 0, body };
}

export interface RouteGetOptions extends GetOptions {
  /** The address to look up; IPv4 or IPv6 text. */
  dst: string;
  /** Must agree with dst when given. */
  family?: number;
  /** RTA_SRC: source address of the flow. */
  src?: string;
  /** RTA_IIF: pretend the packet came in on this interface (forwarding lookup). */
  iif?: number;
  /** RTA_OIF: force the output interface. */
  oif?: number;
  mark?: number;
  uid?: number;
  ipProto?: number;
  sport?: number;
  dport?: number;
  /** RTM_F_FIB_MATCH: answer with the FIB entry that matched instead of the resolved route. */
  fibMatch?: boolean;
  /** RTM_F_LOOKUP_TABLE: report in rtm_table the table the lookup ended in (iproute2 sets it). */
  lookupTable?: boolean;
}

function ipFamily(text: unknown, field: string): number {
  const parsed = typeof text === 'string' ? parseIP(text) : undefined;
  if (!parsed) throw new InvalidArgumentError(field, text, 'is not a valid IP address');
  return parsed.length === 4 ? AF_INET : AF_INET6;
}

/** RTM_GETROUTE lookup of one destination (no NLM_F_DUMP): the kernel answers one RTM_NEWROUTE. */
export function getRoute(options: RouteGetOptions): RouteMessage {
  checkRecord(options, 'getRoute', '{ dst, ... }');
  const family = ipFamily(options.dst, 'getRoute.dst');
  if (options.family !== undefined && options.family !== family) {
    throw new InvalidArgumentError('getRoute.family', options.family, `does not match dst ${options.dst}`);
  }
  const full = family === AF_INET ? 32 : 128;
  const attrs: RouteBody['attrs'] = { dst: options.dst };
  let srcLen = 0;
  if (options.src !== undefined) {
    if (ipFamily(options.src, 'getRoute.src') !== family) throw new InvalidArgumentError('getRoute.src', options.src, `is not of the family of dst ${options.dst}`);
    attrs.src = options.src;
    srcLen = full;
  }
  if (options.iif !== undefined) attrs.iif = ifindex(options.iif, 'getRoute.iif');
  if (options.oif !== undefined) attrs.oif = ifindex(options.oif, 'getRoute.oif');
  if (options.mark !== undefined) attrs.mark = checkU32(options.mark, 'getRoute.mark');
  if (options.uid !== undefined) attrs.uid = checkU32(options.uid, 'getRoute.uid');
  if (options.ipProto !== undefined) attrs.ipProto = checkU8(options.ipProto, 'getRoute.ipProto');
  if (options.sport !== undefined) attrs.sport = checkU16(options.sport, 'getRoute.sport');
  if (options.dport !== undefined) attrs.dport = checkU16(options.dport, 'getRoute.dport');
  const body: RouteBody = {
    family,
    dstLen: full,
    srcLen,
    tos: 0,
    table: 0,
    protocol: 0,
    scope: 0,
    type: 0,
    flags: (options.fibMatch ? RTM_F_FIB_MATCH : 0) | (options.lookupTable ? RTM_F_LOOKUP_TABLE : 0),
    attrs,
  };
  return { kind: 'route', type: RTM_GETROUTE, flags: singleFlags(options), seq: 0, pid: 0, body };
}

// ---------------------------------------------------------------------------------------------
// Neighbours

/** dumpNeighbors' options: the family (ARP, NDP or the bridge FDB), and the filters. */
export interface NeighborDumpOptions {
  /** ndm_family: AF_INET (ARP), AF_INET6 (NDP), AF_BRIDGE (bridge/vxlan FDB), AF_UNSPEC (ARP + NDP). */
  family?: number;
  /**
   * Only the entries of this interface. Sent as NDA_IFINDEX, except for AF_BRIDGE where it goes in
   * ndm_ifindex as `bridge fdb show dev X` does (the FDB dump reads either; the neighbour dump
   * refuses a non-zero ndm_ifindex).
   */
  ifindex?: number;
  /** NDA_MASTER: only the entries of interfaces enslaved to this one (FDB: of this bridge). */
  master?: number;
  /** NTF_PROXY: dump the proxy ARP/NDP entries instead of the cache. Not for AF_BRIDGE. */
  proxy?: boolean;
}

/** RTM_GETNEIGH dump. */
export function dumpNeighbors(options: NeighborDumpOptions = {}): NeighborMessage {
  const family = checkU8(options.family ?? AF_UNSPEC, 'dumpNeighbors.family');
  const bridge = family === AF_BRIDGE;
  if (bridge && options.proxy) throw new InvalidArgumentError('dumpNeighbors.proxy', options.proxy, 'cannot be used: the bridge FDB dump has no proxy entries (it refuses ndm_flags)');
  const attrs: NeighborBody['attrs'] = {};
  let headerIndex = 0;
  if (options.ifindex !== undefined) {
    const index = ifindex(options.ifindex, 'dumpNeighbors.ifindex');
    if (bridge) headerIndex = index;
    else attrs.ifindex = index;
  }
  if (options.master !== undefined) attrs.master = ifindex(options.master, 'dumpNeighbors.master');
  const body: NeighborBody = {
    family,
    ifindex: headerIndex,
    state: 0,
    flags: options.proxy ? NTF_PROXY : 0,
    type: 0,
    attrs,
  };
  return { kind: 'neighbor', type: RTM_GETNEIGH, flags: DUMP_FLAGS, seq: 0, pid: 0, body };
}

export interface NeighborGetOptions extends GetOptions {
  /** The neighbour's address; its family (AF_INET or AF_INET6) is taken from it. */
  dst: string;
  /** The interface (required unless proxy). */
  ifindex?: number;
  proxy?: boolean;
}

/** RTM_GETNEIGH for one entry (Linux 5.1+): ndm_ifindex plus NDA_DST. */
export function getNeighbor(options: NeighborGetOptions): NeighborMessage {
  checkRecord(options, 'getNeighbor', '{ dst, ifindex }');
  const family = ipFamily(options.dst, 'getNeighbor.dst');
  if (options.ifindex === undefined && !options.proxy) throw new InvalidArgumentError('getNeighbor.ifindex', undefined, 'is required (the kernel needs the device) unless proxy is set');
  const body: NeighborBody = {
    family,
    ifindex: options.ifindex === undefined ? 0 : ifindex(options.ifindex, 'getNeighbor.ifindex'),
    state: 0,
    flags: options.proxy ? NTF_PROXY : 0,
    type: 0,
    attrs: { dst: options.dst },
  };
  return { kind: 'neighbor', type: RTM_GETNEIGH, flags: singleFlags(options), seq: 0, pid: 0, body };
}

// ---------------------------------------------------------------------------------------------
// Network namespace ids

/** dumpNsids' options. */
export interface NsidDumpOptions {
  /** NETNSA_TARGET_NSID: list the ids as seen from the namespace with this id. */
  targetNsid?: number;
}

/** RTM_GETNSID dump: every peer namespace that has an id in this one. */
export function dumpNsids(options: NsidDumpOptions = {}): NsidMessage {
  const attrs: NsidBody['attrs'] = {};
  if (options.targetNsid !== undefined) attrs.targetNsid = checkS32(options.targetNsid, 'dumpNsids.targetNsid');
  return { kind: 'nsid', type: RTM_GETNSID, flags: DUMP_FLAGS, seq: 0, pid: 0, body: { family: AF_UNSPEC, attrs } };
}

/** A peer namespace for RTM_GETNSID/RTM_NEWNSID: by an open fd, a pid living in it, or its id. */
export type NsidSelector =
  | { fd: number; pid?: undefined; nsid?: undefined }
  | { pid: number; fd?: undefined; nsid?: undefined }
  | { nsid: number; fd?: undefined; pid?: undefined };

export interface NsidGetOptions extends GetOptions {
  targetNsid?: number;
}

/**
 * RTM_GETNSID for one namespace, named by an open fd (NETNSA_FD, e.g. of /run/netns/x), by a
 * process in it (NETNSA_PID), or by its id (NETNSA_NSID). The answer's NETNSA_NSID is -1
 * (NETNSA_NSID_NOT_ASSIGNED) when the namespace has no id here.
 */
export function getNsid(selector: NsidSelector, options: NsidGetOptions = {}): NsidMessage {
  checkRecord(selector, 'getNsid', '{ fd }, { pid } or { nsid }');
  const given = (['fd', 'pid', 'nsid'] as const).filter((k) => selector[k] !== undefined);
  if (given.length !== 1) throw new InvalidArgumentError('getNsid', selector, 'must give exactly one of fd, pid, nsid');
  const attrs: NsidBody['attrs'] = {};
  if (selector.fd !== undefined) attrs.fd = checkU32(selector.fd, 'getNsid.fd');
  else if (selector.pid !== undefined) attrs.pid = checkInteger(selector.pid, 'getNsid.pid', 1, 0x7fffffff);
  else attrs.nsid = checkS32(selector.nsid, 'getNsid.nsid');
  if (options.targetNsid !== undefined) attrs.targetNsid = checkS32(options.targetNsid, 'getNsid.targetNsid');
  return { kind: 'nsid', type: RTM_GETNSID, flags: singleFlags(options), seq: 0, pid: 0, body: { family: AF_UNSPEC, attrs } };
}
