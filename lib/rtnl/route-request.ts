/**
 * RTM_NEWROUTE and RTM_DELROUTE requests from RouteSpecs: checked once (checkRoute), then written
 * straight into a connection's send buffer (ROUTE_WRITER), with no message object between.
 */
import { AF_INET, AF_INET6, NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, RTM_DELROUTE, RTM_NEWROUTE } from '../../messages/constants.js';
import { RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_NOWHERE, RT_SCOPE_UNIVERSE } from '../../messages/address/constants.js';
import { beginFrame, endFrame } from '../../messages/framing.js';
import {
  RTA_DST, RTA_GATEWAY, RTA_METRICS, RTA_MULTIPATH, RTA_NH_ID, RTA_OIF, RTA_PREFSRC, RTA_PRIORITY, RTA_TABLE, RTAX_MTU, RTNH_F_ONLINK,
  RTN_ANYCAST, RTN_BLACKHOLE, RTN_BROADCAST, RTN_LOCAL, RTN_MULTICAST, RTN_PROHIBIT, RTN_THROW, RTN_UNICAST, RTN_UNREACHABLE,
  RTPROT_STATIC, RT_TABLE_MAIN,
} from '../../messages/route/constants.js';
import { ipv4Number } from '../../messages/attributes/ip-text.js';
import type { Writer } from '../../messages/writer.js';
import type { RequestWriter } from '../message-codec.js';
import { checkFamily, checkInteger, checkMtu, checkU32, InvalidArgumentError, parseAddress, parsePrefix, type Family } from '../validate.js';
import { deviceIndex, deviceText } from './device-ref.js';
import { lookup, PROTOCOLS, ROUTE_TYPES, SCOPES, TABLES } from './names.js';
import type { DeviceRef, RouteSpec } from './routes.js';
import { isIntegerIn } from '../../messages/checks.js';
import { plainIPv4Address, plainIPv4Prefix } from './plain-ipv4-prefix.js';

export type RouteKind = 'add' | 'replace' | 'append' | 'delete';

/** An address as a request carries it: IPv4 as a 32-bit number, IPv6 as 16 bytes. */
export type Address = number | Uint8Array;

const familyOf = (address: Address): Family => (typeof address === 'number' ? 4 : 6);

/** One next hop of a checked route; `ifindex` is 0 until a named device is resolved. */
export interface RouteHop {
  flags: number;
  hops: number;
  dev: DeviceRef | undefined;
  ifindex: number;
  gateway: Address | undefined;
}

/**
 * A RouteSpec checked once: the numbers and addresses of its request, devices by index once
 * resolved. checkRoute fills one in; the fields are only ever set there.
 */
export class RouteRequest {
  kind: RouteKind = 'add';
  spec: RouteSpec = { dst: 'default' };
  family: Family = 4;
  dstLen = 0;
  dst: Address | undefined = undefined;
  table = 0;
  protocol = 0;
  scope = 0;
  type = 0;
  onlink = false;
  gateway: Address | undefined = undefined;
  dev: DeviceRef | undefined = undefined;
  /** Output interface; 0 until a named `dev` is resolved. */
  oif = 0;
  priority: number | undefined = undefined;
  prefsrc: Address | undefined = undefined;
  mtu: number | undefined = undefined;
  nexthops: RouteHop[] | undefined = undefined;
  nhid: number | undefined = undefined;

  /** The device names to look up before the request can be written (none when every device is an index). */
  names(): string[] {
    const names: string[] = [];
    if (typeof this.dev === 'string') names.push(this.dev);
    if (this.nexthops) for (const hop of this.nexthops) if (typeof hop.dev === 'string') names.push(hop.dev);
    return names;
  }

  /** Fills in the indexes of named devices, once looked up. */
  resolve(indexes: ReadonlyMap<string, number>): void {
    if (typeof this.dev === 'string') this.oif = indexes.get(this.dev)!;
    if (this.nexthops) for (const hop of this.nexthops) if (typeof hop.dev === 'string') hop.ifindex = indexes.get(hop.dev)!;
  }
}

/** A device's index, or 0 for a name (checked when it is looked up: the kernel answers ENODEV for one it lacks). */
function indexOrName(dev: unknown, field: string): number {
  return typeof dev === 'string' ? 0 : deviceIndex(dev, field);
}

/**
 * An address of the route's family (if known yet). A dotted quad is read without allocating;
 * anything else goes through parseAddress, which also words the errors.
 */
function address(text: unknown, field: string, family: Family | undefined): Address {
  if (typeof text === 'string' && family !== 6) {
    const value = ipv4Number(text);
    if (value >= 0) return value;
  }
  const parsed = parseAddress(text, field);
  if (family !== undefined && parsed.family !== family) throw new InvalidArgumentError(field, text, `is IPv${parsed.family} but the route is IPv${family}`);
  return parsed.family === 4 ? ipv4Number(parsed.address) : parsed.bytes;
}

/** The network (host bits cleared) of the prefix plainIPv4Destination or the usual route read last. */
let prefixNetwork = 0;

/** plainIPv4Prefix (a bare address taken as /32), with prefixNetwork set from what it read. */
function plainIPv4Network(text: string): number {
  const length = plainIPv4Prefix(text, true);
  if (length >= 0) prefixNetwork = length === 0 ? 0 : (plainIPv4Address & (0xffffffff << (32 - length))) >>> 0;
  return length;
}

/** plainIPv4Network into `route`: false, with `route` untouched, when the text is not a plain IPv4 prefix. */
function plainIPv4Destination(text: string, route: RouteRequest): boolean {
  const length = plainIPv4Network(text);
  if (length < 0) return false;
  route.family = 4;
  route.dstLen = length;
  route.dst = prefixNetwork;
  return true;
}

/**
 * Any other destination prefix into `route` (parsePrefix reads it and words its errors): its network
 * (host bits cleared) and length (`/32` and `/128` when bare); the family is that of `family` if
 * given, which the prefix must match.
 */
function parsedDestination(text: string, family: Family | undefined, route: RouteRequest): void {
  const prefix = parsePrefix(text, 'dst', { allowBare: true });
  if (family !== undefined && family !== prefix.family) throw new InvalidArgumentError('family', family, `does not match dst ${text}`);
  const bytes = prefix.bytes;
  for (let bit = prefix.prefixlen; bit < bytes.length * 8; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  route.family = prefix.family;
  route.dstLen = prefix.prefixlen;
  route.dst = prefix.family === 4 ? ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0 : bytes;
}

/**
 * Checks `spec` for a request of `kind`, into `into` (a new RouteRequest by default; a writer that
 * writes at once reuses one); throws InvalidArgumentError naming the field.
 */
export function checkRoute(kind: RouteKind, spec: RouteSpec, into = new RouteRequest()): RouteRequest {
  if (typeof spec !== 'object' || spec === null) throw new InvalidArgumentError('route', spec, 'is not a route object');
  const dstText = spec.dst;
  if (typeof dstText !== 'string') throw new InvalidArgumentError('dst', dstText, "is not 'default' or a prefix like 10.0.1.0/24");
  const r = into;
  // Each field of the spec is read once (a read is an inline-cache call until the code is optimized).
  const familyGiven = spec.family;
  let family = familyGiven === undefined ? undefined : checkFamily(familyGiven);
  // The usual destination first: a plain IPv4 prefix is neither 'default' nor worth parsePrefix.
  if (family !== 6 && plainIPv4Destination(dstText, r)) {
    family = 4;
  } else {
    r.dst = undefined;
    r.dstLen = 0;
    if (dstText === 'default' || dstText.startsWith('default/')) {
      if (dstText !== 'default') throw new InvalidArgumentError('dst', dstText, "is 'default' with a prefix length: write 'default' alone or 0.0.0.0/0");
    } else {
      parsedDestination(dstText, family, r);
      family = r.family;
    }
  }
  // A default route without a family takes its gateway's (or its first next hop's), else IPv4.
  const via = spec.via;
  let gateway: Address | undefined;
  if (via !== undefined) {
    gateway = address(via, 'via', family);
    family = familyOf(gateway);
  }
  const nexthopSpecs = spec.nexthops;
  if (nexthopSpecs !== undefined) {
    if (!Array.isArray(nexthopSpecs) || nexthopSpecs.length === 0) throw new InvalidArgumentError('nexthops', nexthopSpecs, 'is not a non-empty array of next hops');
    if (via !== undefined) throw new InvalidArgumentError('via', via, 'cannot be combined with nexthops');
  }
  let nexthops: RouteHop[] | undefined;
  if (nexthopSpecs !== undefined) {
    nexthops = [];
    for (let i = 0; i < nexthopSpecs.length; i++) {
      const hop = nexthopSpecs[i]!;
      const field = `nexthops[${i}]`;
      const weight = hop.weight ?? 1;
      if (!isIntegerIn(weight, 1, 256)) throw new InvalidArgumentError(`${field}.weight`, hop.weight, 'is not a whole number from 1 to 256');
      let hopGateway: Address | undefined;
      if (hop.via !== undefined) {
        hopGateway = address(hop.via, `${field}.via`, family);
        family = familyOf(hopGateway);
      }
      const ifindex = hop.dev === undefined ? 0 : indexOrName(hop.dev, `${field}.dev`);
      nexthops.push({ flags: hop.onlink ? RTNH_F_ONLINK : 0, hops: weight - 1, dev: hop.dev, ifindex, gateway: hopGateway });
    }
  }
  family ??= 4;
  const dev = spec.dev;
  // A plain index (the usual case) is taken as it is; anything else is checked by indexOrName.
  const oif = dev === undefined ? 0 : typeof dev === 'number' && (dev | 0) === dev && dev > 0 ? dev : indexOrName(dev, 'dev');
  const tableGiven = spec.table;
  const table = tableGiven === undefined ? RT_TABLE_MAIN : lookup(TABLES, tableGiven, 'table', 0xffffffff);
  const metric = spec.metric;
  const priority = metric === undefined ? undefined : checkU32(metric, 'metric');
  const src = spec.src;
  const prefsrc = src === undefined ? undefined : address(src, 'src', family);
  const mtuGiven = spec.mtu;
  const mtu = mtuGiven === undefined ? undefined : checkMtu(mtuGiven);
  const nhidGiven = spec.nhid;
  if (nhidGiven !== undefined && (via !== undefined || nexthopSpecs !== undefined)) {
    throw new InvalidArgumentError('nhid', nhidGiven, 'cannot be combined with via or nexthops: the nexthop object says where to go');
  }
  const nhid = nhidGiven === undefined ? undefined : checkInteger(nhidGiven, 'nhid', 1, 0xffffffff);
  const typeGiven = spec.type;
  const type = typeGiven === undefined ? RTN_UNICAST : lookup(ROUTE_TYPES, typeGiven, 'type');
  const scopeGiven = spec.scope;
  const scope = scopeGiven === undefined ? defaultScope(kind, type, gateway !== undefined || nexthops !== undefined, dev !== undefined) : lookup(SCOPES, scopeGiven, 'scope');
  const protocolGiven = spec.protocol;
  const protocol = protocolGiven === undefined ? (kind === 'delete' ? 0 : RTPROT_STATIC) : lookup(PROTOCOLS, protocolGiven, 'protocol');
  r.kind = kind;
  r.spec = spec;
  r.family = family;
  r.table = table;
  r.protocol = protocol;
  r.scope = scope;
  r.type = kind === 'delete' && typeGiven === undefined ? 0 : type;
  r.onlink = spec.onlink === true;
  r.gateway = gateway;
  r.dev = dev;
  r.oif = oif;
  r.priority = priority;
  r.prefsrc = prefsrc;
  r.mtu = mtu;
  r.nexthops = nexthops;
  r.nhid = nhid;
  return r;
}

/** iproute2's defaults: a route with no gateway is scope link, a local route scope host. */
function defaultScope(kind: RouteKind, type: number, viaGateway: boolean, onDevice: boolean): number {
  if (kind === 'delete') return RT_SCOPE_NOWHERE;
  if (type === RTN_LOCAL) return RT_SCOPE_HOST;
  if (type === RTN_BROADCAST || type === RTN_MULTICAST || type === RTN_ANYCAST) return RT_SCOPE_LINK;
  if (type === RTN_BLACKHOLE || type === RTN_UNREACHABLE || type === RTN_PROHIBIT || type === RTN_THROW) return RT_SCOPE_UNIVERSE;
  if (!viaGateway && onDevice) return RT_SCOPE_LINK;
  return RT_SCOPE_UNIVERSE;
}

/** An address attribute: IPv4 (a number) in network order, IPv6 as its 16 bytes. */
export function attrAddress(w: Writer, type: number, value: Address): void {
  if (typeof value === 'number') {
    w.attrU32(type, value, true);
    return;
  }
  const at = w.beginAttr(type);
  w.bytes(value);
  w.endAttr(at);
}

/** Appends the request (nlmsghdr, rtmsg, attributes in the route table's order) to `w`. */
export function writeRoute(w: Writer, r: RouteRequest): void {
  writeRouteAs(w, r, nlmsgType(r.kind), nlmsgFlags(r.kind));
}

/** writeRoute with the nlmsghdr's type and flags for the route's kind given (by a writer of one kind). */
function writeRouteAs(w: Writer, r: RouteRequest, type: number, flags: number): void {
  const start = beginFrame(w, type, flags, 0, 0);
  // struct rtmsg, as three u32 (host order): family, dst_len, src_len 0, tos 0; table, protocol,
  // scope, type; flags.
  w.u32((r.family === 4 ? AF_INET : AF_INET6) | (r.dstLen << 8));
  w.u32((r.table < 256 ? r.table : 0) | (r.protocol << 8) | (r.scope << 16) | (r.type << 24));
  w.u32(r.onlink ? RTNH_F_ONLINK : 0);
  if (r.dst !== undefined) attrAddress(w, RTA_DST, r.dst);
  if (r.dev !== undefined) w.attrU32(RTA_OIF, r.oif);
  if (r.gateway !== undefined) attrAddress(w, RTA_GATEWAY, r.gateway);
  if (r.priority !== undefined) w.attrU32(RTA_PRIORITY, r.priority);
  if (r.prefsrc !== undefined) attrAddress(w, RTA_PREFSRC, r.prefsrc);
  if (r.mtu !== undefined) {
    const metrics = w.beginAttr(RTA_METRICS);
    w.attrU32(RTAX_MTU, r.mtu);
    w.endAttr(metrics);
  }
  if (r.nexthops !== undefined) {
    const multipath = w.beginAttr(RTA_MULTIPATH);
    for (const hop of r.nexthops) {
      // struct rtnexthop: rtnh_len (set below), flags, hops, ifindex; then its attributes.
      const at = w.length;
      w.u16(0);
      w.u8(hop.flags);
      w.u8(hop.hops);
      w.s32(hop.ifindex);
      if (hop.gateway !== undefined) attrAddress(w, RTA_GATEWAY, hop.gateway);
      w.setU16(at, w.length - at);
    }
    w.endAttr(multipath);
  }
  w.attrU32(RTA_TABLE, r.table);
  if (r.nhid !== undefined) w.attrU32(RTA_NH_ID, r.nhid);
  endFrame(w, start);
}

/** The first word of a whole attribute holding 32 bits (nla_len 8, nla_type), as RouteWriter.write sets it. */
const DST_WORD = 8 | (RTA_DST << 16);
const OIF_WORD = 8 | (RTA_OIF << 16);
const GATEWAY_WORD = 8 | (RTA_GATEWAY << 16);
const PRIORITY_WORD = 8 | (RTA_PRIORITY << 16);
const PREFSRC_WORD = 8 | (RTA_PREFSRC << 16);
const TABLE_WORD = 8 | (RTA_TABLE << 16);
const NH_ID_WORD = 8 | (RTA_NH_ID << 16);

/** An IPv4 address (first byte highest) as the host-order (little-endian) word that holds it in network order. */
export function networkWord(address: number): number {
  return ((address & 0xff) << 24) | ((address & 0xff00) << 8) | ((address >>> 8) & 0xff00) | (address >>> 24);
}

function nlmsgType(kind: RouteKind): number {
  return kind === 'delete' ? RTM_DELROUTE : RTM_NEWROUTE;
}

/** nlmsg_flags of a route change of `kind`. */
function nlmsgFlags(kind: RouteKind): number {
  return kind === 'add' ? NLM_F_CREATE | NLM_F_EXCL : kind === 'replace' ? NLM_F_CREATE | NLM_F_REPLACE : kind === 'append' ? NLM_F_CREATE | NLM_F_APPEND : 0;
}

/** How a route request is described in errors, like the `ip route` command that does the same. */
export function describeRoute(spec: RouteSpec): string {
  if (typeof spec !== 'object' || spec === null) return String(spec);
  const parts = [String(spec.dst)];
  if (spec.via) parts.push(`via ${spec.via}`);
  if (spec.dev !== undefined) parts.push(`dev ${deviceText(spec.dev)}`);
  if (spec.table !== undefined) parts.push(`table ${spec.table}`);
  if (spec.metric !== undefined) parts.push(`metric ${spec.metric}`);
  if (spec.nexthops) parts.push(spec.nexthops.map((h) => `nexthop${h.via ? ` via ${h.via}` : ''}${h.dev !== undefined ? ` dev ${deviceText(h.dev)}` : ''}`).join(' '));
  return parts.join(' ');
}

const OPERATION: Readonly<Record<RouteKind, string>> = {
  add: 'RTM_NEWROUTE',
  replace: 'RTM_NEWROUTE replace',
  append: 'RTM_NEWROUTE append',
  delete: 'RTM_DELROUTE',
};

/** rtmsg's second word for `kind` (table aside): protocol, scope and type as checkRoute sets them for a spec that gives none. */
function routeBits(kind: RouteKind, viaGateway: boolean, onDevice: boolean): number {
  return (kind === 'delete' ? 0 : RTPROT_STATIC << 8) | (defaultScope(kind, RTN_UNICAST, viaGateway, onDevice) << 16) | ((kind === 'delete' ? 0 : RTN_UNICAST) << 24);
}

/**
 * Route changes of one kind from specs whose devices are all indexes, checked and written in one
 * synchronous step (so one record serves every request). One class for every kind: a caller that
 * adds, then deletes, calls the same method on objects of the same shape.
 *
 * write() takes the usual route in its own body: IPv4 throughout, a destination that is 'default'
 * or a plain prefix, a gateway and source that are plain dotted quads, a device by index or Link,
 * a table and metric by number, at most a nexthop object's id, and no type, scope, protocol, mtu
 * or next hops (the kernel's defaults as checkRoute sets them). Each field is read once and the
 * words are set from locals: in a fresh process's first thousands of routes, before V8 optimises
 * it, every call, property load and store is a call into V8 (see bench/results/w1-2026-12-05-l.md).
 * Any other spec, or one that fails a check, goes to checkRoute, which reads it again and words
 * the error; the bytes are writeRouteAs's for the same request.
 */
export class RouteWriter implements RequestWriter<RouteSpec> {
  readonly operation: string;
  readonly kind: RouteKind;
  readonly plain = true;
  readonly #type: number;
  readonly #flags: number;
  /** nlmsghdr's second word: type, flags. */
  readonly #header: number;
  /** rtmsg's second word (table aside) for a route on a device with no gateway, and for any other. */
  readonly #onLink: number;
  readonly #other: number;
  readonly #scratch = new RouteRequest();

  constructor(kind: RouteKind) {
    this.kind = kind;
    this.#type = nlmsgType(kind);
    this.#flags = nlmsgFlags(kind);
    this.#header = this.#type | (this.#flags << 16);
    this.#onLink = routeBits(kind, false, true);
    this.#other = routeBits(kind, true, true);
    this.operation = OPERATION[kind];
  }

  write(w: Writer, spec: RouteSpec): void {
    const start = w.length;
    if (typeof spec !== 'object' || spec === null || (start & 3) !== 0) return this.#checked(w, spec);
    const family = spec.family;
    const dstText = spec.dst;
    if ((family !== undefined && family !== 4) || typeof dstText !== 'string') return this.#checked(w, spec);
    const hasDst = dstText !== 'default';
    let dstLen = 0;
    // The destination's network as the word that holds it in network order (plainIPv4Network and
    // networkWord written out: a call each in baseline code).
    let dstWord = 0;
    if (hasDst) {
      dstLen = plainIPv4Prefix(dstText, true);
      if (dstLen < 0) return this.#checked(w, spec);
      const network = dstLen === 0 ? 0 : plainIPv4Address & (0xffffffff << (32 - dstLen));
      dstWord = ((network & 0xff) << 24) | ((network & 0xff00) << 8) | ((network >>> 8) & 0xff00) | (network >>> 24);
    }
    const via = spec.via;
    let gateway = -1;
    if (via !== undefined && (typeof via !== 'string' || (gateway = ipv4Number(via)) < 0)) return this.#checked(w, spec);
    if (spec.nexthops !== undefined) return this.#checked(w, spec);
    const dev = spec.dev;
    let oif = -1;
    if (dev !== undefined) {
      if (typeof dev === 'number' && (dev | 0) === dev && dev > 0) oif = dev;
      else if (typeof dev === 'object' && dev !== null) oif = deviceIndex(dev, 'dev');
      else return this.#checked(w, spec);
    }
    const tableGiven = spec.table;
    const metric = spec.metric;
    const src = spec.src;
    let prefsrc = -1;
    // A whole number of 32 bits (0 to 0xffffffff) is what `x >>> 0 === x` leaves.
    if ((tableGiven !== undefined && (typeof tableGiven !== 'number' || tableGiven >>> 0 !== tableGiven)) || (metric !== undefined && (typeof metric !== 'number' || metric >>> 0 !== metric))) return this.#checked(w, spec);
    if (src !== undefined && (typeof src !== 'string' || (prefsrc = ipv4Number(src)) < 0)) return this.#checked(w, spec);
    const nhid = spec.nhid;
    if (spec.mtu !== undefined || (nhid !== undefined && (via !== undefined || typeof nhid !== 'number' || nhid >>> 0 !== nhid || nhid === 0))) return this.#checked(w, spec);
    if (spec.type !== undefined || spec.scope !== undefined || spec.protocol !== undefined) return this.#checked(w, spec);
    const table = tableGiven === undefined ? RT_TABLE_MAIN : tableGiven;
    const length = 36 + (hasDst ? 8 : 0) + (oif >= 0 ? 8 : 0) + (gateway >= 0 ? 8 : 0) + (metric !== undefined ? 8 : 0) + (prefsrc >= 0 ? 8 : 0) + (nhid !== undefined ? 8 : 0);
    // Writer.append and words() written out for a frame that fits the word array as it is (a call
    // each in baseline code); else append grows the buffer.
    let words: Uint32Array;
    if (start + length <= w.wordBytes) {
      words = w.wordArray!;
      w.length = start + length;
    } else {
      w.append(length);
      words = w.words();
    }
    let i = start >>> 2;
    // nlmsghdr (seq and port 0: the connection's to set), then struct rtmsg as writeRouteAs writes it.
    words[i] = length;
    words[i + 1] = this.#header;
    words[i + 2] = 0;
    words[i + 3] = 0;
    words[i + 4] = AF_INET | (dstLen << 8);
    words[i + 5] = (table < 256 ? table : 0) | (gateway < 0 && oif >= 0 ? this.#onLink : this.#other);
    words[i + 6] = spec.onlink === true ? RTNH_F_ONLINK : 0;
    i += 7;
    if (hasDst) {
      words[i] = DST_WORD;
      words[i + 1] = dstWord;
      i += 2;
    }
    if (oif >= 0) {
      words[i] = OIF_WORD;
      words[i + 1] = oif;
      i += 2;
    }
    if (gateway >= 0) {
      words[i] = GATEWAY_WORD;
      words[i + 1] = networkWord(gateway);
      i += 2;
    }
    if (metric !== undefined) {
      words[i] = PRIORITY_WORD;
      words[i + 1] = metric;
      i += 2;
    }
    if (prefsrc >= 0) {
      words[i] = PREFSRC_WORD;
      words[i + 1] = networkWord(prefsrc);
      i += 2;
    }
    words[i] = TABLE_WORD;
    words[i + 1] = table;
    if (nhid !== undefined) {
      words[i + 2] = NH_ID_WORD;
      words[i + 3] = nhid;
    }
  }

  /** Any spec: checked by checkRoute (which throws what it refuses), then written by writeRouteAs. */
  #checked(w: Writer, spec: RouteSpec): void {
    writeRouteAs(w, checkRoute(this.kind, spec, this.#scratch), this.#type, this.#flags);
  }

  describe(spec: RouteSpec): string {
    return `${this.operation} ${describeRoute(spec)}`;
  }
}

/** Route changes from specs whose devices are all indexes, checked and written in one step. */
export const ROUTE_WRITERS: Readonly<Record<RouteKind, RouteWriter>> = {
  add: new RouteWriter('add'),
  replace: new RouteWriter('replace'),
  append: new RouteWriter('append'),
  delete: new RouteWriter('delete'),
};

/** Route changes already checked, their named devices resolved. */
export const CHECKED_ROUTE_WRITER: RequestWriter<RouteRequest> = {
  operation: 'RTM_NEWROUTE',
  plain: true,
  write: writeRoute,
  describe: (r) => `${OPERATION[r.kind]} ${describeRoute(r.spec)}`,
};
