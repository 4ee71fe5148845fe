import { bytes, flag, u16, u16be, u32, u64, u8 } from '../../attributes/scalars.js';
import { ipv4, ipv6, mac } from '../../attributes/addresses.js';
import * as C from '../../struct.js';
import { attr, defineTable, repeatedAttr, type ValuesOf } from '../../attributes/table.js';
import { nested } from '../../attributes/walk.js';
import { bridgeId } from '../codecs.js';
import { checkU16, checkU32 } from '../../checks.js';
import { bridgePortAttributes } from './bridge-port.js';
import type { LinkKind } from './kind.js';

// IFLA_BR_* (<linux/if_link.h>): IFLA_INFO_DATA of kind "bridge".
// Numbers 48 and 49 (FDB_N_LEARNED, FDB_MAX_LEARNED) came in Linux 6.8, after the 6.1 uapi headers
// distributions such as Debian 12 install: they are from the kernel's own uapi header.

/** struct br_boolopt_multi (IFLA_BR_MULTI_BOOLOPT): a bit per BR_BOOLOPT_* option. */
export const brBooloptMulti = C.struct('struct br_boolopt_multi', [C.u32('optval'), C.u32('optmask')]);

/** BRIDGE_QUERIER_* (<linux/if_bridge.h>): the multicast querier state the kernel reports. */
export const bridgeQuerierAttributes = defineTable('BRIDGE_QUERIER', () => [
  attr(1, 'BRIDGE_QUERIER_IP_ADDRESS', 'ipAddress', ipv4),
  attr(2, 'BRIDGE_QUERIER_IP_PORT', 'ipPort', u32),
  attr(3, 'BRIDGE_QUERIER_IP_OTHER_TIMER', 'ipOtherTimer', u64),
  repeatedAttr(4, 'BRIDGE_QUERIER_PAD', 'pad', bytes),
  attr(5, 'BRIDGE_QUERIER_IPV6_ADDRESS', 'ipv6Address', ipv6),
  attr(6, 'BRIDGE_QUERIER_IPV6_PORT', 'ipv6Port', u32),
  attr(7, 'BRIDGE_QUERIER_IPV6_OTHER_TIMER', 'ipv6OtherTimer', u64),
]);

/** The IFLA_BR_* attribute table: each attribute's number, kernel name, field name and codec. */
export const bridgeAttributes = defineTable('IFLA_BR', () => [
  attr(1, 'IFLA_BR_FORWARD_DELAY', 'forwardDelay', u32),
  attr(2, 'IFLA_BR_HELLO_TIME', 'helloTime', u32),
  attr(3, 'IFLA_BR_MAX_AGE', 'maxAge', u32),
  attr(4, 'IFLA_BR_AGEING_TIME', 'ageingTime', u32),
  attr(5, 'IFLA_BR_STP_STATE', 'stpState', u32),
  attr(6, 'IFLA_BR_PRIORITY', 'priority', u16),
  attr(7, 'IFLA_BR_VLAN_FILTERING', 'vlanFiltering', u8),
  attr(8, 'IFLA_BR_VLAN_PROTOCOL', 'vlanProtocol', u16be), // ETH_P_8021Q 0x8100, network order
  attr(9, 'IFLA_BR_GROUP_FWD_MASK', 'groupFwdMask', u16),
  attr(10, 'IFLA_BR_ROOT_ID', 'rootId', bridgeId),
  attr(11, 'IFLA_BR_BRIDGE_ID', 'bridgeId', bridgeId),
  attr(12, 'IFLA_BR_ROOT_PORT', 'rootPort', u16),
  attr(13, 'IFLA_BR_ROOT_PATH_COST', 'rootPathCost', u32),
  attr(14, 'IFLA_BR_TOPOLOGY_CHANGE', 'topologyChange', u8),
  attr(15, 'IFLA_BR_TOPOLOGY_CHANGE_DETECTED', 'topologyChangeDetected', u8),
  // timers and intervals below are clock_t (centiseconds), u64
  attr(16, 'IFLA_BR_HELLO_TIMER', 'helloTimer', u64),
  attr(17, 'IFLA_BR_TCN_TIMER', 'tcnTimer', u64),
  attr(18, 'IFLA_BR_TOPOLOGY_CHANGE_TIMER', 'topologyChangeTimer', u64),
  attr(19, 'IFLA_BR_GC_TIMER', 'gcTimer', u64),
  attr(20, 'IFLA_BR_GROUP_ADDR', 'groupAddr', mac),
  attr(21, 'IFLA_BR_FDB_FLUSH', 'fdbFlush', flag),
  attr(22, 'IFLA_BR_MCAST_ROUTER', 'mcastRouter', u8),
  attr(23, 'IFLA_BR_MCAST_SNOOPING', 'mcastSnooping', u8),
  attr(24, 'IFLA_BR_MCAST_QUERY_USE_IFADDR', 'mcastQueryUseIfaddr', u8),
  attr(25, 'IFLA_BR_MCAST_QUERIER', 'mcastQuerier', u8),
  attr(26, 'IFLA_BR_MCAST_HASH_ELASTICITY', 'mcastHashElasticity', u32),
  attr(27, 'IFLA_BR_MCAST_HASH_MAX', 'mcastHashMax', u32),
  attr(28, 'IFLA_BR_MCAST_LAST_MEMBER_CNT', 'mcastLastMemberCnt', u32),
  attr(29, 'IFLA_BR_MCAST_STARTUP_QUERY_CNT', 'mcastStartupQueryCnt', u32),
  attr(30, 'IFLA_BR_MCAST_LAST_MEMBER_INTVL', 'mcastLastMemberIntvl', u64),
  attr(31, 'IFLA_BR_MCAST_MEMBERSHIP_INTVL', 'mcastMembershipIntvl', u64),
  attr(32, 'IFLA_BR_MCAST_QUERIER_INTVL', 'mcastQuerierIntvl', u64),
  attr(33, 'IFLA_BR_MCAST_QUERY_INTVL', 'mcastQueryIntvl', u64),
  attr(34, 'IFLA_BR_MCAST_QUERY_RESPONSE_INTVL', 'mcastQueryResponseIntvl', u64),
  attr(35, 'IFLA_BR_MCAST_STARTUP_QUERY_INTVL', 'mcastStartupQueryIntvl', u64),
  attr(36, 'IFLA_BR_NF_CALL_IPTABLES', 'nfCallIptables', u8),
  attr(37, 'IFLA_BR_NF_CALL_IP6TABLES', 'nfCallIp6tables', u8),
  attr(38, 'IFLA_BR_NF_CALL_ARPTABLES', 'nfCallArptables', u8),
  attr(39, 'IFLA_BR_VLAN_DEFAULT_PVID', 'vlanDefaultPvid', u16),
  repeatedAttr(40, 'IFLA_BR_PAD', 'pad', bytes),
  attr(41, 'IFLA_BR_VLAN_STATS_ENABLED', 'vlanStatsEnabled', u8),
  attr(42, 'IFLA_BR_MCAST_STATS_ENABLED', 'mcastStatsEnabled', u8),
  attr(43, 'IFLA_BR_MCAST_IGMP_VERSION', 'mcastIgmpVersion', u8),
  attr(44, 'IFLA_BR_MCAST_MLD_VERSION', 'mcastMldVersion', u8),
  attr(45, 'IFLA_BR_VLAN_STATS_PER_PORT', 'vlanStatsPerPort', u8),
  attr(46, 'IFLA_BR_MULTI_BOOLOPT', 'multiBoolopt', brBooloptMulti),
  attr(47, 'IFLA_BR_MCAST_QUERIER_STATE', 'mcastQuerierState', nested(bridgeQuerierAttributes)),
  attr(48, 'IFLA_BR_FDB_N_LEARNED', 'fdbNLearned', u32),
  attr(49, 'IFLA_BR_FDB_MAX_LEARNED', 'fdbMaxLearned', u32),
]);

/** A bridge's IFLA_INFO_DATA decoded (IFLA_BR_*): STP, timers, VLAN filtering, multicast settings ... */
export type BridgeData = ValuesOf<typeof bridgeAttributes>;

/** `ip link add NAME type bridge [stp_state 0|1] [forward_delay N] ...`. */
export interface BridgeKindOptions {
  /** Spanning tree on (the kernel's default is off). */
  stp?: boolean;
  /** Forward delay in centiseconds as the kernel counts it (clock_t, USER_HZ=100): 1500 = 15 s. */
  forwardDelay?: number;
  /** VLAN filtering; not every kernel is built with it (EOPNOTSUPP). */
  vlanFiltering?: boolean;
  /** Ageing time of learned MAC addresses, in centiseconds. */
  ageingTime?: number;
  priority?: number;
}

/** The bridge link kind: IFLA_BR_* data, IFLA_BRPORT_* port data, and its creation options. */
export const bridgeKind = {
  name: 'bridge',
  data: bridgeAttributes,
  portData: bridgePortAttributes,
  /** The options as IFLA_INFO_DATA (none for a bridge given no options, as iproute2 sends it). */
  create(options = {}) {
    const data: BridgeData = {};
    if (options.stp !== undefined) data.stpState = options.stp ? 1 : 0;
    if (options.forwardDelay !== undefined) data.forwardDelay = checkU32(options.forwardDelay, 'forwardDelay');
    if (options.vlanFiltering !== undefined) data.vlanFiltering = options.vlanFiltering ? 1 : 0;
    if (options.ageingTime !== undefined) data.ageingTime = checkU32(options.ageingTime, 'ageingTime');
    if (options.priority !== undefined) data.priority = checkU16(options.priority, 'priority');
    // iproute2 sends no IFLA_INFO_DATA for a bridge with no options.
    return Object.keys(data).length > 0 ? { data, devices: [] } : { devices: [] };
  },
  /** 'bridge'. */
  describe: () => 'bridge',
} satisfies LinkKind<'bridge', BridgeData, BridgeKindOptions>;
