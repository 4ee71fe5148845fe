import type { BodyCodec } from '../body.js';
import { AF_BRIDGE, AF_INET, AF_INET6 } from '../constants.js';
import type { Codec } from '../attributes/codec.js';
import { bytes, cstring, ifname, s32, string, u16, u32, u8 } from '../attributes/scalars.js';
import { ipv6, lladdr } from '../attributes/addresses.js';
import { u32Array, u64Array } from '../attributes/structs.js';
import * as C from '../struct.js';
import { attr, defineTable, repeatedAttr, type AttrTable, type ValuesOf } from '../attributes/table.js';
import { nested, nestedNoFlag } from '../attributes/walk.js';
import { headerWithAttributes, type HeaderWithAttributes } from '../fixed-header.js';
import { rtgenmsg } from '../nsid/index.js';
import { ifmap, uintVar } from './codecs.js';
import { ifinfomsg, type IfinfoHeader } from './header.js';
import { linkinfoCodec, type LinkInfoOf } from './linkinfo.js';
import { linkKindRegistry, linkKindTables, linkSlaveKindTables, type BridgePortData, type VethPeer } from './kinds/index.js';
import { bridgePortAttributes } from './kinds/bridge-port.js';

// IFLA_* (<linux/if_link.h>, <linux/if_bridge.h>). Numbers are written out, from the headers;
// 62..69 (DEVLINK_PORT .. TAILROOM) are newer than the 6.1 uapi headers distributions such as
// Debian 12 install, and are from the kernel's own uapi if_link.h.

/** struct rtnl_link_stats (IFLA_STATS): u32 counters, in the order of the C struct. */
export const rtnlLinkStats = C.u32Struct('struct rtnl_link_stats', [
  'rxPackets', 'txPackets', 'rxBytes', 'txBytes', 'rxErrors', 'txErrors', 'rxDropped', 'txDropped',
  'multicast', 'collisions',
  'rxLengthErrors', 'rxOverErrors', 'rxCrcErrors', 'rxFrameErrors', 'rxFifoErrors', 'rxMissedErrors',
  'txAbortedErrors', 'txCarrierErrors', 'txFifoErrors', 'txHeartbeatErrors', 'txWindowErrors',
  'rxCompressed', 'txCompressed', 'rxNohandler',
]);

/** struct rtnl_link_stats64 (IFLA_STATS64): u64 counters as bigints. */
export const rtnlLinkStats64 = C.u64Struct('struct rtnl_link_stats64', [
  'rxPackets', 'txPackets', 'rxBytes', 'txBytes', 'rxErrors', 'txErrors', 'rxDropped', 'txDropped',
  'multicast', 'collisions',
  'rxLengthErrors', 'rxOverErrors', 'rxCrcErrors', 'rxFrameErrors', 'rxFifoErrors', 'rxMissedErrors',
  'txAbortedErrors', 'txCarrierErrors', 'txFifoErrors', 'txHeartbeatErrors', 'txWindowErrors',
  'rxCompressed', 'txCompressed', 'rxNohandler', 'rxOtherhostDropped',
]);

/** struct ifla_cacheinfo (IFLA_INET6_CACHEINFO). */
export const iflaCacheinfo = C.struct('struct ifla_cacheinfo', [C.u32('maxReasmLen'), C.u32('tstamp'), C.u32('reachableTime'), C.u32('retransTime')]);

/** struct bridge_vlan_info (IFLA_BRIDGE_VLAN_INFO): BRIDGE_VLAN_INFO_* flags and the VLAN id. */
export const bridgeVlanInfo = C.struct('struct bridge_vlan_info', [C.u16('flags'), C.u16('vid')]);

/** The IFLA_XDP_* attribute table: each attribute's number, kernel name, field name and codec. */
export const xdpAttributes = defineTable('IFLA_XDP', () => [
  attr(1, 'IFLA_XDP_FD', 'fd', s32),
  attr(2, 'IFLA_XDP_ATTACHED', 'attached', u8), // XDP_ATTACHED_*
  attr(3, 'IFLA_XDP_FLAGS', 'flags', u32),
  attr(4, 'IFLA_XDP_PROG_ID', 'progId', u32),
  attr(5, 'IFLA_XDP_DRV_PROG_ID', 'drvProgId', u32),
  attr(6, 'IFLA_XDP_SKB_PROG_ID', 'skbProgId', u32),
  attr(7, 'IFLA_XDP_HW_PROG_ID', 'hwProgId', u32),
  attr(8, 'IFLA_XDP_EXPECTED_FD', 'expectedFd', s32),
]);

/** Alternative names are at most ALTIFNAMSIZ - 1 = 127 bytes. */
const altIfname = string(127);

/** The IFLA_PROP_LIST_* attribute table: each attribute's number, kernel name, field name and codec. */
export const propListAttributes = defineTable('IFLA_PROP_LIST', () => [
  repeatedAttr(53, 'IFLA_ALT_IFNAME', 'altIfname', altIfname),
]);

/** The IFLA_PROTO_DOWN_REASON_* attribute table: each attribute's number, kernel name, field name and codec. */
export const protoDownReasonAttributes = defineTable('IFLA_PROTO_DOWN_REASON', () => [
  attr(1, 'IFLA_PROTO_DOWN_REASON_MASK', 'mask', u32),
  attr(2, 'IFLA_PROTO_DOWN_REASON_VALUE', 'value', u32),
]);

/** The IFLA_INET_* attribute table: each attribute's number, kernel name, field name and codec. */
export const inetAttributes = defineTable('IFLA_INET', () => [
  attr(1, 'IFLA_INET_CONF', 'conf', u32Array), // indexed by IPV4_DEVCONF_* - 1
]);

/** The IFLA_INET6_* attribute table: each attribute's number, kernel name, field name and codec. */
export const inet6Attributes = defineTable('IFLA_INET6', () => [
  attr(1, 'IFLA_INET6_FLAGS', 'flags', u32),
  attr(2, 'IFLA_INET6_CONF', 'conf', u32Array), // indexed by DEVCONF_*
  attr(3, 'IFLA_INET6_STATS', 'stats', u64Array),
  attr(4, 'IFLA_INET6_MCAST', 'mcast', bytes),
  attr(5, 'IFLA_INET6_CACHEINFO', 'cacheinfo', iflaCacheinfo),
  attr(6, 'IFLA_INET6_ICMP6STATS', 'icmp6stats', u64Array),
  attr(7, 'IFLA_INET6_TOKEN', 'token', ipv6),
  attr(8, 'IFLA_INET6_ADDR_GEN_MODE', 'addrGenMode', u8), // IN6_ADDR_GEN_MODE_*
  attr(9, 'IFLA_INET6_RA_MTU', 'raMtu', u32),
]);

/** The IFLA_BRIDGE_VLAN_TUNNEL_* attribute table: each attribute's number, kernel name, field name and codec. */
export const bridgeVlanTunnelAttributes = defineTable('IFLA_BRIDGE_VLAN_TUNNEL', () => [
  attr(1, 'IFLA_BRIDGE_VLAN_TUNNEL_ID', 'id', u32),
  attr(2, 'IFLA_BRIDGE_VLAN_TUNNEL_VID', 'vid', u16),
  attr(3, 'IFLA_BRIDGE_VLAN_TUNNEL_FLAGS', 'flags', u16),
]);

/** IFLA_BRIDGE_* (<linux/if_bridge.h>; note IFLA_BRIDGE_FLAGS is 0). MRP, CFM and MST stay raw. */
export const bridgeAfAttributes = defineTable('IFLA_BRIDGE', () => [
  attr(0, 'IFLA_BRIDGE_FLAGS', 'flags', u16), // BRIDGE_FLAGS_MASTER / BRIDGE_FLAGS_SELF
  attr(1, 'IFLA_BRIDGE_MODE', 'mode', u16), // BRIDGE_MODE_*
  repeatedAttr(2, 'IFLA_BRIDGE_VLAN_INFO', 'vlanInfo', bridgeVlanInfo),
  repeatedAttr(3, 'IFLA_BRIDGE_VLAN_TUNNEL_INFO', 'vlanTunnelInfo', nestedNoFlag(bridgeVlanTunnelAttributes)),
  attr(4, 'IFLA_BRIDGE_MRP', 'mrp', bytes),
  attr(5, 'IFLA_BRIDGE_CFM', 'cfm', bytes),
  attr(6, 'IFLA_BRIDGE_MST', 'mst', bytes),
]);

/**
 * IFLA_AF_SPEC of AF_UNSPEC link messages: one nest per address family, typed by family number.
 * The kernel nests them without NLA_F_NESTED (nla_nest_start_noflag) and so does iproute2.
 */
export const afSpecAttributes = defineTable('IFLA_AF_SPEC', () => [
  attr(AF_INET, 'AF_INET', 'inet', nestedNoFlag(inetAttributes)),
  attr(AF_BRIDGE, 'AF_BRIDGE', 'bridge', nestedNoFlag(bridgeAfAttributes)),
  attr(AF_INET6, 'AF_INET6', 'inet6', nestedNoFlag(inet6Attributes)),
]);

/** The decoded IFLA_INET_* attributes: one field per attribute of the table, named as the table names it. */
export type InetAttrs = ValuesOf<typeof inetAttributes>;
/** The decoded IFLA_INET6_* attributes: one field per attribute of the table, named as the table names it. */
export type Inet6Attrs = ValuesOf<typeof inet6Attributes>;
/** The decoded IFLA_BRIDGE_* attributes: one field per attribute of the table, named as the table names it. */
export type BridgeAfAttrs = ValuesOf<typeof bridgeAfAttributes>;
/** The decoded IFLA_AF_SPEC_* attributes: one field per attribute of the table, named as the table names it. */
export type AfSpecAttrs = ValuesOf<typeof afSpecAttributes>;

/**
 * IFLA_AF_SPEC: in AF_BRIDGE link messages it holds IFLA_BRIDGE_* directly (flags, mode,
 * vlanInfo ...); in all others one nest per family (inet, inet6, bridge). The field names of
 * the two never clash, so one object type covers both.
 */
export type LinkAfSpec = AfSpecAttrs & BridgeAfAttrs;

/**
 * IFLA_PROTINFO: IFLA_BRPORT_* in AF_BRIDGE link messages, IFLA_INET6_* in AF_INET6 ones,
 * raw bytes otherwise (the kernel sends it for no other family).
 */
export type LinkProtinfo = BridgePortData | Inet6Attrs | Uint8Array;

/** The link body codec used for VETH_INFO_PEER (a struct ifinfomsg plus IFLA_* attributes). */
const vethPeer: Codec<VethPeer> = {
  label: 'struct ifinfomsg + IFLA attributes',
  shape: 'container',
  // iproute2 sends VETH_INFO_PEER without NLA_F_NESTED; veth_newlink reads it either way.
  nestedFlag: false,
  // veth_newlink reads it with rtnl_nla_parse_ifinfomsg: a whole ifinfomsg, as in a request.
  decode: (src, start, end) => linkBody.decode(src, start, end, 0),
  encode: (w, value, field) => linkBody.encode(w, value, field, 0),
};

/** IFLA_INFO_DATA tables by IFLA_INFO_KIND. */
/** The link kinds this library reads and builds (messages/link/kinds/), by IFLA_INFO_KIND. */
export const LINK_KINDS = linkKindRegistry(vethPeer);
/** IFLA_INFO_DATA tables by IFLA_INFO_KIND. */
export const linkKinds = linkKindTables(LINK_KINDS);
/** IFLA_INFO_SLAVE_DATA tables by IFLA_INFO_SLAVE_KIND. */
export const linkSlaveKinds = linkSlaveKindTables(LINK_KINDS);

/** IFLA_LINKINFO decoded: `kind`, then `data` (and `slaveKind`/`slaveData`) typed by the kinds this library knows, bytes for others. */
export type LinkInfo = LinkInfoOf<typeof linkKinds, typeof linkSlaveKinds>;

const linkinfo: Codec<LinkInfo> = linkinfoCodec(linkKinds, linkSlaveKinds);

function linkTable(space: string, protinfo: Codec<LinkProtinfo>, afSpec: Codec<LinkAfSpec>) {
  return defineTable(space, () => [
    attr(1, 'IFLA_ADDRESS', 'address', lladdr),
    attr(2, 'IFLA_BROADCAST', 'broadcast', lladdr),
    attr(3, 'IFLA_IFNAME', 'ifname', ifname),
    attr(4, 'IFLA_MTU', 'mtu', u32),
    attr(5, 'IFLA_LINK', 'link', u32),
    attr(6, 'IFLA_QDISC', 'qdisc', cstring),
    attr(7, 'IFLA_STATS', 'stats', rtnlLinkStats),
    attr(8, 'IFLA_COST', 'cost', bytes), // unused by the kernel
    attr(9, 'IFLA_PRIORITY', 'priority', bytes), // unused by the kernel
    attr(10, 'IFLA_MASTER', 'master', u32),
    attr(11, 'IFLA_WIRELESS', 'wireless', bytes),
    attr(12, 'IFLA_PROTINFO', 'protinfo', protinfo),
    attr(13, 'IFLA_TXQLEN', 'txqlen', u32),
    attr(14, 'IFLA_MAP', 'map', ifmap),
    attr(15, 'IFLA_WEIGHT', 'weight', bytes), // unused by the kernel
    attr(16, 'IFLA_OPERSTATE', 'operstate', u8), // IF_OPER_*
    attr(17, 'IFLA_LINKMODE', 'linkmode', u8), // IF_LINK_MODE_*
    attr(18, 'IFLA_LINKINFO', 'linkinfo', linkinfo),
    attr(19, 'IFLA_NET_NS_PID', 'netNsPid', u32),
    attr(20, 'IFLA_IFALIAS', 'ifalias', cstring),
    attr(21, 'IFLA_NUM_VF', 'numVf', u32),
    attr(22, 'IFLA_VFINFO_LIST', 'vfinfoList', bytes),
    attr(23, 'IFLA_STATS64', 'stats64', rtnlLinkStats64),
    attr(24, 'IFLA_VF_PORTS', 'vfPorts', bytes),
    attr(25, 'IFLA_PORT_SELF', 'portSelf', bytes),
    attr(26, 'IFLA_AF_SPEC', 'afSpec', afSpec),
    attr(27, 'IFLA_GROUP', 'group', u32),
    attr(28, 'IFLA_NET_NS_FD', 'netNsFd', u32),
    attr(29, 'IFLA_EXT_MASK', 'extMask', u32), // RTEXT_FILTER_*
    attr(30, 'IFLA_PROMISCUITY', 'promiscuity', u32),
    attr(31, 'IFLA_NUM_TX_QUEUES', 'numTxQueues', u32),
    attr(32, 'IFLA_NUM_RX_QUEUES', 'numRxQueues', u32),
    attr(33, 'IFLA_CARRIER', 'carrier', u8),
    attr(34, 'IFLA_PHYS_PORT_ID', 'physPortId', bytes),
    attr(35, 'IFLA_CARRIER_CHANGES', 'carrierChanges', u32),
    attr(36, 'IFLA_PHYS_SWITCH_ID', 'physSwitchId', bytes),
    attr(37, 'IFLA_LINK_NETNSID', 'linkNetnsid', s32),
    attr(38, 'IFLA_PHYS_PORT_NAME', 'physPortName', cstring),
    attr(39, 'IFLA_PROTO_DOWN', 'protoDown', u8),
    attr(40, 'IFLA_GSO_MAX_SEGS', 'gsoMaxSegs', u32),
    attr(41, 'IFLA_GSO_MAX_SIZE', 'gsoMaxSize', u32),
    repeatedAttr(42, 'IFLA_PAD', 'pad', bytes),
    // The kernel nests IFLA_XDP without NLA_F_NESTED; user-built ones follow it.
    attr(43, 'IFLA_XDP', 'xdp', nestedNoFlag(xdpAttributes)),
    attr(44, 'IFLA_EVENT', 'event', u32), // IFLA_EVENT_*
    attr(45, 'IFLA_NEW_NETNSID', 'newNetnsid', s32),
    attr(46, 'IFLA_TARGET_NETNSID', 'targetNetnsid', s32), // also named IFLA_IF_NETNSID
    attr(47, 'IFLA_CARRIER_UP_COUNT', 'carrierUpCount', u32),
    attr(48, 'IFLA_CARRIER_DOWN_COUNT', 'carrierDownCount', u32),
    attr(49, 'IFLA_NEW_IFINDEX', 'newIfindex', s32),
    attr(50, 'IFLA_MIN_MTU', 'minMtu', u32),
    attr(51, 'IFLA_MAX_MTU', 'maxMtu', u32),
    // The kernel and iproute2 nest IFLA_PROP_LIST with NLA_F_NESTED.
    attr(52, 'IFLA_PROP_LIST', 'propList', nested(propListAttributes)),
    attr(53, 'IFLA_ALT_IFNAME', 'altIfname', altIfname),
    attr(54, 'IFLA_PERM_ADDRESS', 'permAddress', lladdr),
    attr(55, 'IFLA_PROTO_DOWN_REASON', 'protoDownReason', nested(protoDownReasonAttributes)),
    attr(56, 'IFLA_PARENT_DEV_NAME', 'parentDevName', cstring),
    attr(57, 'IFLA_PARENT_DEV_BUS_NAME', 'parentDevBusName', cstring),
    attr(58, 'IFLA_GRO_MAX_SIZE', 'groMaxSize', u32),
    attr(59, 'IFLA_TSO_MAX_SIZE', 'tsoMaxSize', u32),
    attr(60, 'IFLA_TSO_MAX_SEGS', 'tsoMaxSegs', u32),
    attr(61, 'IFLA_ALLMULTI', 'allmulti', u32),
    attr(62, 'IFLA_DEVLINK_PORT', 'devlinkPort', bytes), // a devlink nest (NLA_F_NESTED), kept raw
    attr(63, 'IFLA_GSO_IPV4_MAX_SIZE', 'gsoIpv4MaxSize', u32),
    attr(64, 'IFLA_GRO_IPV4_MAX_SIZE', 'groIpv4MaxSize', u32),
    attr(65, 'IFLA_DPLL_PIN', 'dpllPin', bytes), // a DPLL nest (NLA_F_NESTED), kept raw
    attr(66, 'IFLA_MAX_PACING_OFFLOAD_HORIZON', 'maxPacingOffloadHorizon', uintVar), // ns
    attr(67, 'IFLA_NETNS_IMMUTABLE', 'netnsImmutable', u8),
    attr(68, 'IFLA_HEADROOM', 'headroom', u16),
    attr(69, 'IFLA_TAILROOM', 'tailroom', u16),
  ]);
}

const rawProtinfo = bytes as Codec<LinkProtinfo>;
const afSpecByFamily = nestedNoFlag(afSpecAttributes) as Codec<LinkAfSpec>;

/** IFLA_* of link messages of any family but AF_BRIDGE and AF_INET6 (ip link's AF_UNSPEC). */
export const linkAttributes = linkTable('IFLA', rawProtinfo, afSpecByFamily);

/**
 * IFLA_* of AF_BRIDGE link messages (`bridge link`, `bridge vlan`): IFLA_PROTINFO holds
 * IFLA_BRPORT_* (with NLA_F_NESTED: br_setlink reads a nest only when the flag is set) and
 * IFLA_AF_SPEC holds IFLA_BRIDGE_* directly.
 */
export const linkBridgeFamilyAttributes = linkTable(
  'IFLA',
  nested(bridgePortAttributes) as Codec<LinkProtinfo>,
  nestedNoFlag(bridgeAfAttributes) as Codec<LinkAfSpec>,
);

/** IFLA_* of AF_INET6 link messages (inet6_fill_ifinfo): IFLA_PROTINFO holds IFLA_INET6_*. */
export const linkInet6FamilyAttributes = linkTable('IFLA', nestedNoFlag(inet6Attributes) as Codec<LinkProtinfo>, afSpecByFamily);

/** The decoded Link attributes: one field per attribute of the table, named as the table names it. */
export type LinkAttrs = ValuesOf<typeof linkAttributes>;

/** A link message body: the ifinfomsg fields and the attributes (and what a lenient read kept). */
export type LinkBody = HeaderWithAttributes<IfinfoHeader, LinkAttrs>;

/** The IFLA_* table for a link message of this ifi_family. */
export function linkAttributesFor(family: number): AttrTable<LinkAttrs> {
  if (family === AF_BRIDGE) return linkBridgeFamilyAttributes;
  if (family === AF_INET6) return linkInet6FamilyAttributes;
  return linkAttributes;
}

/**
 * RTM_NEWLINK / RTM_DELLINK / RTM_GETLINK / RTM_SETLINK bodies: struct ifinfomsg then IFLA_*, read
 * with the table of its ifi_family. A link dump request shorter than ifinfomsg is read as the kernel
 * reads it without strict checking (rtnl_valid_dump_ifinfo_req): a struct rtgenmsg, then attributes
 * (what iproute2 before 3.9 sent: rtgenmsg and IFLA_EXT_MASK).
 */
export const linkBody: BodyCodec<LinkBody> = headerWithAttributes(ifinfomsg, linkAttributes, {
  decodeTable: (header) => linkAttributesFor(header.family),
  shortDumpHeader: rtgenmsg,
});

/** The IFLA_* number of a link attribute, by its field name (`linkAttributeType('ifname')` is IFLA_IFNAME, 3). */
export function linkAttributeType(field: keyof LinkAttrs & string): number {
  return linkAttributes.specs[linkAttributes.byName.get(field)!]!.type;
}
