import { Link } from './link.js';
import { createPlainBridge, plainBridge } from './bridge-request.js';
import { createLinkIn, newLinkHome, newLinkRest, type NewLinkOptions } from './new-link.js';
import type { BridgeOptions } from './rtnl/links.js';

/** What `Bridge.create` takes: where the bridge goes, and `ip link add NAME type bridge ...`'s options. */
export type BridgeCreateOptions = NewLinkOptions & BridgeOptions;

const SHAPE = "{ name, namespace, ...bridge options } (e.g. { name: 'br0', namespace: ns })";

/** A Linux bridge: a virtual switch. Ports attach with `port.setMaster(bridge)`, or `master: bridge` at creation. */
export class Bridge extends Link {
  /** Creates bridge `name` in `namespace` (`ip link add NAME type bridge ...`): `Bridge.create({ name: 'br0', namespace: ns, up: true })`. */
  static async create(options: BridgeCreateOptions): Promise<Bridge> {
    const namespace = newLinkHome(options, SHAPE);
    const plain = plainBridge(options, options.name);
    if (plain !== undefined) return new Bridge(namespace, await createPlainBridge(namespace, plain));
    return new Bridge(namespace, await createLinkIn(namespace, 'bridge', options.name, newLinkRest(options)));
  }

  /** The links attached to this bridge. */
  async ports(): Promise<Link[]> {
    const states = await this.namespace.rtnl.links({ master: this.index });
    return states.map((s) => new Link(this.namespace, s));
  }
}
