import { IFF_PROMISC, IFF_UP } from '../messages/link/index.js';
import type { LinkBody } from '../messages/link/index.js';
import type { AddAddressOptions, Address } from './rtnl/addresses.js';
import type { BridgePortSettings, BridgeVlan } from './rtnl/bridge-port.js';
import type { LinkChanges, LinkState } from './rtnl/links.js';
import type { Namespace } from './namespace.js';
import { checkNamespaceHandle, InvalidArgumentError } from './validate.js';

/**
 * A network interface in a namespace, reading like `ip link`: `await link.up()`.
 * It is addressed by index, so a rename elsewhere does not confuse it. Its fields are the state
 * when it was last read; the change methods update them, `refresh()` reads them all again.
 */
export class Link {
  #state: LinkState;

  constructor(
    readonly namespace: Namespace,
    state: LinkState,
  ) {
    this.#state = state;
  }

  get index(): number {
    return this.#state.index;
  }
  get name(): string {
    return this.#state.name;
  }
  get mtu(): number | undefined {
    return this.#state.mtu;
  }
  get mac(): string | undefined {
    return this.#state.mac;
  }
  /** Administratively up (IFF_UP). */
  get isUp(): boolean {
    return this.#state.up;
  }
  get operstate(): string {
    return this.#state.operstate;
  }
  get kind(): string | undefined {
    return this.#state.kind;
  }
  /** Index of the bridge this link is a port of. */
  get master(): number | undefined {
    return this.#state.master;
  }
  get flags(): number {
    return this.#state.flags;
  }
  /** In promiscuous mode (IFF_PROMISC). */
  get isPromiscuous(): boolean {
    return (this.#state.flags & IFF_PROMISC) !== 0;
  }
  /** The decoded RTM_NEWLINK this state came from (decoded when first read, for links read by GET). */
  get raw(): LinkBody {
    return this.#state.raw;
  }
  get state(): Readonly<LinkState> {
    return this.#state;
  }

  async refresh(): Promise<this> {
    this.#state = await this.namespace.rtnl.link(this.index);
    return this;
  }

  private async change(changes: LinkChanges): Promise<this> {
    await this.namespace.rtnl.setLink(this, changes);
    // Copied by descriptor: a spread would read (and so decode) a `raw` not read yet.
    const s = Object.defineProperties({}, Object.getOwnPropertyDescriptors(this.#state)) as LinkState;
    if (changes.up !== undefined) {
      s.up = changes.up;
      s.flags = changes.up ? s.flags | IFF_UP : s.flags & ~IFF_UP;
    }
    if (changes.promisc !== undefined) s.flags = changes.promisc ? s.flags | IFF_PROMISC : s.flags & ~IFF_PROMISC;
    if (changes.mtu !== undefined) s.mtu = changes.mtu;
    if (changes.name !== undefined) s.name = changes.name;
    if (changes.mac !== undefined) s.mac = changes.mac.toLowerCase();
    if (changes.master !== undefined) {
      if (changes.master === 0) delete s.master;
      else s.master = changes.master;
    }
    this.#state = s;
    return this;
  }

  up(): Promise<this> {
    return this.change({ up: true });
  }
  down(): Promise<this> {
    return this.change({ up: false });
  }
  setMtu(mtu: number): Promise<this> {
    return this.change({ mtu });
  }
  rename(name: string): Promise<this> {
    return this.change({ name });
  }
  setMac(mac: string): Promise<this> {
    return this.change({ mac });
  }
  /** Promiscuous mode on or off (`ip link set DEV promisc on|off`). */
  setPromiscuous(on: boolean): Promise<this> {
    return this.change({ promisc: on });
  }

  /** Settings of this link as a bridge port: `{ hairpin: true }` is `ip link set DEV type bridge_slave hairpin on`. */
  async setBridgePort(settings: BridgePortSettings): Promise<this> {
    await this.namespace.rtnl.setBridgePort(this, settings);
    return this;
  }

  /** Adds a VLAN to this bridge port (`bridge vlan add dev DEV vid 10 pvid untagged`); its bridge needs vlanFiltering. */
  async addVlan(vlan: BridgeVlan): Promise<this> {
    await this.namespace.rtnl.bridgeVlan('add', this, vlan);
    return this;
  }

  /** Removes a VLAN from this bridge port (`bridge vlan del dev DEV vid 10`). */
  async deleteVlan(vid: number): Promise<this> {
    await this.namespace.rtnl.bridgeVlan('delete', this, { vid });
    return this;
  }

  /** The VLANs of this bridge port (`bridge vlan show dev DEV`). */
  async vlans(): Promise<BridgeVlan[]> {
    return (await this.namespace.rtnl.bridgeVlans()).get(this.index) ?? [];
  }

  /** Attaches this link to a bridge in the same namespace, or detaches it with null. */
  setMaster(bridge: Link | null): Promise<this> {
    if (bridge !== null && !(bridge instanceof Link)) throw new InvalidArgumentError('bridge', bridge, 'is not a Link or null');
    if (bridge && bridge.namespace.inode !== this.namespace.inode) {
      throw new InvalidArgumentError('bridge', bridge.name, `is in another namespace than ${this.name}`);
    }
    return this.change({ master: bridge ? bridge.index : 0 });
  }

  /**
   * Moves the link into `target` (optionally renaming it on the way) and returns it as seen
   * there; this object then no longer refers to a link.
   */
  async moveTo(target: Namespace, newName?: string): Promise<Link> {
    checkNamespaceHandle(target, 'namespace');
    const name = newName ?? this.name;
    await this.namespace.rtnl.setLink(this, { netnsFd: target.fd, ...(newName !== undefined ? { name: newName } : {}) });
    return target.link(name);
  }

  addresses(): Promise<Address[]> {
    return this.namespace.rtnl.addresses({ dev: this });
  }

  async addAddress(cidr: string, options?: AddAddressOptions): Promise<this> {
    await this.namespace.rtnl.addAddress(this, cidr, options);
    return this;
  }

  async deleteAddress(cidr: string): Promise<this> {
    await this.namespace.rtnl.deleteAddress(this, cidr);
    return this;
  }

  /** Deletes the link (for a veth, both ends go). */
  async delete(): Promise<void> {
    await this.namespace.rtnl.deleteLink(this);
  }

  toString(): string {
    return `${this.name} (index ${this.index}${this.namespace.name ? ` in netns ${this.namespace.name}` : ''})`;
  }
}
