import type { Codec } from '../../attributes/codec.js';
import { bridgeKind } from './bridge.js';
import { dataTablesOf, portTablesOf } from './kind.js';
import { ifbKind } from './ifb.js';
import { macvlanKind } from './macvlan.js';
import { vethKind, type VethPeer } from './veth.js';
import { vxlanKind } from './vxlan.js';

/**
 * The link kinds this library reads and builds, by IFLA_INFO_KIND: the registry lib/ creates links
 * from. Adding a kind: one file in this folder and one line here. Kinds not listed keep their
 * IFLA_INFO_DATA as raw bytes. The veth kind takes the codec of its peer (a link body) from the link
 * table, which keeps the kind files free of a runtime import of the table that contains them.
 */
export function linkKindRegistry(vethPeer: Codec<VethPeer>) {
  return { veth: vethKind(vethPeer), bridge: bridgeKind, vxlan: vxlanKind, macvlan: macvlanKind, ifb: ifbKind } as const;
}

/** The link kinds this library knows, by IFLA_INFO_KIND. */
export type LinkKindRegistry = ReturnType<typeof linkKindRegistry>;

/** IFLA_INFO_DATA tables by kind. */
export const linkKindTables = (registry: LinkKindRegistry) => dataTablesOf(registry);
/** IFLA_INFO_SLAVE_DATA tables by the master's kind (IFLA_INFO_SLAVE_KIND). */
export const linkSlaveKindTables = (registry: LinkKindRegistry) => portTablesOf(registry);

export type { DeviceByName, DeviceOption, KindCreation, LinkKind } from './kind.js';
export { bridgeKind, bridgeAttributes, bridgeQuerierAttributes, brBooloptMulti, type BridgeData, type BridgeKindOptions } from './bridge.js';
export { bridgePortAttributes, type BridgePortData } from './bridge-port.js';
export { vethAttributes, vethKind, VETH_INFO_PEER, type VethData, type VethKindOptions, type VethPeer } from './veth.js';
export { vxlanKind, vxlanAttributes, vxlanPortRange, type VxlanData, type VxlanKindOptions } from './vxlan.js';
export * from './macvlan.js';
export { ifbKind, ifbAttributes, type IfbData, type IfbOptions } from './ifb.js';
