import type { Codec } from '../../attributes/codec.js';
import { attr, defineTable, type ValuesOf } from '../../attributes/table.js';
import type { IfinfoHeader } from '../header.js';
import type { LinkAttrs } from '../attributes.js'; // type only: no runtime import cycle
import type { HeaderExtras } from '../../fixed-header.js';
import type { LinkKind } from './kind.js';

// VETH_INFO_* (<linux/veth.h>): IFLA_INFO_DATA of kind "veth". The kernel never reports it in
// dumps (veth has no fill_info); it only appears in RTM_NEWLINK requests.

/** VETH_INFO_PEER: a whole struct ifinfomsg followed by the peer's IFLA_* attributes. */
export const VETH_INFO_PEER = 1;

/** The peer of a veth pair: its ifinfomsg fields and its attributes (and __ifi_pad where it was not 0). */
export interface VethPeer extends IfinfoHeader, Pick<HeaderExtras, 'padding'> {
  attrs: LinkAttrs;
}

/**
 * The veth table, given the codec of the peer (a link body). The link attribute table supplies
 * it, which keeps this file free of a runtime import of the table that contains it.
 */
export function vethAttributes(peer: Codec<VethPeer>) {
  return defineTable('VETH_INFO', () => [attr(VETH_INFO_PEER, 'VETH_INFO_PEER', 'peer', peer)]);
}

/** A veth's IFLA_INFO_DATA decoded: `peer`, the other end's ifinfomsg and attributes (sent at creation only). */
export type VethData = ValuesOf<ReturnType<typeof vethAttributes>>;

/** `ip link add NAME type veth peer ...`: the peer as a whole link body (lib/ builds it, names and all). */
export interface VethKindOptions {
  peer: VethPeer;
}

/** The veth kind, given the codec of its peer (see vethAttributes). */
export function vethKind(peer: Codec<VethPeer>): LinkKind<'veth', VethData, VethKindOptions> {
  return {
    name: 'veth',
    data: vethAttributes(peer),
    create: (options) => ({ data: { peer: options.peer }, devices: [] }),
    describe: (options) => `veth peer name ${String(options.peer.attrs.ifname)}`,
  };
}
