import { Link } from './link.js';
import type { Namespace } from './namespace.js';
import { createLinkOfKind, type VxlanOptions } from './rtnl/links.js';

/** Options of a VXLAN device; `dev` may name the underlying interface. */
export type VxlanCreateOptions = VxlanOptions;

/** A VXLAN tunnel device (`ip link add NAME type vxlan id VNI ...`). */
export class Vxlan extends Link {
  /** Creates the device in `namespace` and returns it as read back (one RTM_NEWLINK, one RTM_GETLINK). */
  static async create(namespace: Namespace, name: string, options: VxlanCreateOptions): Promise<Vxlan> {
    return new Vxlan(namespace, await createLinkOfKind(namespace.rtnl, 'vxlan', name, options));
  }
}
