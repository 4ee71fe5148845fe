// Link messages (RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK, RTM_SETLINK): struct ifinfomsg + IFLA_*.

export {
  linkBody,
  linkAttributes,
  linkBridgeFamilyAttributes,
  linkInet6FamilyAttributes,
  linkAttributesFor,
  LINK_KINDS,
  linkKinds,
  linkSlaveKinds,
  afSpecAttributes,
  inetAttributes,
  inet6Attributes,
  bridgeAfAttributes,
  bridgeVlanTunnelAttributes,
  xdpAttributes,
  propListAttributes,
  protoDownReasonAttributes,
  rtnlLinkStats,
  rtnlLinkStats64,
  iflaCacheinfo,
  bridgeVlanInfo,
  type LinkBody,
  type LinkAttrs,
  type LinkInfo,
  type LinkAfSpec,
  type LinkProtinfo,
  type AfSpecAttrs,
  type InetAttrs,
  type Inet6Attrs,
  type BridgeAfAttrs,
} from './attributes.js';
export { ifinfomsg, type IfinfoHeader } from './header.js';
export { decodeLinkSummary, linkSummaryOf, type LinkSummary } from './summary.js';
export { linkinfoCodec, type LinkInfoOf, type KindTables } from './linkinfo.js';
export { ifmap, bridgeId, u8Flag, uintVar, type LinkIfmap, type BridgeId } from './codecs.js';
export * from './kinds/index.js';

// ifi_flags (<linux/if.h>, enum net_device_flags).
export const IFF_UP = 0x1;
export const IFF_BROADCAST = 0x2;
export const IFF_DEBUG = 0x4;
export const IFF_LOOPBACK = 0x8;
export const IFF_POINTOPOINT = 0x10;
export const IFF_NOTRAILERS = 0x20;
export const IFF_RUNNING = 0x40;
export const IFF_NOARP = 0x80;
export const IFF_PROMISC = 0x100;
export const IFF_ALLMULTI = 0x200;
export const IFF_MASTER = 0x400;
export const IFF_SLAVE = 0x800;
export const IFF_MULTICAST = 0x1000;
export const IFF_PORTSEL = 0x2000;
export const IFF_AUTOMEDIA = 0x4000;
export const IFF_DYNAMIC = 0x8000;
export const IFF_LOWER_UP = 0x10000;
export const IFF_DORMANT = 0x20000;
export const IFF_ECHO = 0x40000;

// IFLA_OPERSTATE values (<linux/if.h>, RFC 2863).
export const IF_OPER_UNKNOWN = 0;
export const IF_OPER_NOTPRESENT = 1;
export const IF_OPER_DOWN = 2;
export const IF_OPER_LOWERLAYERDOWN = 3;
export const IF_OPER_TESTING = 4;
export const IF_OPER_DORMANT = 5;
export const IF_OPER_UP = 6;

/** Operational states by IFLA_OPERSTATE value, as iproute2 prints them. */
export const OPERSTATE_NAMES: readonly string[] = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'];

/** 'UP', 'DOWN' ... for an IFLA_OPERSTATE value; unknown numbers as 'UNKNOWN(n)'. */
export function operstateName(state: number): string {
  return OPERSTATE_NAMES[state] ?? `UNKNOWN(${state})`;
}

// IFLA_LINKMODE values (<linux/if.h>).
export const IF_LINK_MODE_DEFAULT = 0;
export const IF_LINK_MODE_DORMANT = 1;
export const IF_LINK_MODE_TESTING = 2;

// ifi_type (<linux/if_arp.h>), the common ones.
export const ARPHRD_NETROM = 0; // what iproute2 sends in requests (ifi_type 0)
export const ARPHRD_ETHER = 1;
export const ARPHRD_TUNNEL = 768;
export const ARPHRD_TUNNEL6 = 769;
export const ARPHRD_LOOPBACK = 772;
export const ARPHRD_SIT = 776;
export const ARPHRD_IPGRE = 778;
export const ARPHRD_IP6GRE = 823;
export const ARPHRD_NONE = 0xfffe;
export const ARPHRD_VOID = 0xffff;

// IFLA_EXT_MASK bits (<linux/rtnetlink.h>). Also exported by messages/requests.ts.
export const RTEXT_FILTER_VF = 1 << 0;
export const RTEXT_FILTER_BRVLAN = 1 << 1;
export const RTEXT_FILTER_BRVLAN_COMPRESSED = 1 << 2;
export const RTEXT_FILTER_SKIP_STATS = 1 << 3;
export const RTEXT_FILTER_MRP = 1 << 4;
export const RTEXT_FILTER_CFM_CONFIG = 1 << 5;
export const RTEXT_FILTER_CFM_STATUS = 1 << 6;
export const RTEXT_FILTER_MST = 1 << 7;

// IFLA_INET6_ADDR_GEN_MODE values (<linux/if_link.h>, enum in6_addr_gen_mode).
export const IN6_ADDR_GEN_MODE_EUI64 = 0;
export const IN6_ADDR_GEN_MODE_NONE = 1;
export const IN6_ADDR_GEN_MODE_STABLE_PRIVACY = 2;
export const IN6_ADDR_GEN_MODE_RANDOM = 3;

// IFLA_XDP_ATTACHED values (<linux/if_link.h>).
export const XDP_ATTACHED_NONE = 0;
export const XDP_ATTACHED_DRV = 1;
export const XDP_ATTACHED_SKB = 2;
export const XDP_ATTACHED_HW = 3;
export const XDP_ATTACHED_MULTI = 4;

// IFLA_BRPORT_STATE values (<linux/if_bridge.h>).
export const BR_STATE_DISABLED = 0;
export const BR_STATE_LISTENING = 1;
export const BR_STATE_LEARNING = 2;
export const BR_STATE_FORWARDING = 3;
export const BR_STATE_BLOCKING = 4;

// IFLA_BRIDGE_FLAGS and IFLA_BRIDGE_VLAN_INFO flags (<linux/if_bridge.h>).
export const BRIDGE_FLAGS_MASTER = 1;
export const BRIDGE_FLAGS_SELF = 2;
export const BRIDGE_VLAN_INFO_MASTER = 1 << 0;
export const BRIDGE_VLAN_INFO_PVID = 1 << 1;
export const BRIDGE_VLAN_INFO_UNTAGGED = 1 << 2;
export const BRIDGE_VLAN_INFO_RANGE_BEGIN = 1 << 3;
export const BRIDGE_VLAN_INFO_RANGE_END = 1 << 4;
export const BRIDGE_VLAN_INFO_BRENTRY = 1 << 5;
export const BRIDGE_VLAN_INFO_ONLY_OPTS = 1 << 6;

// IFLA_VXLAN_DF values.
export const VXLAN_DF_UNSET = 0;
export const VXLAN_DF_SET = 1;
export const VXLAN_DF_INHERIT = 2;

