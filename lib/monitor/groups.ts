/**
 * The rtnetlink multicast groups (enum rtnetlink_groups in <linux/rtnetlink.h>), by the names
 * `ip monitor` users know. Joining goes through NETLINK_ADD_MEMBERSHIP, which takes the group
 * number itself, so the groups above 31 (nexthop, brvlan, tunnel, stats ...) work too.
 */
export const MONITOR_GROUPS = {
  link: 1, // RTNLGRP_LINK: RTM_NEWLINK / RTM_DELLINK
  notify: 2, // RTNLGRP_NOTIFY
  neigh: 3, // RTNLGRP_NEIGH: ARP, NDP and bridge FDB entries
  tc: 4, // RTNLGRP_TC
  'ipv4-ifaddr': 5, // RTNLGRP_IPV4_IFADDR
  'ipv4-mroute': 6,
  'ipv4-route': 7, // RTNLGRP_IPV4_ROUTE
  'ipv4-rule': 8,
  'ipv6-ifaddr': 9, // RTNLGRP_IPV6_IFADDR
  'ipv6-mroute': 10,
  'ipv6-route': 11, // RTNLGRP_IPV6_ROUTE
  'ipv6-ifinfo': 12,
  'decnet-ifaddr': 13,
  'decnet-route': 15,
  'decnet-rule': 16,
  'ipv6-prefix': 18,
  'ipv6-rule': 19,
  'nd-useropt': 20,
  'phonet-ifaddr': 21,
  'phonet-route': 22,
  dcb: 23,
  'ipv4-netconf': 24,
  'ipv6-netconf': 25,
  mdb: 26,
  'mpls-route': 27,
  nsid: 28, // RTNLGRP_NSID: RTM_NEWNSID / RTM_DELNSID
  'mpls-netconf': 29,
  'ipv4-mroute-r': 30,
  'ipv6-mroute-r': 31,
  nexthop: 32,
  brvlan: 33,
  'mctp-ifaddr': 34,
  tunnel: 35,
  stats: 36,
  'ipv4-mcaddr': 37,
  'ipv6-mcaddr': 38,
  'ipv6-acaddr': 39,
} as const satisfies Record<string, number>;

/** A multicast group by the name `ip monitor` uses ('link', 'ipv4-route' ...): what ns.monitor() joins. */
export type MonitorGroup = keyof typeof MONITOR_GROUPS;

/** Groups whose notifications become typed events and whose state a dump can read (replay mode). */
export const REPLAYABLE_GROUPS = ['link', 'neigh', 'ipv4-ifaddr', 'ipv4-route', 'ipv6-ifaddr', 'ipv6-route', 'nsid'] as const satisfies readonly MonitorGroup[];

/** A group replay mode can read the state of (see REPLAYABLE_GROUPS). */
export type ReplayableGroup = (typeof REPLAYABLE_GROUPS)[number];

export function isReplayable(group: MonitorGroup): group is ReplayableGroup {
  return (REPLAYABLE_GROUPS as readonly string[]).includes(group);
}

export function groupNumber(group: MonitorGroup): number {
  return MONITOR_GROUPS[group];
}
