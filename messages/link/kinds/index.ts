import type { Codec } from '../../attributes/codec.js';
import { bridgeAttributes } from './bridge.js';
import { bridgePortAttributes } from './bridge-port.js';
import { vethAttributes, type VethPeer } from './veth.js';
import { vxlanAttributes } from './vxlan.js';

/**
 * Link kinds whose IFLA_INFO_DATA is decoded (by IFLA_INFO_KIND). Adding a kind: one file in
 * this folder and one line here. Kinds not listed keep their IFLA_INFO_DATA as raw bytes.
 */
export function linkKindTables(vethPeer: Codec<VethPeer>) {
  return {
    veth: vethAttributes(vethPeer),
    bridge: bridgeAttributes,
    vxlan: vxlanAttributes,
  } as const;
}

/** Kinds whose IFLA_INFO_SLAVE_DATA is decoded (by IFLA_INFO_SLAVE_KIND: the master's kind). */
export const linkSlaveKindTables = {
  bridge: bridgePortAttributes,
} as const;

export { bridgeAttributes, bridgeQuerierAttributes, brBooloptMulti, type BridgeData } from './bridge.js';
export { bridgePortAttributes, type BridgePortData } from './bridge-port.js';
export { vethAttributes, type VethData, type VethPeer } from './veth.js';
export { vxlanAttributes, vxlanPortRange, type VxlanData } from './vxlan.js';
