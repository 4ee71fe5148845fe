/**
 * The IFLA_* numbers (linux/if_link.h) that the link scanner (scan.ts) and the written link
 * requests (lib/rtnl/link-request.ts, ifinfo.ts) use, as plain numbers: read from the link
 * attribute table (`linkAttributeType`) at module level, they made every import of the package
 * build that table. A unit test (constants.test.ts) holds each to the table's entry.
 */
export const IFLA_ADDRESS = 1;
export { IFLA_IFNAME } from './ifname.js';
export const IFLA_MTU = 4;
export const IFLA_LINK = 5;
export const IFLA_MASTER = 10;
export const IFLA_TXQLEN = 13;
export const IFLA_OPERSTATE = 16;
export const IFLA_LINKINFO = 18;
export const IFLA_GROUP = 27;
export const IFLA_NET_NS_FD = 28;
export const IFLA_EXT_MASK = 29;
export const IFLA_NUM_TX_QUEUES = 31;
export const IFLA_NUM_RX_QUEUES = 32;
export const IFLA_LINK_NETNSID = 37;
