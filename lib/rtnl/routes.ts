import { AF_INET, AF_INET6, NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, RTM_DELROUTE, RTM_NEWROUTE } from '../../messages/constants.js';
import { RTNH_F_ONLINK, RTN_UNICAST, RTPROT_STATIC, RT_TABLE_MAIN, RTN_LOCAL, RTN_BROADCAST, RTN_MULTICAST, RTN_ANYCAST, RTN_BLACKHOLE, RTN_UNREACHABLE, RTN_PROHIBIT, RTN_THROW } from '../../messages/route/constants.js';
import { RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_NOWHERE, RT_SCOPE_UNIVERSE } from '../../messages/address/constants.js';
import type { RouteBody, RouteNexthop } from '../../messages/route/index.js';
import type { RouteMessage } from '../../messages/message.js';
import { checkFamily, checkInteger, checkMtu, checkU32, InvalidArgumentError, networkOf, parseAddress, parsePrefix, type Family } from '../validate.js';
import {
  lookup, PROTOCOLS, protocolName, ROUTE_TYPES, routeTypeName, SCOPES, scopeName, TABLES, tableName,
  type ProtocolName, type RouteTypeName, type ScopeName, type TableName,
} from './names.js';

/**
 * A device by name, by index, or as a Link (anything with its index and name: the index is what is
 * sent, the name is what errors say). Names are resolved in the namespace of the call.
 */
export type DeviceRef = string | number | { readonly index: number; readonly name: string };

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

function familyNumber(family: Family): number {
  return family === 4 ? AF_INET : AF_INET6;
}

function sameFamily(field: string, value: string, want: Family): string {
  const parsed = parseAddress(value, field);
  if (parsed.family !== want) throw new InvalidArgumentError(field, value, `is IPv${parsed.family} but the route is IPv${want}`);
  return parsed.address;
}

function parseDestination(spec: RouteSpec): { family: Family; dst?: string; dstLen: number } {
  if (typeof spec.dst !== 'string') throw new InvalidArgumentError('dst', spec.dst, "is not 'default' or a prefix like 10.0.1.0/24");
  if (spec.dst === 'default' || spec.dst.startsWith('default/')) {
    if (spec.dst !== 'default') throw new InvalidArgumentError('dst', spec.dst, "is 'default' with a prefix length: write 'default' alone or 0.0.0.0/0");
    const family: Family = spec.family !== undefined ? checkFamily(spec.family) : (spec.via ? parseAddress(spec.via, 'via').family : spec.nexthops?.[0]?.via ? parseAddress(spec.nexthops[0].via, 'nexthops[0].via').family : 4);
    return { family, dstLen: 0 };
  }
  const prefix = parsePrefix(spec.dst, 'dst', { allowBare: true });
  if (spec.family !== undefined && checkFamily(spec.family) !== prefix.family) throw new InvalidArgumentError('family', spec.family, `does not match dst ${spec.dst}`);
  return { family: prefix.family, dst: networkOf(prefix), dstLen: prefix.prefixlen };
}

/** Builds RTM_NEWROUTE / RTM_DELROUTE; `resolve` turns device names into indexes. */
export function routeMessage(
  kind: 'add' | 'replace' | 'append' | 'delete',
  spec: RouteSpec,
  resolve: (dev: DeviceRef, field: string) => number,
): RouteMessage {
  if (typeof spec !== 'object' || spec === null) throw new InvalidArgumentError('route', spec, 'is not a route object');
  const { family, dst, dstLen } = parseDestination(spec);
  const attrs: RouteBody['attrs'] = {};
  if (dst !== undefined) attrs.dst = dst;
  const table = spec.table === undefined ? RT_TABLE_MAIN : lookup(TABLES, spec.table, 'table', 0xffffffff);
  attrs.table = table;
  if (spec.via !== undefined) attrs.gateway = sameFamily('via', spec.via, family);
  if (spec.dev !== undefined) attrs.oif = resolve(spec.dev, 'dev');
  if (spec.metric !== undefined) attrs.priority = checkU32(spec.metric, 'metric');
  if (spec.src !== undefined) attrs.prefsrc = sameFamily('src', spec.src, family);
  if (spec.mtu !== undefined) attrs.metrics = { mtu: checkMtu(spec.mtu) };
  if (spec.nhid !== undefined) {
    if (spec.via !== undefined || spec.nexthops !== undefined) throw new InvalidArgumentError('nhid', spec.nhid, 'cannot be combined with via or nexthops: the nexthop object says where to go');
    attrs.nhId = checkInteger(spec.nhid, 'nhid', 1, 0xffffffff);
  }
  if (spec.nexthops !== undefined) {
    if (!Array.isArray(spec.nexthops) || spec.nexthops.length === 0) throw new InvalidArgumentError('nexthops', spec.nexthops, 'is not a non-empty array of next hops');
    if (spec.via !== undefined) throw new InvalidArgumentError('via', spec.via, 'cannot be combined with nexthops');
    attrs.multipath = spec.nexthops.map((hop, i): RouteNexthop => {
      const field = `nexthops[${i}]`;
      const weight = hop.weight ?? 1;
      if (!Number.isInteger(weight) || weight < 1 || weight > 256) throw new InvalidArgumentError(`${field}.weight`, hop.weight, 'is not a whole number from 1 to 256');
      const hopAttrs: RouteNexthop['attrs'] = {};
      if (hop.via !== undefined) hopAttrs.gateway = sameFamily(`${field}.via`, hop.via, family);
      return { flags: hop.onlink ? RTNH_F_ONLINK : 0, hops: weight - 1, ifindex: hop.dev === undefined ? 0 : resolve(hop.dev, `${field}.dev`), attrs: hopAttrs };
    });
  }
  const type = spec.type === undefined ? RTN_UNICAST : lookup(ROUTE_TYPES, spec.type, 'type');
  const scope = spec.scope === undefined ? defaultScope(kind, type, attrs) : lookup(SCOPES, spec.scope, 'scope');
  const protocol = kind === 'delete' && spec.protocol === undefined ? 0 : lookup(PROTOCOLS, spec.protocol ?? RTPROT_STATIC, 'protocol');
  const flags = { add: NLM_F_CREATE | NLM_F_EXCL, replace: NLM_F_CREATE | NLM_F_REPLACE, append: NLM_F_CREATE | NLM_F_APPEND, delete: 0 }[kind];
  return {
    kind: 'route',
    type: kind === 'delete' ? RTM_DELROUTE : RTM_NEWROUTE,
    flags,
    seq: 0,
    pid: 0,
    body: {
      family: familyNumber(family),
      dstLen,
      srcLen: 0,
      tos: 0,
      table: table < 256 ? table : 0,
      protocol,
      scope,
      type: kind === 'delete' && spec.type === undefined ? 0 : type,
      flags: spec.onlink ? RTNH_F_ONLINK : 0,
      attrs,
    },
  };
}

/** iproute2's defaults: a route with no gateway is scope link, a local route scope host. */
function defaultScope(kind: string, type: number, attrs: RouteBody['attrs']): number {
  if (kind === 'delete') return RT_SCOPE_NOWHERE;
  if (type === RTN_LOCAL) return RT_SCOPE_HOST;
  if (type === RTN_BROADCAST || type === RTN_MULTICAST || type === RTN_ANYCAST) return RT_SCOPE_LINK;
  if (type === RTN_BLACKHOLE || type === RTN_UNREACHABLE || type === RTN_PROHIBIT || type === RTN_THROW) return RT_SCOPE_UNIVERSE;
  if (attrs.gateway === undefined && attrs.multipath === undefined && attrs.oif !== undefined) return RT_SCOPE_LINK;
  return RT_SCOPE_UNIVERSE;
}

/** The device names a spec mentions, to resolve before building the message. */
export function devicesOf(spec: RouteSpec): DeviceRef[] {
  const devs: DeviceRef[] = [];
  if (spec?.dev !== undefined) devs.push(spec.dev);
  for (const hop of Array.isArray(spec?.nexthops) ? spec.nexthops : []) if (hop.dev !== undefined) devs.push(hop.dev);
  return devs;
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

