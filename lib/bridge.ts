import { Link } from './link.js';
import { createLinkIn, placeNewLink, type NewLinkOptions } from './new-link.js';
import type { BridgeOptions } from './rtnl/links.js';

/** What `Bridge.create` takes: where the bridge goes, and `ip link add NAME type bridge ...`'s options. */
export type BridgeCreateOptions = NewLinkOptions & BridgeOptions;

/** A Linux bridge: a virtual switch. Ports attach with `port.setMaster(bridge)`, or `master: bridge` at creation. */
export class Bridge extends Link {
  /** Creates bridge `name` in `namespace` (`ip link add NAME type bridge ...`): `Bridge.create({ name: 'br0', namespace: ns, up: true })`. */
  static async create(options: BridgeCreateOptions): Promise<Bridge> {
    const { name, namespace, rest } = placeNewLink(options, "{ name, namespace, ...bridge options } (e.g. { name: 'br0', namespace: ns })");
    return new Bridge(namespace, await createLinkIn(namespace, 'bridge', name, rest));
  }

  /** The links attached to this bridge. */
  async ports(): Promise<Link[]> {
    const states = await this.namespace.rtnl.links({ master: this.index });
    return states.map((s) => new Link(this.namespace, s));
  }
}
