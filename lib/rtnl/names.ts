/** Readable names for the numbers rtnetlink uses, both ways, as iproute2 spells them. */
import {
  RTN_ANYCAST, RTN_BLACKHOLE, RTN_BROADCAST, RTN_LOCAL, RTN_MULTICAST, RTN_NAT, RTN_PROHIBIT, RTN_THROW, RTN_UNICAST, RTN_UNREACHABLE,
  RTPROT_BOOT, RTPROT_DHCP, RTPROT_KERNEL, RTPROT_RA, RTPROT_REDIRECT, RTPROT_STATIC, RTPROT_UNSPEC,
  RT_TABLE_DEFAULT, RT_TABLE_LOCAL, RT_TABLE_MAIN,
} from '../../messages/route/constants.js';
import { RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_NOWHERE, RT_SCOPE_SITE, RT_SCOPE_UNIVERSE } from '../../messages/address/constants.js';
import { InvalidArgumentError } from '../validate.js';
import { isIntegerIn } from '../../messages/checks.js';

/** A route or address scope by name (RT_SCOPE_*), as `ip` prints it. */
export type ScopeName = 'global' | 'site' | 'link' | 'host' | 'nowhere';
/** A route type by name (RTN_*), as `ip route` prints it. */
export type RouteTypeName = 'unicast' | 'local' | 'broadcast' | 'anycast' | 'multicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw' | 'nat';
/** Who installed a route (RTPROT_*), by the names `ip route` uses. */
export type ProtocolName = 'unspec' | 'redirect' | 'kernel' | 'boot' | 'static' | 'ra' | 'dhcp';
/** A routing table by name (RT_TABLE_*: main 254, local 255, default 253). */
export type TableName = 'main' | 'local' | 'default';

export const SCOPES: Readonly<Record<ScopeName, number>> = {
  global: RT_SCOPE_UNIVERSE,
  site: RT_SCOPE_SITE,
  link: RT_SCOPE_LINK,
  host: RT_SCOPE_HOST,
  nowhere: RT_SCOPE_NOWHERE,
};
export const ROUTE_TYPES: Readonly<Record<RouteTypeName, number>> = {
  unicast: RTN_UNICAST,
  local: RTN_LOCAL,
  broadcast: RTN_BROADCAST,
  anycast: RTN_ANYCAST,
  multicast: RTN_MULTICAST,
  blackhole: RTN_BLACKHOLE,
  unreachable: RTN_UNREACHABLE,
  prohibit: RTN_PROHIBIT,
  throw: RTN_THROW,
  nat: RTN_NAT,
};
export const PROTOCOLS: Readonly<Record<ProtocolName, number>> = {
  unspec: RTPROT_UNSPEC,
  redirect: RTPROT_REDIRECT,
  kernel: RTPROT_KERNEL,
  boot: RTPROT_BOOT,
  static: RTPROT_STATIC,
  ra: RTPROT_RA,
  dhcp: RTPROT_DHCP,
};
export const TABLES: Readonly<Record<TableName, number>> = { main: RT_TABLE_MAIN, local: RT_TABLE_LOCAL, default: RT_TABLE_DEFAULT };

function inverse<K extends string>(map: Readonly<Record<K, number>>): ReadonlyMap<number, K> {
  return new Map(Object.entries(map).map(([k, v]) => [v as number, k as K]));
}
// The names by number, each made on its first use: a process that reads no route or address back
// (a cni-bridge ADD) makes none.
let scopeNames: ReadonlyMap<number, ScopeName> | undefined;
let typeNames: ReadonlyMap<number, RouteTypeName> | undefined;
let protocolNames: ReadonlyMap<number, ProtocolName> | undefined;
let tableNames: ReadonlyMap<number, TableName> | undefined;

export const scopeName = (n: number): ScopeName | number => (scopeNames ??= inverse(SCOPES)).get(n) ?? n;
export const routeTypeName = (n: number): RouteTypeName | number => (typeNames ??= inverse(ROUTE_TYPES)).get(n) ?? n;
export const protocolName = (n: number): ProtocolName | number => (protocolNames ??= inverse(PROTOCOLS)).get(n) ?? n;
export const tableName = (n: number): TableName | number => (tableNames ??= inverse(TABLES)).get(n) ?? n;

/** A name from `map`, or a number in [0, max]. */
export function lookup<K extends string>(map: Readonly<Record<K, number>>, value: K | number, field: string, max = 255): number {
  if (typeof value === 'number') {
    if (isIntegerIn(value, 0, max)) return value;
    throw new InvalidArgumentError(field, value, `is not a whole number from 0 to ${max}`);
  }
  // Own properties only: 'toString' or '__proto__' must not find Object.prototype's.
  if (typeof value !== 'string' || !Object.hasOwn(map, value)) {
    throw new InvalidArgumentError(field, value, `is not one of ${Object.keys(map).join(', ')} (or a number from 0 to ${max})`);
  }
  return (map as Record<string, number>)[value]!;
}
