import { defineTable, type ValuesOf } from '../../attributes/table.js';
import type { LinkKind } from './kind.js';

// Kind "ifb" (intermediate functional block): a device whose only job is to send on what a
// mirred action redirects to it, so that a qdisc on its egress can shape another device's
// ingress (lib/tc/bandwidth.ts). It has no IFLA_INFO_DATA; anything there is kept as unknown.

/** The IFLA_IFB table: empty (an ifb has no IFLA_INFO_DATA of its own). */
export const ifbAttributes = defineTable('IFLA_IFB', () => []);

/** An ifb's IFLA_INFO_DATA decoded: nothing but what an unexpected kernel sends, kept as unknown. */
export type IfbData = ValuesOf<typeof ifbAttributes>;

/** `ip link add NAME type ifb`: nothing of its own beyond the common options (mtu, txqlen, up). */
export type IfbOptions = object;

/** The ifb link kind: no data, no options of its own. */
export const ifbKind: LinkKind<'ifb', IfbData, IfbOptions> = {
  name: 'ifb',
  data: ifbAttributes,
  create: () => ({ devices: [] }),
  describe: () => 'ifb',
};
