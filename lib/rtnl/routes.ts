import { AF_INET6 } from '../../messages/constants.js';
import type { DeviceOption } from '../../messages/link/index.js';
import type { RouteBody } from '../../messages/route/index.js';
import { RTNH_F_ONLINK } from '../../messages/route/constants.js';
import type { Family } from '../validate.js';
import { protocolName, routeTypeName, scopeName, tableName, type ProtocolName, type RouteTypeName, type ScopeName, type TableName } from './names.js';

/**
 * A device by name, by index, or as a Link (anything with its index and name: the index is what is
 * sent, the name is what errors say). Names are resolved in the namespace of the call.
 */
export type DeviceRef = DeviceOption;

/** One next hop of a multipath route: `nexthop via 10.0.0.254 dev veth0 weight 2 onlink`. */
export interface NexthopSpec {
  via?: string;
  dev?: DeviceRef;
  /** 1 to 256, as `ip route ... nexthop ... weight N`. */
  weight?: number;
  onlink?: boolean;
}
/** A route as `ip route add` takes it. */
export interface RouteSpec {
  /** 'default', a prefix '10.0.1.0/24', or a bare address for a host route. */
  dst: string;
  via?: string;
  dev?: DeviceRef;
  table?: TableName | number;
  metric?: number;
  scope?: ScopeName | number;
  protocol?: ProtocolName | number;
  type?: RouteTypeName | number;
  /** Preferred source address. */
  src?: string;
  mtu?: number;
  /** Gateway reachable on `dev` even if no prefix covers it. */
  onlink?: boolean;
  /** Equal-cost (or weighted) next hops instead of via/dev. */
  nexthops?: NexthopSpec[];
  /** A nexthop object (ns.addNexthop, `ip route add ... nhid N`) instead of via/dev/nexthops. */
  nhid?: number;
  /** Needed for `dst` 'default' and for specs without an address to tell the family. */
  family?: Family;
}

/** A next hop as read back: the words of NexthopSpec, so a read route can be given back. */
export interface Nexthop extends NexthopSpec {
  /** The interface index. */
  dev?: number;
  weight: number;
  /** RTNH_F_* bits as the kernel reports them (onlink, dead, linkdown ...). */
  flags: number;
}

/**
 * A route, as `ip route` shows it, in the words RouteSpec takes: what ns.routes() returns can be
 * passed back to addRoute, replaceRoute or deleteRoute. A route through a nexthop object has
 * `nhid` and no via/dev/nexthops (the object says where to go: ns.nexthops()).
 */
export interface Route extends RouteSpec {
  family: Family;
  /** 'default' or 'address/prefixlen'. */
  dst: string;
  dstLen: number;
  table: TableName | number;
  protocol: ProtocolName | number;
  scope: ScopeName | number;
  type: RouteTypeName | number;
  /** The output interface's index. */
  dev?: number;
  nexthops?: Nexthop[];
  /** The decoded message this was made from. */
  raw: RouteBody;
}

/**
 * A Route's first eight fields, set by a constructor rather than an object literal: a literal's
 * object has room for exactly its own properties, so the fields added after (dev, via, metric ...)
 * went to a separate property array, 40 bytes more per route; a constructed object is given room
 * for the fields its first instances were given (V8's slack tracking). Its prototype is
 * Object.prototype, so a Route is a plain object as before (same prototype, constructor, keys and
 * key order).
 */
interface RouteFields {
  new (family: Family, dst: string, dstLen: number, table: Route['table'], protocol: Route['protocol'], scope: Route['scope'], type: Route['type'], raw: RouteBody): Route;
}
const RouteFields = function (this: Route, family: Family, dst: string, dstLen: number, table: Route['table'], protocol: Route['protocol'], scope: Route['scope'], type: Route['type'], raw: RouteBody) {
  this.family = family;
  this.dst = dst;
  this.dstLen = dstLen;
  this.table = table;
  this.protocol = protocol;
  this.scope = scope;
  this.type = type;
  this.raw = raw;
} as unknown as RouteFields;
RouteFields.prototype = Object.prototype;

export function toRoute(raw: RouteBody): Route {
  const a = raw.attrs;
  const family: Family = raw.family === AF_INET6 ? 6 : 4;
  const dst = raw.dstLen === 0 ? 'default' : `${a.dst}/${raw.dstLen}`;
  const route = new RouteFields(family, dst, raw.dstLen, tableName(a.table ?? raw.table), protocolName(raw.protocol), scopeName(raw.scope), routeTypeName(raw.type), raw);
  if (a.priority !== undefined) route.metric = a.priority;
  if (a.prefsrc !== undefined) route.src = a.prefsrc;
  if (a.metrics?.mtu !== undefined) route.mtu = a.metrics.mtu;
  if (raw.flags & RTNH_F_ONLINK) route.onlink = true;
  if (a.nhId !== undefined) {
    // The kernel also reports the object's gateway and devices, which a request must not repeat.
    route.nhid = a.nhId;
    return route;
  }
  if (a.gateway !== undefined) route.via = a.gateway;
  if (a.oif !== undefined) route.dev = a.oif;
  if (a.multipath) {
    route.nexthops = a.multipath.map((h) => {
      const hop: Nexthop = { weight: h.hops + 1, flags: h.flags };
      if (h.attrs.gateway !== undefined) hop.via = h.attrs.gateway;
      if (h.ifindex) hop.dev = h.ifindex;
      if (h.flags & RTNH_F_ONLINK) hop.onlink = true;
      return hop;
    });
  }
  return route;
}


/** Whether a route spec names any device (by name, to be looked up) rather than giving indexes. */
export function namesDevices(spec: RouteSpec): boolean {
  if (typeof spec !== 'object' || spec === null) return false;
  if (typeof spec.dev === 'string') return true;
  const hops = spec.nexthops;
  if (!Array.isArray(hops)) return false;
  for (const hop of hops) if (typeof hop?.dev === 'string') return true;
  return false;
}
