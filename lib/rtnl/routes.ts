import { formatIP, formatIPv4Prefix, formatIPv6 } from '../../messages/attributes/ip-text.js';
import { AF_INET6 } from '../../messages/constants.js';
import type { DeviceOption } from '../../messages/link/index.js';
import { decodeMessageAt, type RouteMessage } from '../../messages/message.js';
import type { RouteBody } from '../../messages/route/index.js';
import { RTNH_F_ONLINK } from '../../messages/route/constants.js';
import { RouteScan, scanRoute } from '../../messages/route/scan.js';
import { Source } from '../../messages/source.js';
import { Stamped } from './stamped.js';
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
 *
 * Without `raw`, the Route is read from a frame (routeOfFrame): `raw` is an accessor (enumerable,
 * so keys, key order, spread, JSON and equality are a plain Route's) that decodes the message when
 * first read. A dump of 100,000 routes keeps them all: without the decoded message (a body, an
 * attributes object and its strings, about 250 bytes a route) the result is less than half the
 * size, and nearly every page of it is a page fault the dump pays for.
 */
interface RouteFields {
  new (family: Family, dst: string, dstLen: number, table: Route['table'], protocol: Route['protocol'], scope: Route['scope'], type: Route['type'], raw: RouteBody | undefined): Route;
}
const RouteFields = function (this: Route, family: Family, dst: string, dstLen: number, table: Route['table'], protocol: Route['protocol'], scope: Route['scope'], type: Route['type'], raw: RouteBody | undefined) {
  this.family = family;
  this.dst = dst;
  this.dstLen = dstLen;
  this.table = table;
  this.protocol = protocol;
  this.scope = scope;
  this.type = type;
  if (raw !== undefined) this.raw = raw;
  else Object.defineProperty(this, 'raw', RAW_OF_FRAME);
} as unknown as RouteFields;
RouteFields.prototype = Object.prototype;

/**
 * Where a Route read from a frame finds its message (a copy of the datagram, shared by the routes
 * of that datagram, and the frame's offset in it), and the message's body once decoded. Private
 * fields: no key, symbol or descriptor of the Route shows them.
 */
class RouteSource extends Stamped {
  /** The datagram's copy until the body is decoded, then the body (one field less a route than both). */
  #source: Uint8Array | RouteBody;
  #at: number;

  constructor(route: Route, datagram: Uint8Array, at: number) {
    super(route);
    this.#source = datagram;
    this.#at = at;
  }

  static body(route: object): RouteBody {
    const self = route as RouteSource;
    const source = self.#source;
    if (!(source instanceof Uint8Array)) return source;
    return (self.#source = (decodeMessageAt(new Source(source), self.#at) as RouteMessage).body);
  }
}

/** `raw` of every Route read from a frame: one getter and setter shared by all, so they share one hidden class. */
const RAW_OF_FRAME: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: Route): RouteBody {
    return RouteSource.body(this);
  },
  // Assigned, raw becomes the data property it is on every other Route (in the same place among the keys).
  set(this: Route, body: RouteBody): void {
    Object.defineProperty(this, 'raw', { value: body, writable: true, enumerable: true, configurable: true });
  },
};

const SCAN = new RouteScan();
// The datagram copy the last frame came from, as bytes and a view over all of it (frames are
// views of it): made once per datagram, not per frame.
let lastBuffer: ArrayBufferLike | undefined;
let datagram: Uint8Array = new Uint8Array(0);
let view: DataView = new DataView(datagram.buffer);

/**
 * The Route of one frame of a dump's reply (a view of the datagram's copy, nlmsghdr included, its
 * length checked by the frame walk), or undefined for a message that is not a route. Its fields
 * are read from the bytes and `raw` is decoded when first read; the whole message is checked now
 * as decodeMessages checks it, so a malformed one throws its NetlinkDecodeError (offsets in the
 * datagram) here, not at that first read. A message the scan does not cover (multipath, metrics,
 * an odd attribute width, not RTM_NEWROUTE) is decoded whole and made a Route by toRoute.
 */
export function routeOfFrame(frame: Uint8Array): Route | undefined {
  const buffer = frame.buffer;
  if (buffer !== lastBuffer) {
    lastBuffer = buffer;
    datagram = new Uint8Array(buffer);
    view = new DataView(buffer);
  }
  const start = frame.byteOffset;
  const s = SCAN;
  if (!scanRoute(view, start, start + frame.byteLength, s) || (s.dstLen !== 0 && s.dstAt < 0)) {
    const message = decodeMessageAt(new Source(datagram), start);
    return message.kind === 'route' ? toRoute(message.body) : undefined;
  }
  const b = datagram;
  const dst = s.dstLen === 0 ? 'default' : s.dstSize === 4 ? formatIPv4Prefix(b, s.dstAt, s.dstLen) : `${formatIPv6(b, s.dstAt)}/${s.dstLen}`;
  const table = tableName(s.tableId >= 0 ? s.tableId : s.table);
  const route = new RouteFields(s.family === AF_INET6 ? 6 : 4, dst, s.dstLen, table, protocolName(s.protocol), scopeName(s.scope), routeTypeName(s.type), undefined);
  new RouteSource(route, b, start);
  if (s.priority >= 0) route.metric = s.priority;
  if (s.prefsrcAt >= 0) route.src = formatIP(b, s.prefsrcAt, s.prefsrcSize);
  if (s.flags & RTNH_F_ONLINK) route.onlink = true;
  if (s.nhId >= 0) {
    route.nhid = s.nhId;
    return route;
  }
  if (s.gatewayAt >= 0) route.via = formatIP(b, s.gatewayAt, s.gatewaySize);
  if (s.oif >= 0) route.dev = s.oif;
  return route;
}

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
