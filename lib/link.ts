import { IFF_PROMISC, IFF_UP } from '../messages/link/index.js';
import type { LinkBody } from '../messages/link/index.js';
import type { AddAddressOptions, Address } from './rtnl/addresses.js';
import type { BridgePortSettings, BridgeVlan } from './rtnl/bridge-port.js';
import { applyWritten, changeAddress } from './rtnl/apply.js';
import { PLAIN_ADDRESS_WRITER, type PlainAddress } from './rtnl/address-request.js';
import { plainIPv4Address, plainIPv4Prefix } from './rtnl/plain-ipv4-prefix.js';
import { LINK_DOWN_WRITER, LINK_UP_WRITER, PROMISC_OFF_WRITER, PROMISC_ON_WRITER, type LinkFlagWriter } from './rtnl/changes.js';
import { plainLinkState } from './rtnl/link-reply.js';
import { writeLinkFlags } from './rtnl/link-request.js';
import { copyLinkState, type LinkChanges, type LinkState } from './rtnl/links.js';
import type { Connection } from './connection.js';
import type { Namespace } from './namespace.js';
import type { DeviceRef } from './rtnl/routes.js';
import { deviceIn, deviceIndex } from './rtnl/device-ref.js';
import { checkNamespaceHandle } from './validate.js';
import { APPLIED, NO_OPTIONS } from './request-path.js';
import { rethrowAtCaller } from './errors.js';
import { SILENT_LOGGER } from './log.js';

/**
 * A network interface in a namespace, reading like `ip link`: `await link.up()`.
 * It is addressed by index, so a rename elsewhere does not confuse it. Its fields are the state
 * when it was last read; the change methods update them, `refresh()` reads them all again.
 */
export class Link {
  #state: LinkState;
  /** Set once `state` has handed #state out: a change then copies it first, so what was given out stays as it was. */
  #given: boolean;

  /**
   * The namespace the link is in (where it was read). Declared and set by the constructor, not a
   * parameter property: a class field is defined as undefined by the field initializer first.
   */
  declare readonly namespace: Namespace;

  /** Made by the library from a link it read (ns.link(), ns.links(), creation): not called directly. */
  constructor(namespace: Namespace, state: LinkState) {
    this.namespace = namespace;
    this.#state = state;
    this.#given = false;
  }

  /** The interface index (ifindex), unique within its namespace. */
  get index(): number {
    return this.#state.index;
  }
  /** The interface name (IFLA_IFNAME), e.g. 'veth0'. */
  get name(): string {
    return this.#state.name;
  }
  /** The MTU in bytes (IFLA_MTU). */
  get mtu(): number | undefined {
    return this.#state.mtu;
  }
  /** The hardware address as 'aa:bb:cc:dd:ee:ff' (IFLA_ADDRESS); none for some kinds (e.g. lo has all zeros, ip tunnels none). */
  get mac(): string | undefined {
    return this.#state.mac;
  }
  /** Administratively up (IFF_UP). */
  get isUp(): boolean {
    return this.#state.up;
  }
  /** RFC 2863 operational state as `ip link` prints it: 'UP', 'DOWN', 'LOWERLAYERDOWN', 'UNKNOWN' ... */
  get operstate(): string {
    return this.#state.operstate;
  }
  /** The link kind (IFLA_INFO_KIND): 'veth', 'bridge', 'vxlan' ...; undefined for a plain device such as lo. */
  get kind(): string | undefined {
    return this.#state.kind;
  }
  /** Index of the bridge this link is a port of. */
  get master(): number | undefined {
    return this.#state.master;
  }
  /** The device flags (ifi_flags: IFF_UP, IFF_LOWER_UP ...), as the kernel reports them. */
  get flags(): number {
    return this.#state.flags;
  }
  /** In promiscuous mode (IFF_PROMISC). */
  get isPromiscuous(): boolean {
    return (this.#state.flags & IFF_PROMISC) !== 0;
  }
  /**
   * Transmit queues the device was made with (IFLA_NUM_TX_QUEUES, `ip -d link`'s numtxqueues;
   * `numTxQueues` at creation): read from `raw`, so the first read decodes the message.
   */
  get numTxQueues(): number | undefined {
    return this.#state.raw.attrs.numTxQueues;
  }
  /** Receive queues the device was made with (IFLA_NUM_RX_QUEUES, numrxqueues), read as numTxQueues. */
  get numRxQueues(): number | undefined {
    return this.#state.raw.attrs.numRxQueues;
  }
  /** The decoded RTM_NEWLINK this state came from (decoded when first read, for links read by GET). */
  get raw(): LinkBody {
    return this.#state.raw;
  }
  /** Everything read about the link at once, as the fields above give it. */
  get state(): Readonly<LinkState> {
    this.#given = true;
    return (this.#state = plainLinkState(this.#state));
  }

  /** Reads the link again (by index) and updates this object's fields; resolves to it. */
  async refresh(): Promise<this> {
    this.#state = await this.namespace.rtnl.link(this.index);
    this.#given = false;
    return this;
  }

  private async change(changes: LinkChanges): Promise<this> {
    await this.namespace.rtnl.setLink(this, changes);
    this.#changed(changes);
    return this;
  }

  /**
   * A flag change (Link.#UP ...): written straight into the namespace's send buffer, no plan between,
   * the Link its subject (its index as the state holds it; an index deviceIndex would refuse goes
   * to it, which throws its error). Not an async function: a change applied within the call
   * (APPLIED) updates the state at once, without an await's promise, reaction and resumption; one
   * that waits is settled with this Link by the connection (`rethrows` false: see #ownWriter), its
   * failure rethrown with the caller's stack. setLinkFlag's work is written out here, with no
   * object made for the change: while a fresh process's requests run in baseline code, each call,
   * object field and inline-cache call counts (and so does this function's length: V8 tiers it up
   * by its bytecode's length against what each call runs).
   */
  #flag(writer: LinkFlagWriter): Promise<this> {
    let outcome: Promise<void>;
    try {
      const namespace = this.namespace;
      // The connection the namespace holds open when it logs nothing: no `rtnl` getter called.
      const unlogged = namespace.unloggedConnection;
      const connection = unlogged ?? namespace.rtnl.connection;
      const index = this.#state.index;
      if (!((index | 0) === index && index >= 1)) deviceIndex(this, 'dev');
      if (unlogged === undefined && connection.logger !== SILENT_LOGGER) return this.#loggedFlag(connection, writer);
      outcome = connection.change(writer, this, NO_OPTIONS, false);
    } catch (error) {
      return Promise.reject(error);
    }
    if (outcome !== APPLIED) return outcome as Promise<unknown> as Promise<this>;
    // setFlagBit written out.
    const s = this.#given ? this.#writableState() : this.#state;
    const bit = writer.bit;
    const on = writer.on;
    s.flags = on ? s.flags | bit : s.flags & ~bit;
    if (bit === IFF_UP) s.up = on;
    return Promise.resolve(this);
  }

  /** #flag on a connection that logs: the change logged at debug (applyWritten), the Link updated by a reaction. */
  #loggedFlag(connection: Connection, writer: LinkFlagWriter): Promise<this> {
    return applyWritten(connection, writer, this, 'link.set', this).then(() => {
      setFlagBit(this.#given ? this.#writableState() : this.#state, writer.bit, writer.on);
      return this;
    }, rethrowAtCaller);
  }

  /** Updates the fields after a change the kernel applied. */
  #changed(changes: LinkChanges): void {
    const s = this.#writableState();
    setFlagFields(s, changes);
    if (changes.mtu !== undefined) s.mtu = changes.mtu;
    if (changes.name !== undefined) s.name = changes.name;
    if (changes.mac !== undefined) s.mac = changes.mac.toLowerCase();
    if (changes.master === 0 || changes.master === null) delete s.master;
    else if (typeof changes.master === 'number') s.master = changes.master;
  }

  /** The state to update: a copy of it first when the caller gave it (#given), so theirs stays as it was. */
  #writableState(): LinkState {
    if (this.#given) {
      this.#state = copyLinkState(this.#state);
      this.#given = false;
    }
    // A state read when first needed (PendingLinkState) is read now: its fields are to be set.
    return (this.#state = plainLinkState(this.#state));
  }

  static readonly #UP = Link.#ownWriter(LINK_UP_WRITER);
  static readonly #DOWN = Link.#ownWriter(LINK_DOWN_WRITER);
  static readonly #PROMISC_ON = Link.#ownWriter(PROMISC_ON_WRITER);
  static readonly #PROMISC_OFF = Link.#ownWriter(PROMISC_OFF_WRITER);

  /**
   * changes.ts's flag writer as a Link sends it: the Link its subject, its index read straight from
   * its state; a change that waits for its answer is resolved with the Link by the connection once
   * applied, its state updated then (RequestWriter.applied), so the table's promise is the caller's
   * with no reaction of the Link's own. Static fields, not a static block: with the block, V8
   * compiled Link's methods lazily inside the first concurrent changes (w3-2026-12-06-u.md).
   */
  static #ownWriter(writer: LinkFlagWriter): LinkFlagWriter {
    const bit = writer.bit;
    const on = writer.on;
    const flags = on ? bit : 0;
    return {
      ...writer,
      write: (w, link) => writeLinkFlags(w, (link as Link).#state.index, flags, bit),
      applied: (link: Link) => {
        setFlagBit(link.#given ? link.#writableState() : link.#state, bit, on);
        return link;
      },
    };
  }

  /** `ip link set DEV up`. */
  up(): Promise<this> {
    return this.#flag(Link.#UP);
  }
  /** `ip link set DEV down`. */
  down(): Promise<this> {
    return this.#flag(Link.#DOWN);
  }
  /** `ip link set DEV mtu N`: a whole number from 68 to 65535 (the device may allow less). */
  setMtu(mtu: number): Promise<this> {
    return this.change({ mtu });
  }
  /** `ip link set DEV name NAME` (1 to 15 bytes). Most kinds can only be renamed while down. */
  rename(name: string): Promise<this> {
    return this.change({ name });
  }
  /** `ip link set DEV address aa:bb:cc:dd:ee:ff`. */
  setMac(mac: string): Promise<this> {
    return this.change({ mac });
  }
  /** Promiscuous mode on or off (`ip link set DEV promisc on|off`). */
  setPromiscuous(on: boolean): Promise<this> {
    // Anything but a boolean goes the general way, which refuses it.
    return typeof on === 'boolean' ? this.#flag(on ? Link.#PROMISC_ON : Link.#PROMISC_OFF) : this.change({ promisc: on });
  }

  /** Settings of this link as a bridge port: `{ hairpin: true }` is `ip link set DEV type bridge_slave hairpin on`. */
  async setBridgePort(settings: BridgePortSettings): Promise<this> {
    await this.namespace.rtnl.setBridgePort(this, settings);
    return this;
  }

  /** Adds a VLAN to this bridge port (`bridge vlan add dev DEV vid 10 pvid untagged`); its bridge needs vlanFiltering. */
  async addVlan(vlan: BridgeVlan): Promise<this> {
    await this.namespace.rtnl.addBridgeVlan(this, vlan);
    return this;
  }

  /** Removes a VLAN from this bridge port (`bridge vlan del dev DEV vid 10`). */
  async deleteVlan(vid: number): Promise<this> {
    await this.namespace.rtnl.deleteBridgeVlan(this, { vid });
    return this;
  }

  /** The VLANs of this bridge port (`bridge vlan show dev DEV`). */
  async vlans(): Promise<BridgeVlan[]> {
    return (await this.namespace.rtnl.bridgeVlans()).get(this.index) ?? [];
  }

  /**
   * Attaches this link to a bridge in the same namespace (`ip link set DEV master BR`), given as a
   * Link, a name or an index (what `master` reads back), or detaches it with null (`nomaster`).
   */
  async setMaster(bridge: DeviceRef | null): Promise<this> {
    return this.change({ master: bridge === null ? 0 : await deviceIn(this.namespace, bridge, 'bridge') });
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

  /** The link's addresses, IPv4 and IPv6 (`ip addr show dev DEV`). */
  addresses(): Promise<Address[]> {
    return this.namespace.rtnl.addresses({ dev: this });
  }

  /**
   * `ip addr add CIDR dev DEV`: the prefix length is required ('10.0.0.2/24', '/32' for one host).
   * As #flag: not an async function, and a change that waits is settled with this Link by the
   * connection (the address writers' applied() gives their subject's device, this Link), its failure
   * rethrown with the caller's stack; a logging connection goes to #loggedAddress.
   */
  addAddress(cidr: string, options?: AddAddressOptions): Promise<this> {
    let outcome: Promise<void>;
    try {
      const namespace = this.namespace;
      const unlogged = namespace.unloggedConnection;
      // changeAddress's plain case written here for the usual call (a quiet namespace, a plain
      // IPv4 prefix, no options): a call layer less an address. Its checks in the same order.
      const prefixlen = unlogged !== undefined && options === undefined && typeof cidr === 'string' ? plainIPv4Prefix(cidr, false) : -1;
      if (prefixlen >= 0) {
        const local = plainIPv4Address;
        const index = this.#state.index;
        const subject: PlainAddress = { kind: 'add', cidr, dev: this, index: (index | 0) === index && index >= 1 ? index : deviceIndex(this, 'dev'), prefixlen, local };
        outcome = unlogged!.change(PLAIN_ADDRESS_WRITER, subject, NO_OPTIONS, false);
      } else {
        const connection = unlogged ?? namespace.rtnl.connection;
        if (connection.logger !== SILENT_LOGGER) return this.#loggedAddress(connection, 'add', cidr, options);
        outcome = changeAddress(connection, 'add', this, this.#state.index, cidr, options, true);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return outcome !== APPLIED ? (outcome as Promise<unknown> as Promise<this>) : Promise.resolve(this);
  }

  /** `ip addr del CIDR dev DEV`. As addAddress. */
  deleteAddress(cidr: string): Promise<this> {
    let outcome: Promise<void>;
    try {
      const namespace = this.namespace;
      const connection = namespace.unloggedConnection ?? namespace.rtnl.connection;
      if (connection.logger !== SILENT_LOGGER) return this.#loggedAddress(connection, 'delete', cidr, undefined);
      outcome = changeAddress(connection, 'delete', this, this.#state.index, cidr, undefined, true);
    } catch (error) {
      return Promise.reject(error);
    }
    return outcome !== APPLIED ? (outcome as Promise<unknown> as Promise<this>) : Promise.resolve(this);
  }

  /** An address change on a connection that logs: changeAddress logs it at debug (applyWritten), the Link given by a reaction. Throws what the checks refuse. */
  #loggedAddress(connection: Connection, kind: 'add' | 'delete', cidr: string, options: AddAddressOptions | undefined): Promise<this> {
    return changeAddress(connection, kind, this, this.#state.index, cidr, options, true).then(() => this, rethrowAtCaller);
  }

  /** Deletes the link (for a veth, both ends go). */
  async delete(): Promise<void> {
    await this.namespace.rtnl.deleteLink(this);
  }

  /** 'veth0 (index 3 in netns c1)', as errors and logs name it. */
  toString(): string {
    return `${this.name} (index ${this.index}${this.namespace.name ? ` in netns ${this.namespace.name}` : ''})`;
  }
}

/** `up` and `promisc` of a change the kernel applied, set in a link's state (its up field and flags). */
function setFlagFields(s: LinkState, changes: LinkChanges): void {
  const up = changes.up;
  if (up !== undefined) setFlagBit(s, IFF_UP, up);
  const promisc = changes.promisc;
  if (promisc !== undefined) setFlagBit(s, IFF_PROMISC, promisc);
}

/** Flag `bit` (IFF_UP or IFF_PROMISC) set or cleared in a link's state, and its up field for IFF_UP. */
function setFlagBit(s: LinkState, bit: number, on: boolean): void {
  s.flags = on ? s.flags | bit : s.flags & ~bit;
  if (bit === IFF_UP) s.up = on;
}
