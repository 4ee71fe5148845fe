import type { AddAddressOptions, Address, AddressSpec } from './rtnl/addresses.js';
import type { Change } from './rtnl/changes.js';
import type { Rtnl, AddressFilter, NeighborFilter, RouteFilter } from './rtnl/client.js';
import type { FdbEntry, FdbSpec, Neighbor, NeighborSpec } from './rtnl/neighbors.js';
import type { DeviceRef, Route, RouteSpec } from './rtnl/routes.js';
import { nexthopsOf, type Nexthops, type NexthopObject, type NexthopObjectSpec } from './nexthops.js';
import { Rules, type Rule, type RuleSpec } from './rules.js';
import { checkOptions, type Family } from './validate.js';
import type { Connection } from './connection.js';
import { SILENT_LOGGER } from './log.js';
import { ROUTE_WRITERS } from './rtnl/route-request.js';

/** The writers of addRoute and deleteRoute, each read once at load. */
const ROUTE_ADD = ROUTE_WRITERS.add;
const ROUTE_DELETE = ROUTE_WRITERS.delete;

/**
 * The tables ip(8) and bridge(8) read and write in a namespace: addresses, routes, nexthop
 * objects, rules, neighbours and FDB entries, each call one request on the namespace's `rtnl`.
 * Namespace is the one class built on it; its lifetime (create, open, close, delete) is there.
 */
export abstract class NamespaceTables {
  /** The rtnetlink client bound to this namespace (its socket is opened on first use). */
  abstract get rtnl(): Rtnl;

  /**
   * The client `rtnl` gives while it is made and not released, else undefined: read before the
   * `rtnl` getters, which are a call each in a fresh process's first thousands of requests.
   * @internal
   */
  rtnlMade: Rtnl | undefined = undefined;
  /**
   * rtnlMade's connection when it logs nothing (the silent logger), else undefined: addRoute and
   * deleteRoute send a spec whose devices are indexes to it straight (see addRoute).
   * @internal
   */
  unloggedConnection: Connection | undefined = undefined;

  /**
   * Told by the namespace's handles the client they made, and undefined when they release it.
   * @internal
   */
  rtnlChanged(rtnl: Rtnl | undefined): void {
    this.rtnlMade = rtnl;
    this.unloggedConnection = rtnl !== undefined && rtnl.connection.logger === SILENT_LOGGER ? rtnl.connection : undefined;
  }

  // ---- addresses

  /** Every address (`ip addr show`), or those of one family or device. */
  addresses(filter?: AddressFilter): Promise<Address[]> {
    return this.rtnl.addresses(filter);
  }

  /** `ip addr add 10.0.0.2/24 dev veth0`: (dev, cidr, options), or one { dev, cidr, ... } such as an Address read back. */
  addAddress(spec: AddressSpec): Promise<void>;
  addAddress(dev: DeviceRef, cidr: string, options?: AddAddressOptions): Promise<void>;
  addAddress(...args: [AddressSpec] | [DeviceRef, string, AddAddressOptions?]): Promise<void> {
    // Rtnl.addAddress takes either form and checks it.
    return this.rtnl.addAddress(...(args as [DeviceRef, string, AddAddressOptions?]));
  }

  /** `ip addr del 10.0.0.2/24 dev veth0`: (dev, cidr), or one { dev, cidr } such as an Address read back. */
  deleteAddress(spec: AddressSpec): Promise<void>;
  deleteAddress(dev: DeviceRef, cidr: string, options?: Pick<AddAddressOptions, 'peer'>): Promise<void>;
  deleteAddress(...args: [AddressSpec] | [DeviceRef, string, Pick<AddAddressOptions, 'peer'>?]): Promise<void> {
    // Rtnl.deleteAddress takes either form and checks it.
    return this.rtnl.deleteAddress(...(args as [DeviceRef, string, Pick<AddAddressOptions, 'peer'>?]));
  }

  // ---- routes

  /** Routes (`ip route show table all` filtered by `filter`; the kernel filters, strict checking being on). */
  routes(filter?: RouteFilter): Promise<Route[]> {
    return this.rtnl.routes(filter);
  }
  /** `ip route add`: EEXIST when the route exists. A Route from routes() can be given back. */
  addRoute(spec: RouteSpec): Promise<void> {
    // Rtnl.addRoute's usual case (nothing logged, every device an index: applyRoute's check) sent
    // from here: in a fresh process's first thousands of routes each call between the caller and
    // the connection is a few hundred instructions of V8's.
    const connection = this.unloggedConnection;
    if (connection !== undefined) {
      try {
        if (typeof spec === 'object' && spec !== null && typeof spec.dev !== 'string' && spec.nexthops === undefined) return connection.change(ROUTE_ADD, spec);
      } catch (error) {
        return Promise.reject(error);
      }
    }
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
    // As addRoute.
    const connection = this.unloggedConnection;
    if (connection !== undefined) {
      try {
        if (typeof spec === 'object' && spec !== null && typeof spec.dev !== 'string' && spec.nexthops === undefined) return connection.change(ROUTE_DELETE, spec);
      } catch (error) {
        return Promise.reject(error);
      }
    }
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
    return nexthopsOf(this.rtnl.connection, (dev, field) => this.rtnl.index(dev, field));
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
}
