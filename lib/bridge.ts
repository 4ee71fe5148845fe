import { Link } from './link.js';
import type { Namespace } from './namespace.js';
import { bridgeMessage, type BridgeOptions } from './rtnl/links.js';
import { checkNamespaceHandle, checkOptions } from './validate.js';

/** A Linux bridge: a virtual switch. Ports attach with `port.setMaster(bridge)`. */
export class Bridge extends Link {
  /** Creates bridge `name` in `namespace` (`ip link add NAME type bridge ...`). */
  static async create(namespace: Namespace, name: string, options?: BridgeOptions): Promise<Bridge> {
    checkNamespaceHandle(namespace, 'namespace');
    const message = bridgeMessage(name, checkOptions(options));
    return new Bridge(namespace, await namespace.rtnl.createLinkAndRead(message, `${name} type bridge`, name));
  }

  /** The links attached to this bridge. */
  async ports(): Promise<Link[]> {
    const states = await this.namespace.rtnl.links({ master: this.index });
    return states.map((s) => new Link(this.namespace, s));
  }
}
