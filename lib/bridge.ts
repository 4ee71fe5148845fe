import { Link } from './link.js';
import type { Namespace } from './namespace.js';
import { bridgeMessage, type BridgeOptions } from './rtnl/links.js';

/** A Linux bridge: a virtual switch. Ports attach with `port.setMaster(bridge)`. */
export class Bridge extends Link {
  /** Creates bridge `name` in `namespace` (`ip link add NAME type bridge ...`). */
  static async create(namespace: Namespace, name: string, options: BridgeOptions = {}): Promise<Bridge> {
    const message = bridgeMessage(name, options);
    // The lookup is pipelined behind the RTM_NEWLINK (same socket, handled in order): one round trip.
    const created = namespace.rtnl.createLink(message, `${name} type bridge`);
    const state = namespace.rtnl.link(name);
    state.catch(() => undefined);
    await created;
    return new Bridge(namespace, await state);
  }

  /** The links attached to this bridge. */
  async ports(): Promise<Link[]> {
    const states = await this.namespace.rtnl.links({ master: this.index });
    return states.map((s) => new Link(this.namespace, s));
  }
}
