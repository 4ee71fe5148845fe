import { bytes, flag, u16, u32, u64, u8 } from '../../attributes/scalars.js';
import { attr, defineTable, repeatedAttr, type ValuesOf } from '../../attributes/table.js';
import { bridgeId } from '../codecs.js';

// IFLA_BRPORT_* (<linux/if_link.h>): IFLA_INFO_SLAVE_DATA of a port whose master is a bridge,
// and IFLA_PROTINFO of AF_BRIDGE link messages. Numbers 40..44 (MAB .. BACKUP_NHID) are newer than
// the 6.1 uapi headers distributions such as Debian 12 install: they are from the kernel's own.
// Values the kernel gives as u8 booleans stay numbers (0/1).

/** The IFLA_BRPORT_* attribute table: each attribute's number, kernel name, field name and codec. */
export const bridgePortAttributes = defineTable('IFLA_BRPORT', () => [
  attr(1, 'IFLA_BRPORT_STATE', 'state', u8), // BR_STATE_*
  attr(2, 'IFLA_BRPORT_PRIORITY', 'priority', u16),
  attr(3, 'IFLA_BRPORT_COST', 'cost', u32),
  attr(4, 'IFLA_BRPORT_MODE', 'mode', u8), // hairpin
  attr(5, 'IFLA_BRPORT_GUARD', 'guard', u8),
  attr(6, 'IFLA_BRPORT_PROTECT', 'protect', u8),
  attr(7, 'IFLA_BRPORT_FAST_LEAVE', 'fastLeave', u8),
  attr(8, 'IFLA_BRPORT_LEARNING', 'learning', u8),
  attr(9, 'IFLA_BRPORT_UNICAST_FLOOD', 'unicastFlood', u8),
  attr(10, 'IFLA_BRPORT_PROXYARP', 'proxyarp', u8),
  attr(11, 'IFLA_BRPORT_LEARNING_SYNC', 'learningSync', u8),
  attr(12, 'IFLA_BRPORT_PROXYARP_WIFI', 'proxyarpWifi', u8),
  attr(13, 'IFLA_BRPORT_ROOT_ID', 'rootId', bridgeId),
  attr(14, 'IFLA_BRPORT_BRIDGE_ID', 'bridgeId', bridgeId),
  attr(15, 'IFLA_BRPORT_DESIGNATED_PORT', 'designatedPort', u16),
  attr(16, 'IFLA_BRPORT_DESIGNATED_COST', 'designatedCost', u16),
  attr(17, 'IFLA_BRPORT_ID', 'id', u16),
  attr(18, 'IFLA_BRPORT_NO', 'no', u16),
  attr(19, 'IFLA_BRPORT_TOPOLOGY_CHANGE_ACK', 'topologyChangeAck', u8),
  attr(20, 'IFLA_BRPORT_CONFIG_PENDING', 'configPending', u8),
  attr(21, 'IFLA_BRPORT_MESSAGE_AGE_TIMER', 'messageAgeTimer', u64),
  attr(22, 'IFLA_BRPORT_FORWARD_DELAY_TIMER', 'forwardDelayTimer', u64),
  attr(23, 'IFLA_BRPORT_HOLD_TIMER', 'holdTimer', u64),
  attr(24, 'IFLA_BRPORT_FLUSH', 'flush', flag),
  attr(25, 'IFLA_BRPORT_MULTICAST_ROUTER', 'multicastRouter', u8),
  repeatedAttr(26, 'IFLA_BRPORT_PAD', 'pad', bytes),
  attr(27, 'IFLA_BRPORT_MCAST_FLOOD', 'mcastFlood', u8),
  attr(28, 'IFLA_BRPORT_MCAST_TO_UCAST', 'mcastToUcast', u8),
  attr(29, 'IFLA_BRPORT_VLAN_TUNNEL', 'vlanTunnel', u8),
  attr(30, 'IFLA_BRPORT_BCAST_FLOOD', 'bcastFlood', u8),
  attr(31, 'IFLA_BRPORT_GROUP_FWD_MASK', 'groupFwdMask', u16),
  attr(32, 'IFLA_BRPORT_NEIGH_SUPPRESS', 'neighSuppress', u8),
  attr(33, 'IFLA_BRPORT_ISOLATED', 'isolated', u8),
  attr(34, 'IFLA_BRPORT_BACKUP_PORT', 'backupPort', u32), // ifindex
  attr(35, 'IFLA_BRPORT_MRP_RING_OPEN', 'mrpRingOpen', u8),
  attr(36, 'IFLA_BRPORT_MRP_IN_OPEN', 'mrpInOpen', u8),
  attr(37, 'IFLA_BRPORT_MCAST_EHT_HOSTS_LIMIT', 'mcastEhtHostsLimit', u32),
  attr(38, 'IFLA_BRPORT_MCAST_EHT_HOSTS_CNT', 'mcastEhtHostsCnt', u32),
  attr(39, 'IFLA_BRPORT_LOCKED', 'locked', u8),
  attr(40, 'IFLA_BRPORT_MAB', 'mab', u8),
  attr(41, 'IFLA_BRPORT_MCAST_N_GROUPS', 'mcastNGroups', u32),
  attr(42, 'IFLA_BRPORT_MCAST_MAX_GROUPS', 'mcastMaxGroups', u32),
  attr(43, 'IFLA_BRPORT_NEIGH_VLAN_SUPPRESS', 'neighVlanSuppress', u8),
  attr(44, 'IFLA_BRPORT_BACKUP_NHID', 'backupNhid', u32),
]);

/** A bridge port's IFLA_INFO_SLAVE_DATA decoded (IFLA_BRPORT_*): state, cost, priority, learning, flooding ... */
export type BridgePortData = ValuesOf<typeof bridgePortAttributes>;
