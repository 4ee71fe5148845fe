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
  linkAttributeType,
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
export { IFLA_INFO_DATA, IFLA_INFO_KIND, linkinfoCodec, type LinkInfoOf, type KindTables } from './linkinfo.js';
export { ifmap, bridgeId, u8Flag, uintVar, type LinkIfmap, type BridgeId } from './codecs.js';
export * from './kinds/index.js';

// ifi_flags (<linux/if.h>, enum net_device_flags).
/** `<linux/if.h>` */
export const IFF_UP = 0x1;
/** `<linux/if.h>` */
export const IFF_BROADCAST = 0x2;
/** `<linux/if.h>` */
export const IFF_DEBUG = 0x4;
/** `<linux/if.h>` */
export const IFF_LOOPBACK = 0x8;
/** `<linux/if.h>` */
export const IFF_POINTOPOINT = 0x10;
/** `<linux/if.h>` */
export const IFF_NOTRAILERS = 0x20;
/** `<linux/if.h>` */
export const IFF_RUNNING = 0x40;
/** `<linux/if.h>` */
export const IFF_NOARP = 0x80;
/** `<linux/if.h>` */
export const IFF_PROMISC = 0x100;
/** `<linux/if.h>` */
export const IFF_ALLMULTI = 0x200;
/** `<linux/if.h>` */
export const IFF_MASTER = 0x400;
/** `<linux/if.h>` */
export const IFF_SLAVE = 0x800;
/** `<linux/if.h>` */
export const IFF_MULTICAST = 0x1000;
/** `<linux/if.h>` */
export const IFF_PORTSEL = 0x2000;
/** `<linux/if.h>` */
export const IFF_AUTOMEDIA = 0x4000;
/** `<linux/if.h>` */
export const IFF_DYNAMIC = 0x8000;
/** `<linux/if.h>` */
export const IFF_LOWER_UP = 0x10000;
/** `<linux/if.h>` */
export const IFF_DORMANT = 0x20000;
/** `<linux/if.h>` */
export const IFF_ECHO = 0x40000;

// IFLA_OPERSTATE values (<linux/if.h>, RFC 2863).
/** `<linux/if.h>` */
export const IF_OPER_UNKNOWN = 0;
/** `<linux/if.h>` */
export const IF_OPER_NOTPRESENT = 1;
/** `<linux/if.h>` */
export const IF_OPER_DOWN = 2;
/** `<linux/if.h>` */
export const IF_OPER_LOWERLAYERDOWN = 3;
/** `<linux/if.h>` */
export const IF_OPER_TESTING = 4;
/** `<linux/if.h>` */
export const IF_OPER_DORMANT = 5;
/** `<linux/if.h>` */
export const IF_OPER_UP = 6;

/** Operational states by IFLA_OPERSTATE value, as iproute2 prints them. */
export const OPERSTATE_NAMES: readonly string[] = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'];

/** 'UP', 'DOWN' ... for an IFLA_OPERSTATE value; unknown numbers as 'UNKNOWN(n)'. */
export function operstateName(state: number): string {
  return OPERSTATE_NAMES[state] ?? `UNKNOWN(${state})`;
}

// IFLA_LINKMODE values (<linux/if.h>).
/** `<linux/if.h>` */
export const IF_LINK_MODE_DEFAULT = 0;
/** `<linux/if.h>` */
export const IF_LINK_MODE_DORMANT = 1;
/** `<linux/if.h>` */
export const IF_LINK_MODE_TESTING = 2;

// ifi_type (<linux/if_arp.h>), the common ones.
/** `<linux/if_arp.h>` */
export const ARPHRD_NETROM = 0; // what iproute2 sends in requests (ifi_type 0)
/** `<linux/if_arp.h>` */
export const ARPHRD_ETHER = 1;
/** `<linux/if_arp.h>` */
export const ARPHRD_TUNNEL = 768;
/** `<linux/if_arp.h>` */
export const ARPHRD_TUNNEL6 = 769;
/** `<linux/if_arp.h>` */
export const ARPHRD_LOOPBACK = 772;
/** `<linux/if_arp.h>` */
export const ARPHRD_SIT = 776;
/** `<linux/if_arp.h>` */
export const ARPHRD_IPGRE = 778;
/** `<linux/if_arp.h>` */
export const ARPHRD_IP6GRE = 823;
/** `<linux/if_arp.h>` */
export const ARPHRD_NONE = 0xfffe;
/** `<linux/if_arp.h>` */
export const ARPHRD_VOID = 0xffff;

// IFLA_EXT_MASK bits (<linux/rtnetlink.h>). Also exported by messages/requests.ts.
/** `<linux/rtnetlink.h>` */
export const RTEXT_FILTER_VF = 1 << 0;
/** `<linux/rtnetlink.h>` */
export const RTEXT_FILTER_BRVLAN = 1 << 1;
/** `<linux/rtnetlink.h>` */
export const RTEXT_FILTER_BRVLAN_COMPRESSED = 1 << 2;
/** `<linux/rtnetlink.h>` */
export const RTEXT_FILTER_SKIP_STATS = 1 << 3;
/** `<linux/rtnetlink.h>` */
export const RTEXT_FILTER_MRP = 1 << 4;
/** `<linux/rtnetlink.h>` */
export const RTEXT_FILTER_CFM_CONFIG = 1 << 5;
/** `<linux/rtnetlink.h>` */
export const RTEXT_FILTER_CFM_STATUS = 1 << 6;
/** `<linux/rtnetlink.h>` */
export const RTEXT_FILTER_MST = 1 << 7;

// IFLA_INET6_ADDR_GEN_MODE values (<linux/if_link.h>, enum in6_addr_gen_mode).
/** `<linux/if_link.h>` */
export const IN6_ADDR_GEN_MODE_EUI64 = 0;
/** `<linux/if_link.h>` */
export const IN6_ADDR_GEN_MODE_NONE = 1;
/** `<linux/if_link.h>` */
export const IN6_ADDR_GEN_MODE_STABLE_PRIVACY = 2;
/** `<linux/if_link.h>` */
export const IN6_ADDR_GEN_MODE_RANDOM = 3;

// IFLA_XDP_ATTACHED values (<linux/if_link.h>).
/** `<linux/if_link.h>` */
export const XDP_ATTACHED_NONE = 0;
/** `<linux/if_link.h>` */
export const XDP_ATTACHED_DRV = 1;
/** `<linux/if_link.h>` */
export const XDP_ATTACHED_SKB = 2;
/** `<linux/if_link.h>` */
export const XDP_ATTACHED_HW = 3;
/** `<linux/if_link.h>` */
export const XDP_ATTACHED_MULTI = 4;

// IFLA_BRPORT_STATE values (<linux/if_bridge.h>).
/** `<linux/if_bridge.h>` */
export const BR_STATE_DISABLED = 0;
/** `<linux/if_bridge.h>` */
export const BR_STATE_LISTENING = 1;
/** `<linux/if_bridge.h>` */
export const BR_STATE_LEARNING = 2;
/** `<linux/if_bridge.h>` */
export const BR_STATE_FORWARDING = 3;
/** `<linux/if_bridge.h>` */
export const BR_STATE_BLOCKING = 4;

// IFLA_BRIDGE_FLAGS and IFLA_BRIDGE_VLAN_INFO flags (<linux/if_bridge.h>).
/** `<linux/if_bridge.h>` */
export const BRIDGE_FLAGS_MASTER = 1;
/** `<linux/if_bridge.h>` */
export const BRIDGE_FLAGS_SELF = 2;
/** `<linux/if_bridge.h>` */
export const BRIDGE_VLAN_INFO_MASTER = 1 << 0;
/** `<linux/if_bridge.h>` */
export const BRIDGE_VLAN_INFO_PVID = 1 << 1;
/** `<linux/if_bridge.h>` */
export const BRIDGE_VLAN_INFO_UNTAGGED = 1 << 2;
/** `<linux/if_bridge.h>` */
export const BRIDGE_VLAN_INFO_RANGE_BEGIN = 1 << 3;
/** `<linux/if_bridge.h>` */
export const BRIDGE_VLAN_INFO_RANGE_END = 1 << 4;
/** `<linux/if_bridge.h>` */
export const BRIDGE_VLAN_INFO_BRENTRY = 1 << 5;
/** `<linux/if_bridge.h>` */
export const BRIDGE_VLAN_INFO_ONLY_OPTS = 1 << 6;

// IFLA_VXLAN_DF values.
/** `<linux/if_link.h>` */
export const VXLAN_DF_UNSET = 0;
/** `<linux/if_link.h>` */
export const VXLAN_DF_SET = 1;
/** `<linux/if_link.h>` */
export const VXLAN_DF_INHERIT = 2;

