import { AF_INET6 } from '../../messages/constants.js';
import type { RouteBody } from '../../messages/route/index.js';
import type { Family } from '../validate.js';
import { protocolName, routeTypeName, scopeName, tableName, type ProtocolName, type RouteTypeName, type ScopeName, type TableName } from './names.js';

/**
 * A device by name, by index, or as a Link (anything with its index and name: the index is what is
 * sent, the name is what errors say). Names are resolved in the namespace of the call.
 */
export type DeviceRef = string | number | { readonly index: number; readonly name: string };

/** One path of a multipath route to add (`nexthop via IP dev DEV weight N`). */
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

/** One path of a multipath route, as read back. */
export interface Nexthop {
  gateway?: string;
  oif?: number;
  weight: number;
  flags: number;
}

/** A route, as `ip route` shows it. */
export interface Route {
  family: Family;
  /** 'default' or 'address/prefixlen'. */
  dst: string;
  dstLen: number;
  table: TableName | number;
  protocol: ProtocolName | number;
  scope: ScopeName | number;
  type: RouteTypeName | number;
  gateway?: string;
  /** Output interface index. */
  oif?: number;
  prefsrc?: string;
  metric?: number;
  mtu?: number;
  nexthops?: Nexthop[];
  /** The nexthop object the route goes through (RTA_NH_ID); nexthops then lists its members. */
  nhid?: number;
  raw: RouteBody;
}

export function toRoute(raw: RouteBody): Route {
  const a = raw.attrs;
  const family: Family = raw.family === AF_INET6 ? 6 : 4;
  const dst = raw.dstLen === 0 ? 'default' : `${a.dst}/${raw.dstLen}`;
  const route: Route = {
    family,
    dst,
    dstLen: raw.dstLen,
    table: tableName(a.table ?? raw.table),
    protocol: protocolName(raw.protocol),
    scope: scopeName(raw.scope),
    type: routeTypeName(raw.type),
    raw,
  };
  if (a.gateway !== undefined) route.gateway = a.gateway;
  if (a.oif !== undefined) route.oif = a.oif;
  if (a.prefsrc !== undefined) route.prefsrc = a.prefsrc;
  if (a.priority !== undefined) route.metric = a.priority;
  if (a.metrics?.mtu !== undefined) route.mtu = a.metrics.mtu;
  if (a.nhId !== undefined) route.nhid = a.nhId;
  if (a.multipath) {
    route.nexthops = a.multipath.map((h) => {
      const hop: Nexthop = { weight: h.hops + 1, flags: h.flags };
      if (h.attrs.gateway !== undefined) hop.gateway = h.attrs.gateway;
      if (h.ifindex) hop.oif = h.ifindex;
      return hop;
    });
  }
  return route;
}

