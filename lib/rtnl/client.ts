import { AF_BRIDGE } from '../../messages/constants.js';
import type { LinkMessage, NetlinkMessage } from '../../messages/message.js';
import { dumpLinks, dumpNsids, getNsid } from '../../messages/requests.js';
import { RTEXT_FILTER_BRVLAN } from '../../messages/link/index.js';
import type { Connection, RequestOptions } from '../connection.js';
import { rethrowAtCaller, UnexpectedReplyError } from '../errors.js';
import { checkInterfaceName, InvalidArgumentError } from '../validate.js';
import { addressArguments, type AddAddressOptions, type Address, type AddressSpec } from './addresses.js';
import { applyChanges, applyLogged, applyRoute, applyWritten, changeAddressOn } from './apply.js';
import { debugStart, FDB_OPS, logChanges, logRoutes, NEIGH_OPS, requestChange } from './change-log.js';
import { bridgeVlansOf, type BridgePortSettings, type BridgeVlan } from './bridge-port.js';
import {
  describeChanges, FLAGS_WRITER, flagsChange, planAddress, planBridgePort, planBridgeVlan, planChange, planDeleteLink, planFdb, planNeighbor, planRoute, planSetLink,
  type Change, type PlannedChange,
} from './changes.js';
import { deviceIndex, deviceText } from './device-ref.js';
import type { AddressFilter, LinkFilter, NeighborFilter, RouteFilter } from './filters.js';
import { deleteLinkGroupMessage, linkStateOfFrame, setLinkMessage, type LinkChanges, type LinkState } from './links.js';
import type { FdbSpec, Neighbor, NeighborSpec } from './neighbors.js';
import { deleteNsidMessage, newNsidMessage, nsidEntries, nsidOfReply, type NsidEntry } from './nsids.js';
import { readAddresses, readLinks, readNeighbors, readRoutes } from './reads.js';
import { LINK_LOOKUP_WRITER } from './link-request.js';
import { pendingLinkState } from './link-reply.js';
import { ROUTE_WRITERS, type RouteKind } from './route-request.js';
import { namesDevices, type DeviceRef, type Route, type RouteSpec } from './routes.js';

export type { AddressFilter, LinkFilter, NeighborFilter, RouteFilter } from './filters.js';
export type { NsidEntry } from './nsids.js';

/**
 * rtnetlink calls in one namespace, over one connection: typed results, checked arguments, and
 * errors that say what was being done ("RTM_NEWADDR 10.0.0.2/24 dev veth0 in netns containerns").
 */
export class Rtnl {
  /**
   * The namespace's socket. Internal to lib/ (left out of the published types): a change made on it
   * directly bypasses the checks and the words of the methods below.
   * @internal
   */
  readonly connection: Connection;

  constructor(connection: Connection) {
    this.connection = connection;
  }

  private dump(message: NetlinkMessage, operation: string, options?: RequestOptions): Promise<NetlinkMessage[]> {
    return this.connection.dump(message, { ...options, operation });
  }

  // ---- links

  /** One RTM_GETLINK by name or index (not a dump). Rejects with ENODEV when there is none. */
  link(ref: DeviceRef): Promise<LinkState> {
    return this.#lookUp(ref, linkStateOfFrame);
  }

  /**
   * rtnl.link for a Link to hold: the reply read when first needed (pendingLinkState).
   * @internal
   */
  linkToHold(ref: DeviceRef): Promise<LinkState> {
    return this.#lookUp(ref, pendingLinkState);
  }

  async #lookUp(ref: DeviceRef, read: (frame: Uint8Array) => LinkState): Promise<LinkState> {
    try {
      const subject = typeof ref === 'string' ? checkInterfaceName(ref, 'dev') : await this.index(ref, 'index');
      // The reply is read for the summary fields only; `raw` is decoded if and when it is read.
      const options = typeof ref === 'object' ? { operation: `RTM_GETLINK ${deviceText(ref)}` } : undefined;
      const [frame] = await this.connection.requestWritten(LINK_LOOKUP_WRITER, subject, options);
      if (frame === undefined) throw new UnexpectedReplyError(`RTM_GETLINK ${deviceText(ref)}`, 'the kernel sent no reply');
      return read(frame);
    } catch (error) {
      rethrowAtCaller(error);
    }
  }

  /** The index of a device named `ref` (numbers are taken as they are). */
  async index(ref: DeviceRef, field = 'dev'): Promise<number> {
    if (typeof ref !== 'string') return deviceIndex(ref, field);
    checkInterfaceName(ref, field);
    return (await this.link(ref)).index;
  }

  /** Every link, or those `filter` selects (one RTM_GETLINK dump). */
  async links(filter?: LinkFilter): Promise<LinkState[]> {
    try {
      return await readLinks(this.connection, this.#index, filter);
    } catch (error) {
      rethrowAtCaller(error);
    }
  }

  /** Sends a prepared RTM_NEWLINK; `description` says what it makes, for errors. */
  async createLink(message: LinkMessage, description: string): Promise<void> {
    try {
      await requestChange(this.connection, message, `RTM_NEWLINK ${description}`, 'link.add', message.body.attrs.ifname);
    } catch (error) {
      rethrowAtCaller(error);
    }
  }

  /**
   * Creates a link and reads it back in one round trip: the lookup of `name` is pipelined behind the
   * RTM_NEWLINK (same socket, handled in order). Rejects with the create's error if it fails.
   */
  async createLinkAndRead(message: LinkMessage, description: string, name: string): Promise<LinkState> {
    const created = this.createLink(message, description);
    const state = this.link(name);
    state.catch(() => undefined);
    await created;
    return state;
  }

  /** `ip link set DEV ...`: the changes in one RTM_NEWLINK. */
  setLink(ref: DeviceRef, changes: LinkChanges): Promise<void> {
    try {
      const flags = flagsChange(ref, changes);
      if (flags !== undefined) return applyWritten(this.connection, FLAGS_WRITER, flags, 'link.set', ref);
      return this.apply(planSetLink(ref, changes), 'link.set', ref);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Changes link `name` addressed by its name (IFLA_IFNAME, no index): no lookup first, so it can be
   * pipelined right behind the request that creates the link.
   */
  async setLinkByName(name: string, changes: LinkChanges): Promise<void> {
    try {
      checkInterfaceName(name, 'dev');
      const message = setLinkMessage(0, changes);
      if (message.body.attrs.ifname !== undefined) throw new InvalidArgumentError('changes.name', changes.name, 'cannot be given to setLinkByName, which finds the link by that name: rename with setLink(dev, { name })');
      message.body.attrs.ifname = name;
      await requestChange(this.connection, message, `RTM_NEWLINK set ${name} ${describeChanges(changes)}`, 'link.set', name);
    } catch (error) {
      rethrowAtCaller(error);
    }
  }

  /** Deletes every link in device group `group` with one RTM_DELLINK (see deleteLinkGroupMessage). */
  async deleteLinkGroup(group: number): Promise<void> {
    try {
      await requestChange(this.connection, deleteLinkGroupMessage(group), `RTM_DELLINK group ${group}`, 'link.del', undefined);
    } catch (error) {
      rethrowAtCaller(error);
    }
  }

  /** `ip link del DEV`. */
  deleteLink(ref: DeviceRef): Promise<void> {
    try {
      return this.apply(planDeleteLink(ref), 'link.del', ref);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  // ---- bridge ports

  /** Changes settings of a bridge port (`ip link set DEV type bridge_slave hairpin on ...`). */
  async setBridgePort(ref: DeviceRef, settings: BridgePortSettings): Promise<void> {
    try {
      await this.apply(planBridgePort(ref, settings), 'link.set', ref);
    } catch (error) {
      rethrowAtCaller(error);
    }
  }

  /** Adds a VLAN to a bridge port (`bridge vlan add dev DEV vid VID [pvid] [untagged]`). */
  addBridgeVlan(ref: DeviceRef, vlan: BridgeVlan): Promise<void> {
    return this.bridgeVlan('add', ref, vlan);
  }
  /** Deletes a VLAN from a bridge port (`bridge vlan del dev DEV vid VID`). */
  deleteBridgeVlan(ref: DeviceRef, vlan: Pick<BridgeVlan, 'vid'>): Promise<void> {
    return this.bridgeVlan('delete', ref, vlan);
  }
  private async bridgeVlan(kind: 'add' | 'delete', ref: DeviceRef, vlan: BridgeVlan): Promise<void> {
    try {
      await this.apply(planBridgeVlan(kind, ref, vlan), kind === 'add' ? 'vlan.add' : 'vlan.del', ref);
    } catch (error) {
      rethrowAtCaller(error);
    }
  }

  /** The VLANs of every bridge port, by ifindex (`bridge vlan show`). */
  async bridgeVlans(): Promise<Map<number, BridgeVlan[]>> {
    try {
      return bridgeVlansOf(await this.dump(dumpLinks({ family: AF_BRIDGE, extMask: RTEXT_FILTER_BRVLAN }), 'RTM_GETLINK bridge vlan dump'));
    } catch (error) {
      rethrowAtCaller(error);
    }
  }

  // ---- addresses

  /** Every address, or those `filter` selects. */
  async addresses(filter?: AddressFilter): Promise<Address[]> {
    try {
      return await readAddresses(this.connection, this.#index, filter);
    } catch (error) {
      rethrowAtCaller(error);
    }
  }

  /** `ip addr add`: (dev, cidr, options), or one AddressSpec such as an Address read back. */
  addAddress(spec: AddressSpec): Promise<void>;
  addAddress(dev: DeviceRef, cidr: string, options?: AddAddressOptions): Promise<void>;
  addAddress(...args: [AddressSpec] | [DeviceRef, string, AddAddressOptions?]): Promise<void> {
    try {
      const { dev, cidr, options } = addressArguments(args);
      if (typeof dev !== 'string') return changeAddressOn(this.connection, 'add', dev, cidr, options);
      return this.apply(planAddress('add', dev, cidr, options), 'addr.add', dev);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** `ip addr del`: (dev, cidr), or one AddressSpec; a point-to-point address needs its `peer`. */
  deleteAddress(spec: AddressSpec): Promise<void>;
  deleteAddress(dev: DeviceRef, cidr: string, options?: Pick<AddAddressOptions, 'peer'>): Promise<void>;
  deleteAddress(...args: [AddressSpec] | [DeviceRef, string, Pick<AddAddressOptions, 'peer'>?]): Promise<void> {
    try {
      const { dev, cidr, options } = addressArguments(args);
      if (typeof dev !== 'string') return changeAddressOn(this.connection, 'delete', dev, cidr, options);
      return this.apply(planAddress('delete', dev, cidr, options), 'addr.del', dev);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  // ---- routes

  /** `ip route add`. */
  addRoute(spec: RouteSpec): Promise<void> {
    return applyRoute(this.connection, this.#index, ROUTE_WRITERS.add, spec);
  }
  /** `ip route replace`. */
  replaceRoute(spec: RouteSpec): Promise<void> {
    return applyRoute(this.connection, this.#index, ROUTE_WRITERS.replace, spec);
  }
  /** `ip route append`. */
  appendRoute(spec: RouteSpec): Promise<void> {
    return applyRoute(this.connection, this.#index, ROUTE_WRITERS.append, spec);
  }
  /** `ip route del`. */
  deleteRoute(spec: RouteSpec): Promise<void> {
    return applyRoute(this.connection, this.#index, ROUTE_WRITERS.delete, spec);
  }

  /**
   * Adds many routes, one request each, packed into as few datagrams as flow control allows.
   * Resolves with one entry per route, in order: undefined where it was added, else its error (a
   * spec that fails its checks gets its InvalidArgumentError and is not sent; the others are).
   */
  addRoutes(specs: readonly RouteSpec[]): Promise<Array<Error | undefined>> {
    return this.manyRoutes('add', specs);
  }
  /** Deletes many routes, as addRoutes adds them. */
  deleteRoutes(specs: readonly RouteSpec[]): Promise<Array<Error | undefined>> {
    return this.manyRoutes('delete', specs);
  }
  /** As route(), for many: when no spec names a device, each is checked and written in one step. */
  private manyRoutes(kind: RouteKind, specs: readonly RouteSpec[]): Promise<Array<Error | undefined>> {
    const log = this.connection.logger;
    const indexes = Array.isArray(specs) && !specs.some(namesDevices);
    return logRoutes(log, debugStart(log), kind, specs, indexes ? this.connection.changes(ROUTE_WRITERS[kind], specs) : this.applyAll(specs.length, (i) => planRoute(kind, specs[i]!)));
  }

  /**
   * Many changes of links, addresses, routes, neighbours and FDB entries in one call, like
   * `ip -batch -force`: each is checked (a bad one gets its InvalidArgumentError and is not sent),
   * the device names they use are looked up once each, and the changes go out packed into as few
   * datagrams as flow control allows, in order. Resolves with one entry per change: undefined
   * where it was applied, else its error. One failure does not stop the others.
   */
  batch(changes: readonly Change[]): Promise<Array<Error | undefined>> {
    const log = this.connection.logger;
    return logChanges(log, debugStart(log), changes, this.applyAll(changes.length, (i) => planChange(changes[i]!)));
  }

  private apply(planned: PlannedChange, op: string, dev: unknown): Promise<void> {
    return applyLogged(this.connection, this.#index, planned, op, dev);
  }

  private applyAll(count: number, plan: (i: number) => PlannedChange): Promise<Array<Error | undefined>> {
    return applyChanges(this.connection, this.#index, count, plan);
  }

  readonly #index = (ref: DeviceRef, field?: string): Promise<number> => this.index(ref, field);

  /** Routes `filter` selects (table main by default, like `ip route`). */
  async routes(filter?: RouteFilter, options?: RequestOptions): Promise<Route[]> {
    try {
      return await readRoutes(this.connection, this.#index, filter, options);
    } catch (error) {
      rethrowAtCaller(error);
    }
  }

  // ---- neighbours and FDB

  /** Neighbour or FDB entries `filter` selects. */
  async neighbors(filter?: NeighborFilter): Promise<Neighbor[]> {
    try {
      return await readNeighbors(this.connection, this.#index, filter);
    } catch (error) {
      rethrowAtCaller(error);
    }
  }

  /** `ip neigh add`; the spec is checked before the device lookup. */
  addNeighbor(spec: NeighborSpec): Promise<void> {
    return this.neighbor('add', spec);
  }
  /** `ip neigh replace`: adds the entry or changes the existing one. */
  replaceNeighbor(spec: NeighborSpec): Promise<void> {
    return this.neighbor('replace', spec);
  }
  /** `ip neigh del DST dev DEV`. */
  deleteNeighbor(spec: NeighborSpec): Promise<void> {
    return this.neighbor('delete', spec);
  }

  private neighbor(kind: 'add' | 'replace' | 'delete', spec: NeighborSpec): Promise<void> {
    try {
      return this.apply(planNeighbor(kind, spec), NEIGH_OPS[kind], spec?.dev);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** `bridge fdb add`. */
  addFdb(spec: FdbSpec): Promise<void> {
    return this.fdb('add', spec);
  }
  /** `bridge fdb append`: several remotes for one MAC (e.g. 00:00:00:00:00:00 on a vxlan). */
  appendFdb(spec: FdbSpec): Promise<void> {
    return this.fdb('append', spec);
  }
  /** `bridge fdb replace`: adds the entry or changes the existing one. */
  replaceFdb(spec: FdbSpec): Promise<void> {
    return this.fdb('replace', spec);
  }
  /** `bridge fdb del MAC dev DEV [dst IP]`. */
  deleteFdb(spec: FdbSpec): Promise<void> {
    return this.fdb('delete', spec);
  }

  private fdb(kind: 'add' | 'append' | 'replace' | 'delete', spec: FdbSpec): Promise<void> {
    try {
      return this.apply(planFdb(kind, spec), FDB_OPS[kind], spec?.dev);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  // ---- netns ids

  /** Assigns `nsid` (or lets the kernel pick with -1) to the namespace behind `fd`. */
  async setNsid(fd: number, nsid: number, description = `fd ${fd}`): Promise<void> {
    try {
      const message = newNsidMessage(fd, nsid);
      await requestChange(this.connection, message, `RTM_NEWNSID ${nsid} for ${description}`, 'nsid.add', undefined);
    } catch (error) {
      rethrowAtCaller(error);
    }
  }

  /** Takes back netns id `nsid`. */
  async deleteNsid(nsid: number): Promise<void> {
    try {
      const message = deleteNsidMessage(nsid);
      await requestChange(this.connection, message, `RTM_DELNSID ${nsid}`, 'nsid.del', undefined);
    } catch (error) {
      rethrowAtCaller(error);
    }
  }

  /** The id this namespace has for the namespace behind `fd`, or undefined if none is assigned. */
  async nsidOf(fd: number, description = `fd ${fd}`): Promise<number | undefined> {
    try {
      const [reply] = await this.connection.request(getNsid({ fd }), { operation: `RTM_GETNSID for ${description}` });
      return nsidOfReply(reply);
    } catch (error) {
      rethrowAtCaller(error);
    }
  }

  /** Every netns id given in this namespace. */
  async nsids(): Promise<NsidEntry[]> {
    try {
      return nsidEntries(await this.dump(dumpNsids(), 'RTM_GETNSID dump'));
    } catch (error) {
      rethrowAtCaller(error);
    }
  }

  /** Closes the connection; pending requests reject with ConnectionClosedError. */
  close(): void {
    this.connection.close();
  }
}

