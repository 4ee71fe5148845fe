import { Link } from './link.js';
import type { Namespace } from './namespace.js';
import { vxlanMessage, type VxlanOptions } from './rtnl/links.js';

/** Options of a VXLAN device; `dev` may name the underlying interface. */
export interface VxlanCreateOptions extends Omit<VxlanOptions, 'dev'> {
  dev?: string | number;
}

/** A VXLAN tunnel device (`ip link add NAME type vxlan id VNI ...`). */
export class Vxlan extends Link {
  static async create(namespace: Namespace, name: string, options: VxlanCreateOptions): Promise<Vxlan> {
    const { dev, ...rest } = options;
    vxlanMessage(name, rest);
    const index = dev === undefined ? undefined : await namespace.rtnl.index(dev);
    const message = vxlanMessage(name, { ...rest, ...(index !== undefined ? { dev: index } : {}) });
    return new Vxlan(namespace, await namespace.rtnl.createLinkAndRead(message, `${name} type vxlan id ${options.vni}`, name));
  }
}
