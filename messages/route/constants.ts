// Constants from <linux/rtnetlink.h> (route types, protocols, tables, flags, RTA_* and RTAX_* numbers),
// <linux/lwtunnel.h> (encap types) and <linux/icmpv6.h> (RTA_PREF values), written out by number.
// RT_SCOPE_* are defined in messages/address/constants.ts (shared with ifa_scope) and re-exported by ./index.ts.

// rtm_type (enum, RTN_UNSPEC = 0)
/** `<linux/rtnetlink.h>` */
export const RTN_UNSPEC = 0;
/** `<linux/rtnetlink.h>` */
export const RTN_UNICAST = 1;
/** `<linux/rtnetlink.h>` */
export const RTN_LOCAL = 2;
/** `<linux/rtnetlink.h>` */
export const RTN_BROADCAST = 3;
/** `<linux/rtnetlink.h>` */
export const RTN_ANYCAST = 4;
/** `<linux/rtnetlink.h>` */
export const RTN_MULTICAST = 5;
/** `<linux/rtnetlink.h>` */
export const RTN_BLACKHOLE = 6;
/** `<linux/rtnetlink.h>` */
export const RTN_UNREACHABLE = 7;
/** `<linux/rtnetlink.h>` */
export const RTN_PROHIBIT = 8;
/** `<linux/rtnetlink.h>` */
export const RTN_THROW = 9;
/** `<linux/rtnetlink.h>` */
export const RTN_NAT = 10;
/** `<linux/rtnetlink.h>` */
export const RTN_XRESOLVE = 11;

// rtm_protocol
/** `<linux/rtnetlink.h>` */
export const RTPROT_UNSPEC = 0;
/** `<linux/rtnetlink.h>` */
export const RTPROT_REDIRECT = 1;
/** `<linux/rtnetlink.h>` */
export const RTPROT_KERNEL = 2;
/** `<linux/rtnetlink.h>` */
export const RTPROT_BOOT = 3;
/** `<linux/rtnetlink.h>` */
export const RTPROT_STATIC = 4;
/** `<linux/rtnetlink.h>` */
export const RTPROT_GATED = 8;
/** `<linux/rtnetlink.h>` */
export const RTPROT_RA = 9;
/** `<linux/rtnetlink.h>` */
export const RTPROT_MRT = 10;
/** `<linux/rtnetlink.h>` */
export const RTPROT_ZEBRA = 11;
/** `<linux/rtnetlink.h>` */
export const RTPROT_BIRD = 12;
/** `<linux/rtnetlink.h>` */
export const RTPROT_DNROUTED = 13;
/** `<linux/rtnetlink.h>` */
export const RTPROT_XORP = 14;
/** `<linux/rtnetlink.h>` */
export const RTPROT_NTK = 15;
/** `<linux/rtnetlink.h>` */
export const RTPROT_DHCP = 16;
/** `<linux/rtnetlink.h>` */
export const RTPROT_MROUTED = 17;
/** `<linux/rtnetlink.h>` */
export const RTPROT_KEEPALIVED = 18;
/** `<linux/rtnetlink.h>` */
export const RTPROT_BABEL = 42;
/** `<linux/rtnetlink.h>` */
export const RTPROT_OPENR = 99;
/** `<linux/rtnetlink.h>` */
export const RTPROT_BGP = 186;
/** `<linux/rtnetlink.h>` */
export const RTPROT_ISIS = 187;
/** `<linux/rtnetlink.h>` */
export const RTPROT_OSPF = 188;
/** `<linux/rtnetlink.h>` */
export const RTPROT_RIP = 189;
/** `<linux/rtnetlink.h>` */
export const RTPROT_EIGRP = 192;

// rtm_table / RTA_TABLE (enum rt_class_t); tables above 255 only fit RTA_TABLE.
/** `<linux/rtnetlink.h>` */
export const RT_TABLE_UNSPEC = 0;
/** `<linux/rtnetlink.h>` */
export const RT_TABLE_COMPAT = 252;
/** `<linux/rtnetlink.h>` */
export const RT_TABLE_DEFAULT = 253;
/** `<linux/rtnetlink.h>` */
export const RT_TABLE_MAIN = 254;
/** `<linux/rtnetlink.h>` */
export const RT_TABLE_LOCAL = 255;
/** `<linux/rtnetlink.h>` */
export const RT_TABLE_MAX = 0xffffffff;

// rtm_flags
/** `<linux/rtnetlink.h>` */
export const RTM_F_NOTIFY = 0x100;
/** `<linux/rtnetlink.h>` */
export const RTM_F_CLONED = 0x200;
/** `<linux/rtnetlink.h>` */
export const RTM_F_EQUALIZE = 0x400;
/** `<linux/rtnetlink.h>` */
export const RTM_F_PREFIX = 0x800;
/** `<linux/rtnetlink.h>` */
export const RTM_F_LOOKUP_TABLE = 0x1000;
/** `<linux/rtnetlink.h>` */
export const RTM_F_FIB_MATCH = 0x2000;
/** `<linux/rtnetlink.h>` */
export const RTM_F_OFFLOAD = 0x4000;
/** `<linux/rtnetlink.h>` */
export const RTM_F_TRAP = 0x8000;
/** `<linux/rtnetlink.h>` */
export const RTM_F_OFFLOAD_FAILED = 0x20000000;

// rtnh_flags (struct rtnexthop)
/** `<linux/rtnetlink.h>` */
export const RTNH_F_DEAD = 1;
/** `<linux/rtnetlink.h>` */
export const RTNH_F_PERVASIVE = 2;
/** `<linux/rtnetlink.h>` */
export const RTNH_F_ONLINK = 4;
/** `<linux/rtnetlink.h>` */
export const RTNH_F_OFFLOAD = 8;
/** `<linux/rtnetlink.h>` */
export const RTNH_F_LINKDOWN = 16;
/** `<linux/rtnetlink.h>` */
export const RTNH_F_UNRESOLVED = 32;
/** `<linux/rtnetlink.h>` */
export const RTNH_F_TRAP = 64;

// enum rtattr_type_t
/** `<linux/rtnetlink.h>` */
export const RTA_UNSPEC = 0;
/** `<linux/rtnetlink.h>` */
export const RTA_DST = 1;
/** `<linux/rtnetlink.h>` */
export const RTA_SRC = 2;
/** `<linux/rtnetlink.h>` */
export const RTA_IIF = 3;
/** `<linux/rtnetlink.h>` */
export const RTA_OIF = 4;
/** `<linux/rtnetlink.h>` */
export const RTA_GATEWAY = 5;
/** `<linux/rtnetlink.h>` */
export const RTA_PRIORITY = 6;
/** `<linux/rtnetlink.h>` */
export const RTA_PREFSRC = 7;
/** `<linux/rtnetlink.h>` */
export const RTA_METRICS = 8;
/** `<linux/rtnetlink.h>` */
export const RTA_MULTIPATH = 9;
/** `<linux/rtnetlink.h>` */
export const RTA_PROTOINFO = 10; // no longer used
/** `<linux/rtnetlink.h>` */
export const RTA_FLOW = 11;
/** `<linux/rtnetlink.h>` */
export const RTA_CACHEINFO = 12;
/** `<linux/rtnetlink.h>` */
export const RTA_SESSION = 13; // no longer used
/** `<linux/rtnetlink.h>` */
export const RTA_MP_ALGO = 14; // no longer used
/** `<linux/rtnetlink.h>` */
export const RTA_TABLE = 15;
/** `<linux/rtnetlink.h>` */
export const RTA_MARK = 16;
/** `<linux/rtnetlink.h>` */
export const RTA_MFC_STATS = 17;
/** `<linux/rtnetlink.h>` */
export const RTA_VIA = 18;
/** `<linux/rtnetlink.h>` */
export const RTA_NEWDST = 19;
/** `<linux/rtnetlink.h>` */
export const RTA_PREF = 20;
/** `<linux/rtnetlink.h>` */
export const RTA_ENCAP_TYPE = 21;
/** `<linux/rtnetlink.h>` */
export const RTA_ENCAP = 22;
/** `<linux/rtnetlink.h>` */
export const RTA_EXPIRES = 23;
/** `<linux/rtnetlink.h>` */
export const RTA_PAD = 24;
/** `<linux/rtnetlink.h>` */
export const RTA_UID = 25;
/** `<linux/rtnetlink.h>` */
export const RTA_TTL_PROPAGATE = 26;
/** `<linux/rtnetlink.h>` */
export const RTA_IP_PROTO = 27;
/** `<linux/rtnetlink.h>` */
export const RTA_SPORT = 28;
/** `<linux/rtnetlink.h>` */
export const RTA_DPORT = 29;
/** `<linux/rtnetlink.h>` */
export const RTA_NH_ID = 30;
/** Newer than the 6.1 uapi headers of Debian 12: the IPv6 flow label (__be32) of an RTM_GETROUTE lookup. */
export const RTA_FLOWLABEL = 31;

// RTA_METRICS members (RTAX_UNSPEC = 0)
/** `<linux/rtnetlink.h>` */
export const RTAX_UNSPEC = 0;
/** `<linux/rtnetlink.h>` */
export const RTAX_LOCK = 1;
/** `<linux/rtnetlink.h>` */
export const RTAX_MTU = 2;
/** `<linux/rtnetlink.h>` */
export const RTAX_WINDOW = 3;
/** `<linux/rtnetlink.h>` */
export const RTAX_RTT = 4;
/** `<linux/rtnetlink.h>` */
export const RTAX_RTTVAR = 5;
/** `<linux/rtnetlink.h>` */
export const RTAX_SSTHRESH = 6;
/** `<linux/rtnetlink.h>` */
export const RTAX_CWND = 7;
/** `<linux/rtnetlink.h>` */
export const RTAX_ADVMSS = 8;
/** `<linux/rtnetlink.h>` */
export const RTAX_REORDERING = 9;
/** `<linux/rtnetlink.h>` */
export const RTAX_HOPLIMIT = 10;
/** `<linux/rtnetlink.h>` */
export const RTAX_INITCWND = 11;
/** `<linux/rtnetlink.h>` */
export const RTAX_FEATURES = 12;
/** `<linux/rtnetlink.h>` */
export const RTAX_RTO_MIN = 13;
/** `<linux/rtnetlink.h>` */
export const RTAX_INITRWND = 14;
/** `<linux/rtnetlink.h>` */
export const RTAX_QUICKACK = 15;
/** `<linux/rtnetlink.h>` */
export const RTAX_CC_ALGO = 16;
/** `<linux/rtnetlink.h>` */
export const RTAX_FASTOPEN_NO_COOKIE = 17;

// RTAX_FEATURES bits
/** `<linux/rtnetlink.h>` */
export const RTAX_FEATURE_ECN = 1 << 0;
/** `<linux/rtnetlink.h>` */
export const RTAX_FEATURE_SACK = 1 << 1;
/** `<linux/rtnetlink.h>` */
export const RTAX_FEATURE_TIMESTAMP = 1 << 2;
/** `<linux/rtnetlink.h>` */
export const RTAX_FEATURE_ALLFRAG = 1 << 3;

// RTA_PREF values (<linux/icmpv6.h>)
/** `<linux/icmpv6.h>` */
export const ICMPV6_ROUTER_PREF_MEDIUM = 0x0;
/** `<linux/icmpv6.h>` */
export const ICMPV6_ROUTER_PREF_HIGH = 0x1;
/** `<linux/icmpv6.h>` */
export const ICMPV6_ROUTER_PREF_INVALID = 0x2;
/** `<linux/icmpv6.h>` */
export const ICMPV6_ROUTER_PREF_LOW = 0x3;

// RTA_ENCAP_TYPE values (enum lwtunnel_encap_types, <linux/lwtunnel.h>)
/** `<linux/lwtunnel.h>` */
export const LWTUNNEL_ENCAP_NONE = 0;
/** `<linux/lwtunnel.h>` */
export const LWTUNNEL_ENCAP_MPLS = 1;
/** `<linux/lwtunnel.h>` */
export const LWTUNNEL_ENCAP_IP = 2;
/** `<linux/lwtunnel.h>` */
export const LWTUNNEL_ENCAP_ILA = 3;
/** `<linux/lwtunnel.h>` */
export const LWTUNNEL_ENCAP_IP6 = 4;
/** `<linux/lwtunnel.h>` */
export const LWTUNNEL_ENCAP_SEG6 = 5;
/** `<linux/lwtunnel.h>` */
export const LWTUNNEL_ENCAP_BPF = 6;
/** `<linux/lwtunnel.h>` */
export const LWTUNNEL_ENCAP_SEG6_LOCAL = 7;
/** `<linux/lwtunnel.h>` */
export const LWTUNNEL_ENCAP_RPL = 8;
/** `<linux/lwtunnel.h>` */
export const LWTUNNEL_ENCAP_IOAM6 = 9;
/** `<linux/lwtunnel.h>` */
export const LWTUNNEL_ENCAP_XFRM = 10;
