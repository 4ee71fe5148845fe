import { Link } from './link.js';
import { createLinkIn, placeNewLink, type NewLinkOptions } from './new-link.js';
import type { VxlanOptions } from './rtnl/links.js';

/** What `Vxlan.create` takes: where the device goes, and its options; `dev` may name the underlying interface. */
export type VxlanCreateOptions = NewLinkOptions & VxlanOptions;

/** A VXLAN tunnel device (`ip link add NAME type vxlan id VNI ...`). */
export class Vxlan extends Link {
  /**
   * Creates the device and returns it as read back (one RTM_NEWLINK, one RTM_GETLINK):
   * `Vxlan.create({ name: 'vxlan0', namespace: ns, vni: 42, local: '192.168.56.11', dev: 'eth0' })`.
   */
  static async create(options: VxlanCreateOptions): Promise<Vxlan> {
    const { name, namespace, rest } = placeNewLink(options, "{ name, namespace, vni, ... } (e.g. { name: 'vxlan0', namespace: ns, vni: 42 })");
    return new Vxlan(namespace, await createLinkIn(namespace, 'vxlan', name, rest as VxlanOptions));
  }
}
