import type { ChildProcess, SpawnOptions } from 'node:child_process';
import type { Server, Socket } from 'node:net';
import { join } from 'node:path';
import { NamespaceExistsError } from './errors.js';
import { Link } from './link.js';
import { msSince, SILENT_LOGGER, type Logger } from './log.js';
import type { Nat } from './nat/nat.js';
import { connectedPrefix } from './nat/published.js';
import { TrafficControl } from './tc/tc.js';
import { linkFromState } from './link-factory.js';
import { watchPeers } from './netns-teardown.js';
import type { Monitor, MonitorOptions } from './monitor/index.js';
import { createHandlesDirect, NamespaceHandles, namespaceFile, openHandlesHere, openNetnsFile, type OpenedHandles, type SocketOptions } from './namespace-handles.js';
import type { CreateNamespaceOptions, DeleteNamespaceOptions, NamespaceOptions, NamespaceRef, NetSysctl } from './namespace-options.js';
import { NamespaceTables } from './namespace-tables.js';
import type { Rtnl, LinkFilter, NsidEntry } from './rtnl/client.js';
import type { DeviceRef } from './rtnl/routes.js';
import {
  createNamedNetnsWith,
  DEFAULT_NETNS_DIR,
  deleteNetnsFileSoon,
  listNamedNetns,
  openNetnsFd,
  connectInNetns,
  spawnInNetns,
  sysctlInNetns,
  listenInNetns,
  type NetnsConnectOptions,
  type NetnsListenOptions,
} from './sys/index.js';
import { checkInteger, checkNamespaceHandle, checkNamespaceName, InvalidArgumentError, sysctlComponents, sysctlValue } from './validate.js';
import { monotonicMs } from './clock.js';

export type { CreateNamespaceOptions, DeleteNamespaceOptions, NamespaceOptions, NamespaceRef, NetSysctl } from './namespace-options.js';

/** delete()'s options when none are given (one object, not a new `{}` per call). */
const NO_DELETE_OPTIONS: DeleteNamespaceOptions = Object.freeze({});

/**
 * A network namespace: the container's view of the network. Named namespaces are kept the
 * iproute2 way, so `ip netns list` and `ip netns exec NAME` see them. Each Namespace lazily opens
 * one netlink socket inside itself; `close()` releases it and the namespace fd.
 */
export class Namespace extends NamespaceTables implements AsyncDisposable {
  readonly #handles: NamespaceHandles;
  /** The logger given, with `netns` on every record. */
  readonly #log: Logger;
  #deleteOnDispose = false;
  /** delete() with no options needs nothing checked or logged: a named namespace, no logger. */
  readonly #deletesQuietly: boolean;

  private constructor(
    /** The name under the netns directory, for named namespaces. */
    readonly name: string | undefined,
    /** The file that identifies it (/run/netns/NAME, /proc/PID/ns/net ...). */
    readonly path: string,
    fd: number,
    private readonly options: NamespaceOptions,
    releaseWhenIdle = false,
    /** What Namespace.create opened in the namespace: the request socket, and the inode if read. */
    opened?: OpenedHandles,
  ) {
    super();
    this.#log = options.logger ? options.logger.child({ netns: name ?? path }) : SILENT_LOGGER;
    this.#deletesQuietly = name !== undefined && this.#log === SILENT_LOGGER;
    this.#handles = new NamespaceHandles(fd, {
      path,
      shown: String(this),
      releaseWhenIdle,
      opened,
      socketOptions: () => this.socketOptions(),
      owner: this,
      localPrefixOf: async (address) => connectedPrefix(await this.addresses(), address),
    });
  }

  /** The namespace's inode: its identity on this host. */
  get inode(): number {
    return this.#handles.inode;
  }

  /** Creates a named namespace (`ip netns add NAME`). */
  static async create(name: string, options: CreateNamespaceOptions = {}): Promise<Namespace> {
    // Timed only for a logger: two clock reads were a tenth of a creation's own JavaScript.
    const start = options.logger !== undefined ? monotonicMs() : 0;
    checkNamespaceName(name);
    const dir = options.dir ?? DEFAULT_NETNS_DIR;
    let created: { path: string; made: OpenedHandles };
    try {
      // The fd and the request socket are opened while the thread is still in the new namespace.
      created = createNamedNetnsWith<OpenedHandles>(name, { dir }, openHandlesHere, createHandlesDirect);
    } catch (error) {
      const exists = (error as { code?: string }).code === 'EEXIST';
      if (exists && options.existOk) return Namespace.open(name, options);
      if (exists) throw new NamespaceExistsError(name, join(dir, name), { cause: error });
      throw error;
    }
    const { path, made } = created;
    const ns = new Namespace(name, path, made.fd, options, false, made);
    ns.#deleteOnDispose = options.deleteOnDispose === true;
    if (options.logger !== undefined) ns.#log.info({ op: 'netns.create', ms: msSince(start) }, 'namespace created');
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
    const ns = new Namespace(name, path, await openNetnsFile(path, shown, name !== undefined), options);
    ns.#log.info({ op: 'netns.open' }, 'namespace opened');
    return ns;
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
    const ns = new Namespace(undefined, path, openNetnsFd(path), rest, releaseWhenIdle);
    ns.#log.info({ op: 'netns.open' }, 'namespace opened');
    return ns;
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
  override get rtnl(): Rtnl {
    return this.rtnlMade ?? this.#handles.rtnl;
  }

  /**
   * NAT through nftables in this namespace: masquerade, and published ports (its NETLINK_NETFILTER
   * socket is opened on first use). publish() finds the hairpin subnet among this namespace's addresses.
   */
  get nat(): Nat {
    return this.#handles.nat;
  }

  /** What every socket of this namespace is given: errors name the namespace; logs carry it. */
  private socketOptions(logFields?: Record<string, unknown>): SocketOptions {
    return {
      context: `in ${this}`,
      ...(this.options.logger ? { logger: logFields ? this.#log.child(logFields) : this.#log } : {}),
      ...(this.options.timeoutMs !== undefined ? { timeoutMs: this.options.timeoutMs } : {}),
    };
  }

  override toString(): string {
    return this.name !== undefined ? `netns ${this.name}` : `netns ${this.path}`;
  }

  // ---- links

  /** Every link (`ip link show`), or those `filter` selects, as Link objects (one dump). */
  async links(filter?: LinkFilter): Promise<Link[]> {
    return (await this.rtnl.links(filter)).map((s) => linkFromState(this, s));
  }

  /** The link named (or numbered) `ref`; rejects with NetlinkError ENODEV when there is none. */
  async link(ref: DeviceRef): Promise<Link> {
    return linkFromState(this, await this.rtnl.linkToHold(ref));
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

  // ---- traffic control

  /** Qdiscs, filters and bandwidth limits on this namespace's devices (`tc`). */
  get tc(): TrafficControl {
    return new TrafficControl(this);
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
    if (this.closed) return;
    this.#handles.close();
    this.#log.info({ op: 'netns.close' }, 'namespace closed');
  }

  /**
   * Removes a named namespace (`ip netns del`) and closes this object. The kernel then destroys
   * it in the background, with its devices; `waitForDevices` waits for that (see its comment).
   */
  delete(options: DeleteNamespaceOptions = NO_DELETE_OPTIONS): Promise<void> {
    // Without waitForDevices, what runs per namespace is kept short: a cluster's teardown runs it
    // a few times per process, in V8's interpreter or baseline code, between the unmounts.
    // No options and a name (a teardown's usual call): nothing to check, one function fewer to run.
    if (options !== NO_DELETE_OPTIONS || !this.#deletesQuietly) return this.#deleteAndWait(options);
    // No try/catch: handles.close() only clears timers, fails what is pending and queues fds, and
    // V8 counts a catch that never runs against a function's tier-up (see netns-unpin-batch.ts):
    // with one, this reached baseline code a teardown later on Node 20.
    this.#handles.close();
    return deleteNetnsFileSoon(this.path);
  }

  async #deleteAndWait(options: DeleteNamespaceOptions): Promise<void> {
    const timeoutMs = this.#checkDeletable(options);
    const start = monotonicMs();
    const peers = options.waitForDevices ? await watchPeers(this, this.peerCandidates(this.options.dir ?? DEFAULT_NETNS_DIR)) : undefined;
    try {
      this.#handles.close();
      await deleteNetnsFileSoon(this.path);
    } catch (error) {
      peers?.close();
      throw error;
    }
    if (peers !== undefined) await peers.gone(timeoutMs);
    this.#log.info({ op: 'netns.delete', waitForDevices: peers !== undefined, ms: msSince(start) }, 'namespace deleted');
  }

  /** Throws unless delete() can run (a named namespace, a valid timeoutMs); returns the timeout. */
  #checkDeletable(options: DeleteNamespaceOptions): number {
    if (this.name === undefined) throw new InvalidArgumentError('namespace', this.path, 'has no name to delete (it was opened by path or pid, or is the current one): close() it instead');
    // this.path is join(dir, name), made when the name was checked (create, open): deleteNetnsFileSoon takes it as it is.
    return options.timeoutMs === undefined ? 30_000 : checkInteger(options.timeoutMs, 'timeoutMs', 1, 0x7fffffff);
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
