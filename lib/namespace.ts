import type { ChildProcess, SpawnOptions } from 'node:child_process';
import type { Server, Socket } from 'node:net';
import { join } from 'node:path';
import { NamespaceExistsError } from './errors.js';
import { Link } from './link.js';
import type { Nat } from './nat/nat.js';
import { connectedPrefix } from './nat/published.js';
import { Rules, type Rule, type RuleSpec } from './rules.js';
import { Nexthops, type NexthopObject, type NexthopObjectSpec } from './nexthops.js';
import { TrafficControl } from './tc/tc.js';
import { linkFromState } from './link-factory.js';
import { watchPeers } from './netns-teardown.js';
import type { Monitor, MonitorOptions } from './monitor/index.js';
import { NamespaceHandles, namespaceFile, openNetnsFile, type SocketOptions } from './namespace-handles.js';
import type { CreateNamespaceOptions, DeleteNamespaceOptions, NamespaceOptions, NamespaceRef, NetSysctl } from './namespace-options.js';
import { addressArguments, type AddAddressOptions, type Address, type AddressSpec } from './rtnl/addresses.js';
import type { Change } from './rtnl/changes.js';
import type { Rtnl, AddressFilter, LinkFilter, NeighborFilter, NsidEntry, RouteFilter } from './rtnl/client.js';
import type { FdbEntry, FdbSpec, Neighbor, NeighborSpec } from './rtnl/neighbors.js';
import type { DeviceRef, Route, RouteSpec } from './rtnl/routes.js';
import {
  createNamedNetns,
  DEFAULT_NETNS_DIR,
  deleteNamedNetns,
  listNamedNetns,
  openNetnsFd,
  connectInNetns,
  spawnInNetns,
  sysctlInNetns,
  listenInNetns,
  type NetnsConnectOptions,
  type NetnsListenOptions,
} from './sys/index.js';
import { checkInteger, checkNamespaceHandle, checkNamespaceName, checkOptions, InvalidArgumentError, sysctlComponents, sysctlValue, type Family } from './validate.js';

export type { CreateNamespaceOptions, DeleteNamespaceOptions, NamespaceOptions, NamespaceRef, NetSysctl } from './namespace-options.js';

/**
 * A network namespace: the container's view of the network. Named namespaces are kept the
 * iproute2 way, so `ip netns list` and `ip netns exec NAME` see them. Each Namespace lazily opens
 * one netlink socket inside itself; `close()` releases it and the namespace fd.
 */
export class Namespace implements AsyncDisposable {
  readonly #handles: NamespaceHandles;
  #deleteOnDispose = false;

  private constructor(
    /** The name under the netns directory, for named namespaces. */
    readonly name: string | undefined,
    /** The file that identifies it (/run/netns/NAME, /proc/PID/ns/net ...). */
    readonly path: string,
    fd: number,
    private readonly options: NamespaceOptions,
    releaseWhenIdle = false,
  ) {
    this.#handles = new NamespaceHandles(fd, {
      path,
      shown: String(this),
      releaseWhenIdle,
      socketOptions: () => this.socketOptions(),
      localPrefixOf: async (address) => connectedPrefix(await this.addresses(), address),
    });
  }

  /** The namespace's inode: its identity on this host. */
  get inode(): number {
    return this.#handles.inode;
  }

  /** Creates a named namespace (`ip netns add NAME`). */
  static async create(name: string, options: CreateNamespaceOptions = {}): Promise<Namespace> {
    checkNamespaceName(name);
    const dir = options.dir ?? DEFAULT_NETNS_DIR;
    let path: string;
    try {
      path = createNamedNetns(name, { dir });
    } catch (error) {
      const exists = (error as { code?: string }).code === 'EEXIST';
      if (exists && options.existOk) return Namespace.open(name, options);
      if (exists) throw new NamespaceExistsError(name, join(dir, name), { cause: error });
      throw error;
    }
    const ns = new Namespace(name, path, await openNetnsFile(path, name, false), options);
    ns.#deleteOnDispose = options.deleteOnDispose === true;
    return ns;
  }

  /**
   * Opens an existing namespace: by name, by file, or by the pid of a process inside it. The file
   * must be a network namespace (checked without blocking: a FIFO, a device, a directory, a
   * regular file or another kind of namespace is refused with InvalidArgumentError). Opened by
   * name, a namespace that another process is creating (its file still an empty placeholder) is
   * waited for, up to 2 s.
   */
  static async open(ref: NamespaceRef, options: NamespaceOptions = {}): Promise<Namespace> {
    const { name, path, shown } = namespaceFile(ref, options.dir ?? DEFAULT_NETNS_DIR);
    return new Namespace(name, path, await openNetnsFile(path, shown, name !== undefined), options);
  }

  /**
   * The namespace the calling thread is in now. With `releaseWhenIdle`, its socket and fd are
   * closed whenever no request is pending (after a turn of the event loop) and opened again on
   * the next use, so an object nobody closes holds nothing: this is what VethPair.create uses when
   * no `namespace` is given.
   */
  static current(options: NamespaceOptions & { releaseWhenIdle?: boolean } = {}): Namespace {
    const { releaseWhenIdle = false, ...rest } = options;
    const path = '/proc/thread-self/ns/net';
    return new Namespace(undefined, path, openNetnsFd(path), rest, releaseWhenIdle);
  }

  /** Names of the named namespaces (`ip netns list`). */
  static list(options: Pick<NamespaceOptions, 'dir'> = {}): string[] {
    return listNamedNetns(options.dir ?? DEFAULT_NETNS_DIR);
  }

  /** An fd referring to the namespace (for setns, IFLA_NET_NS_FD, NETNSA_FD). */
  get fd(): number {
    return this.#handles.fd;
  }

  /** True once close() or delete() ran: every call then rejects. */
  get closed(): boolean {
    return this.#handles.closed;
  }

  /** The rtnetlink client bound to this namespace (its socket is opened on first use). */
  get rtnl(): Rtnl {
    return this.#handles.rtnl;
  }

  /**
   * NAT through nftables in this namespace: masquerade, and published ports (its NETLINK_NETFILTER
   * socket is opened on first use). publish() finds the hairpin subnet among this namespace's addresses.
   */
  get nat(): Nat {
    return this.#handles.nat;
  }

  /** What every socket of this namespace is given: errors name the namespace; logs carry it. */
  private socketOptions(logFields: Record<string, unknown> = {}): SocketOptions {
    return {
      context: `in ${this}`,
      ...(this.options.logger ? { logger: this.options.logger.child({ netns: this.name ?? this.path, ...logFields }) } : {}),
      ...(this.options.timeoutMs !== undefined ? { timeoutMs: this.options.timeoutMs } : {}),
    };
  }

  toString(): string {
    return this.name !== undefined ? `netns ${this.name}` : `netns ${this.path}`;
  }

  // ---- links

  /** Every link (`ip link show`), or those `filter` selects, as Link objects (one dump). */
  async links(filter?: LinkFilter): Promise<Link[]> {
    return (await this.rtnl.links(filter)).map((s) => linkFromState(this, s));
  }

  /** The link named (or numbered) `ref`; rejects with NetlinkError ENODEV when there is none. */
  async link(ref: DeviceRef): Promise<Link> {
    return linkFromState(this, await this.rtnl.link(ref));
  }

  /**
   * Deletes every link of device group `group` (put there with the `deviceGroup` option at
   * creation, or `ip link set DEV group N`) with ONE RTM_DELLINK carrying IFLA_GROUP: the kernel
   * removes them together, paying its per-deletion synchronisation once instead of once per link.
   * Deleting a veth end deletes its peer too. Rejects with ENODEV when the group is empty and with
   * EOPNOTSUPP (deleting nothing) when a member cannot be deleted; group 0, the default group, is refused.
   */
  async deleteLinkGroup(group: number): Promise<void> {
    await this.rtnl.deleteLinkGroup(group);
  }

  /** Like link(), but undefined instead of ENODEV. */
  async findLink(ref: DeviceRef): Promise<Link | undefined> {
    try {
      return await this.link(ref);
    } catch (error) {
      if ((error as { code?: string }).code === 'ENODEV') return undefined;
      throw error;
    }
  }

  // ---- addresses

  /** Every address (`ip addr show`), or those of one family or device. */
  addresses(filter?: AddressFilter): Promise<Address[]> {
    return this.rtnl.addresses(filter);
  }

  /** `ip addr add 10.0.0.2/24 dev veth0`: (dev, cidr, options), or one { dev, cidr, ... } such as an Address read back. */
  async addAddress(spec: AddressSpec): Promise<void>;
  async addAddress(dev: DeviceRef, cidr: string, options?: AddAddressOptions): Promise<void>;
  async addAddress(...args: [AddressSpec] | [DeviceRef, string, AddAddressOptions?]): Promise<void> {
    const { dev, cidr, options } = addressArguments(args);
    await this.rtnl.addAddress(dev, cidr, options);
  }

  /** `ip addr del 10.0.0.2/24 dev veth0`: (dev, cidr), or one { dev, cidr } such as an Address read back. */
  async deleteAddress(spec: AddressSpec): Promise<void>;
  async deleteAddress(dev: DeviceRef, cidr: string, options?: Pick<AddAddressOptions, 'peer'>): Promise<void>;
  async deleteAddress(...args: [AddressSpec] | [DeviceRef, string, Pick<AddAddressOptions, 'peer'>?]): Promise<void> {
    const { dev, cidr, options } = addressArguments(args);
    await this.rtnl.deleteAddress(dev, cidr, options);
  }

  // ---- routes

  /** Routes (`ip route show table all` filtered by `filter`; the kernel filters, strict checking being on). */
  routes(filter?: RouteFilter): Promise<Route[]> {
    return this.rtnl.routes(filter);
  }
  /** `ip route add`: EEXIST when the route exists. A Route from routes() can be given back. */
  addRoute(spec: RouteSpec): Promise<void> {
    return this.rtnl.addRoute(spec);
  }
  /** `ip route replace`: adds the route or changes the one with the same destination, table and metric. */
  replaceRoute(spec: RouteSpec): Promise<void> {
    return this.rtnl.replaceRoute(spec);
  }
  /** `ip route append`: adds the route beside an existing one to the same destination. */
  appendRoute(spec: RouteSpec): Promise<void> {
    return this.rtnl.appendRoute(spec);
  }
  /** `ip route del`: removes the first route matching the fields given (ESRCH when none does). */
  deleteRoute(spec: RouteSpec): Promise<void> {
    return this.rtnl.deleteRoute(spec);
  }
  /** Many routes, one request each, sent in as few datagrams as possible; one result per route. */
  addRoutes(specs: readonly RouteSpec[]): Promise<Array<Error | undefined>> {
    return this.rtnl.addRoutes(specs);
  }
  /** Many routes deleted, as addRoutes adds them; one result per route. */
  deleteRoutes(specs: readonly RouteSpec[]): Promise<Array<Error | undefined>> {
    return this.rtnl.deleteRoutes(specs);
  }
  /** Like `ip -batch -force`: many link, address, route, neighbour and FDB changes in one call;
   *  one result per change, in order (undefined where applied, else its error). */
  batch(changes: readonly Change[]): Promise<Array<Error | undefined>> {
    return this.rtnl.batch(changes);
  }

  // ---- nexthop objects (`ip nexthop`); a route uses one with { nhid }

  /** Nexthop objects (`ip nexthop show`). */
  nexthops(): Promise<NexthopObject[]> {
    return this.nexthopRequests().list();
  }
  /** `ip nexthop add`: { id: 10, via: '10.0.0.254', dev: 'veth0' }, { id: 20, group: [{ id: 10 }, { id: 11, weight: 2 }] } or { id: 30, blackhole: true }. */
  addNexthop(spec: NexthopObjectSpec): Promise<void> {
    return this.nexthopRequests().add(spec);
  }
  /** `ip nexthop del id N`: routes through it are deleted by the kernel too. */
  deleteNexthop(spec: number | Pick<NexthopObjectSpec, 'id'>): Promise<void> {
    return this.nexthopRequests().delete(spec);
  }
  private nexthopRequests(): Nexthops {
    return new Nexthops(this.rtnl.connection, (dev, field) => this.rtnl.index(dev, field));
  }

  // ---- policy routing rules

  /** The rules of one family or both (`ip rule show`). */
  rules(filter?: { family?: Family }): Promise<Rule[]> {
    return new Rules(this.rtnl.connection).list(filter);
  }
  /** `ip rule add`: e.g. { from: '10.0.1.0/24', table: 100, priority: 1000 }. */
  addRule(spec: RuleSpec): Promise<void> {
    return new Rules(this.rtnl.connection).add(spec);
  }
  /** `ip rule del`: deletes the first rule matching every field given (a Rule from rules() matches itself). */
  deleteRule(spec: RuleSpec): Promise<void> {
    return new Rules(this.rtnl.connection).delete(spec);
  }

  // ---- traffic control

  /** Qdiscs, filters and bandwidth limits on this namespace's devices (`tc`). */
  get tc(): TrafficControl {
    return new TrafficControl(this);
  }

  // ---- neighbours

  /** Neighbour (ARP and NDP) entries (`ip neigh show`), or those `filter` selects. */
  neighbors(filter?: NeighborFilter): Promise<Neighbor[]> {
    return this.rtnl.neighbors(filter);
  }
  /** `ip neigh add 10.0.0.9 lladdr 02:00:00:00:00:09 dev veth0`: { dst, lladdr, dev }; a neighbour read back is one. */
  addNeighbor(spec: NeighborSpec): Promise<void> {
    return this.rtnl.addNeighbor(spec);
  }
  /** `ip neigh replace`: adds the entry or changes the existing one. */
  replaceNeighbor(spec: NeighborSpec): Promise<void> {
    return this.rtnl.replaceNeighbor(spec);
  }
  /** `ip neigh del DST dev DEV`. */
  deleteNeighbor(spec: NeighborSpec): Promise<void> {
    return this.rtnl.deleteNeighbor(spec);
  }
  /** Bridge FDB entries (`bridge fdb show`). */
  async fdb(filter: Omit<NeighborFilter, 'family'> = {}): Promise<FdbEntry[]> {
    return (await this.rtnl.neighbors({ ...checkOptions(filter, 'filter'), family: 'bridge' })).filter((n) => n.family === 'bridge');
  }
  /** `bridge fdb add MAC dev DEV [master|self]`: { lladdr, dev }; an entry read back is one. */
  addFdb(spec: FdbSpec): Promise<void> {
    return this.rtnl.addFdb(spec);
  }
  /** `bridge fdb append`: several remotes for one MAC (e.g. 00:00:00:00:00:00 on a vxlan). */
  appendFdb(spec: FdbSpec): Promise<void> {
    return this.rtnl.appendFdb(spec);
  }
  /** `bridge fdb replace`: adds the entry or changes the existing one. */
  replaceFdb(spec: FdbSpec): Promise<void> {
    return this.rtnl.replaceFdb(spec);
  }
  /** `bridge fdb del MAC dev DEV [dst IP]`. */
  deleteFdb(spec: FdbSpec): Promise<void> {
    return this.rtnl.deleteFdb(spec);
  }

  // ---- netns ids

  /** Gives `other` the id `nsid` as seen from this namespace (`ip netns set`); -1 lets the kernel choose. */
  async setNsid(other: Namespace, nsid: number): Promise<void> {
    checkNamespaceHandle(other, 'other');
    checkInteger(nsid, 'nsid', -1, 0x7fffffff);
    return this.rtnl.setNsid(other.fd, nsid, String(other));
  }
  /** The id this namespace has for `other`, or undefined. */
  async nsid(other: Namespace): Promise<number | undefined> {
    checkNamespaceHandle(other, 'other');
    return this.rtnl.nsidOf(other.fd, String(other));
  }
  /** Every netns id this namespace has given (`ip netns list-id`). */
  nsids(): Promise<NsidEntry[]> {
    return this.rtnl.nsids();
  }

  // ---- events

  /**
   * Joins rtnetlink multicast groups on a socket of its own, opened in this namespace, and yields
   * the changes as typed events: `for await (const ev of ns.monitor({ groups: ['link', 'ipv4-route'] }))`.
   * With `replay: true` it yields the current state first, then { kind: 'synced' }, then the changes.
   * The socket is joined before this returns, so changes made after it are seen even if iteration
   * starts later. `break`, `signal` or close() release the socket; closing the namespace does not.
   */
  monitor(options: MonitorOptions): Monitor {
    return this.#handles.monitor(options, this.socketOptions({ monitor: true }));
  }

  // ---- processes and sysctls

  /** Runs a program inside the namespace (like `ip netns exec`, without a shell). */
  spawn(command: string, args: readonly string[] = [], options: Omit<SpawnOptions, 'shell'> = {}): ChildProcess {
    if (typeof command !== 'string' || command.length === 0) throw new InvalidArgumentError('command', command, 'is not a program name');
    return spawnInNetns(this.fd, command, args, options);
  }

  /**
   * Reads a net.* sysctl as this namespace sees it, or writes it when `value` is given
   * (`ns.sysctl('net.ipv4.ip_forward', '1')`), and returns the value read back (or the value
   * written, for a write-only key). Keys are read as sysctl(8) reads them, '/' standing for a dot
   * inside a component: 'net.ipv4.conf.eth0/100.forwarding'; or give the components as an array:
   * ['net', 'ipv4', 'conf', 'eth0.100', 'forwarding']. A key that does not exist here (an
   * interface that is not there, IPv6 disabled) throws with code 'ENOENT'.
   */
  sysctl(key: NetSysctl | readonly string[], value?: string | number): string {
    const components = sysctlComponents(key);
    return sysctlInNetns(this.fd, components, value === undefined ? undefined : sysctlValue(value));
  }

  // ---- TCP from inside the namespace (no process per connection)

  /**
   * Opens a TCP connection from inside this namespace (the socket is made there and stays there).
   * `host` must be an IP address. Rejects with ECONNREFUSED, ENETUNREACH, EHOSTUNREACH ... or
   * ETIMEDOUT after `timeoutMs` (default 5000).
   */
  async connect(options: Omit<NetnsConnectOptions, 'context'>): Promise<Socket> {
    return connectInNetns(this.fd, { ...options, context: `from ${this}` });
  }

  /**
   * A net.Server listening inside this namespace on `host` (default 0.0.0.0) and `port`
   * (default 0: read it from server.address()). Accepted connections are in this namespace.
   */
  async listen(options: Omit<NetnsListenOptions, 'context'> = {}, onConnection?: (socket: Socket) => void): Promise<Server> {
    return listenInNetns(this.fd, { ...options, context: `in ${this}` }, onConnection);
  }

  // ---- lifetime

  /** Closes the socket and the namespace fd. A named namespace lives on; delete() removes it. */
  close(): void {
    this.#handles.close();
  }

  /**
   * Removes a named namespace (`ip netns del`) and closes this object. The kernel then destroys
   * it in the background, with its devices; `waitForDevices` waits for that (see its comment).
   */
  async delete(options: DeleteNamespaceOptions = {}): Promise<void> {
    if (this.name === undefined) throw new Error(`${this} has no name to delete; close() it instead`);
    const timeoutMs = options.timeoutMs === undefined ? 30_000 : checkInteger(options.timeoutMs, 'timeoutMs', 1, 0x7fffffff);
    const dir = this.options.dir ?? DEFAULT_NETNS_DIR;
    const peers = options.waitForDevices ? await watchPeers(this, this.peerCandidates(dir)) : undefined;
    try {
      this.close();
      deleteNamedNetns(this.name, { dir });
    } catch (error) {
      peers?.close();
      throw error;
    }
    await peers?.gone(timeoutMs);
  }

  /** Where peers of this namespace's devices may live: the current namespace, then the named ones. */
  private *peerCandidates(dir: string): Generator<() => Promise<Namespace>> {
    yield async () => Namespace.current();
    for (const name of Namespace.list({ dir })) if (name !== this.name) yield () => Namespace.open(name, { dir });
  }

  /** Closes this handle; with `deleteOnDispose`, deletes the namespace and waits for its devices. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#deleteOnDispose && !this.closed) await this.delete({ waitForDevices: true });
    else this.close();
  }
}
