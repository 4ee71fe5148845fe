import type { Codec } from '../attributes/codec.js';
import { ip } from '../attributes/addresses.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../attributes/ip-text.js';
import { bytes, u16, u16be, u32, u32be, u8 } from '../attributes/scalars.js';
import { checkRecord, checkU16 } from '../checks.js';
import { InvalidArgumentError } from '../errors.js';
import * as C from '../struct.js';
import { attr, defineTable, type ValuesOf } from '../attributes/table.js';
import { headerWithAttributes, type FixedHeader, type HeaderWithAttributes } from '../fixed-header.js';
import { AF_INET, AF_INET6 } from '../constants.js';
import {
  RTA_CACHEINFO,
  RTA_DPORT,
  RTA_DST,
  RTA_ENCAP,
  RTA_ENCAP_TYPE,
  RTA_EXPIRES,
  RTA_FLOW,
  RTA_FLOWLABEL,
  RTA_GATEWAY,
  RTA_IIF,
  RTA_IP_PROTO,
  RTA_MARK,
  RTA_METRICS,
  RTA_MFC_STATS,
  RTA_MULTIPATH,
  RTA_NEWDST,
  RTA_NH_ID,
  RTA_OIF,
  RTA_PREF,
  RTA_PREFSRC,
  RTA_PRIORITY,
  RTA_SPORT,
  RTA_SRC,
  RTA_TABLE,
  RTA_TTL_PROPAGATE,
  RTA_UID,
  RTA_VIA,
} from './constants.js';
import { metrics } from './metrics.js';
import { multipath, type Nexthop } from './multipath.js';

export * from './constants.js';
/** rtm_scope values; defined once, with ifa_scope, in messages/address/constants.ts. */
export { RT_SCOPE_UNIVERSE, RT_SCOPE_SITE, RT_SCOPE_LINK, RT_SCOPE_HOST, RT_SCOPE_NOWHERE } from '../address/constants.js';
export { metricsAttributes, type RouteMetrics } from './metrics.js';
export type { Nexthop } from './multipath.js';

/** struct rtvia: a next hop of another address family (IPv6 next hop of an IPv4 route, MPLS). */
export interface RouteVia {
  family: number;
  /** Canonical text for AF_INET (4 bytes) and AF_INET6 (16 bytes); the raw bytes otherwise. */
  addr: string | Uint8Array;
}

const via: Codec<RouteVia> = {
  label: 'rtvia',
  shape: 'value',
  nestedFlag: false,
  decode(src, start, end) {
    src.expectAtLeast(start, end, 2, 'rtvia');
    const family = src.view.getUint16(start, true);
    const n = end - start - 2;
    let addr: string | Uint8Array;
    if (family === AF_INET && n === 4) addr = formatIPv4(src.bytes, start + 2);
    else if (family === AF_INET6 && n === 16) addr = formatIPv6(src.bytes, start + 2);
    else addr = src.bytes.slice(start + 2, end);
    return { family, addr };
  },
  encode(w, value, field) {
    const { addr } = checkRecord(value, field, 'an rtvia { family, addr }');
    const family = checkU16(value.family, `${field}.family`);
    let raw: Uint8Array | undefined;
    if (addr instanceof Uint8Array) raw = addr;
    else if (typeof addr === 'string' && family === AF_INET) raw = parseIPv4(addr);
    else if (typeof addr === 'string' && family === AF_INET6) raw = parseIPv6(addr);
    if (!raw) {
      const expected = family === AF_INET ? 'an IPv4 address' : family === AF_INET6 ? 'an IPv6 address' : 'a Uint8Array';
      throw new InvalidArgumentError(`${field}.addr`, addr, `is not ${expected} (family ${family})`);
    }
    w.u16(family);
    w.bytes(raw);
  },
};

/**
 * RTA_EXPIRES: a u32 in clock ticks when set on an IPv6 route; multicast route dumps send it as a u64.
 * Both decode to a number; encoding writes a u32 (what the kernel reads).
 */
const expires: Codec<number> = {
  label: 'u32 or u64',
  shape: 'value',
  nestedFlag: false,
  decode(src, start, end) {
    if (end - start === 8) return Number(src.view.getBigUint64(start, true));
    return u32.decode(src, start, end, {});
  },
  encode: u32.encode,
};

/** RTA_ENCAP: lightweight tunnel attributes whose meaning depends on RTA_ENCAP_TYPE, kept as bytes. */
const encap: Codec<Uint8Array> = { ...bytes, label: 'encap attributes', nestedFlag: true };

/** struct rta_cacheinfo (RTA_CACHEINFO): the route cache entry's counters and expiry. */
export const rtaCacheinfo = C.struct('rta_cacheinfo', [
  C.u32('clntref'),
  C.u32('lastuse'),
  C.s32('expires'),
  C.u32('error'),
  C.u32('used'),
  C.u32('id'),
  C.u32('ts'),
  C.u32('tsage'),
]);

/** struct rta_mfc_stats (RTA_MFC_STATS): a multicast route's counters. */
export const rtaMfcStats = C.u64Struct('rta_mfc_stats', ['packets', 'bytes', 'wrongIf']);

/** A next hop of RTA_MULTIPATH; its attrs are route attributes (gateway, via, encap, flow ...). */
export type RouteNexthop = Nexthop<RouteAttrs>;

const multipathCodec: Codec<RouteNexthop[]> = multipath<RouteAttrs>(() => routeAttributes);

/** The RTA_* attribute table: each attribute's number, kernel name, field name and codec. */
export const routeAttributes = defineTable('RTA', () => [
  attr(RTA_DST, 'RTA_DST', 'dst', ip),
  attr(RTA_SRC, 'RTA_SRC', 'src', ip),
  attr(RTA_IIF, 'RTA_IIF', 'iif', u32),
  attr(RTA_OIF, 'RTA_OIF', 'oif', u32),
  attr(RTA_GATEWAY, 'RTA_GATEWAY', 'gateway', ip),
  attr(RTA_PRIORITY, 'RTA_PRIORITY', 'priority', u32),
  attr(RTA_PREFSRC, 'RTA_PREFSRC', 'prefsrc', ip),
  attr(RTA_METRICS, 'RTA_METRICS', 'metrics', metrics),
  attr(RTA_MULTIPATH, 'RTA_MULTIPATH', 'multipath', multipathCodec),
  attr(RTA_FLOW, 'RTA_FLOW', 'flow', u32),
  attr(RTA_CACHEINFO, 'RTA_CACHEINFO', 'cacheinfo', rtaCacheinfo),
  attr(RTA_TABLE, 'RTA_TABLE', 'table', u32),
  attr(RTA_MARK, 'RTA_MARK', 'mark', u32),
  attr(RTA_MFC_STATS, 'RTA_MFC_STATS', 'mfcStats', rtaMfcStats),
  attr(RTA_VIA, 'RTA_VIA', 'via', via),
  attr(RTA_NEWDST, 'RTA_NEWDST', 'newdst', bytes),
  attr(RTA_PREF, 'RTA_PREF', 'pref', u8),
  attr(RTA_ENCAP_TYPE, 'RTA_ENCAP_TYPE', 'encapType', u16),
  attr(RTA_ENCAP, 'RTA_ENCAP', 'encap', encap),
  attr(RTA_EXPIRES, 'RTA_EXPIRES', 'expires', expires),
  attr(RTA_UID, 'RTA_UID', 'uid', u32),
  attr(RTA_TTL_PROPAGATE, 'RTA_TTL_PROPAGATE', 'ttlPropagate', u8),
  attr(RTA_IP_PROTO, 'RTA_IP_PROTO', 'ipProto', u8),
  attr(RTA_SPORT, 'RTA_SPORT', 'sport', u16be),
  attr(RTA_DPORT, 'RTA_DPORT', 'dport', u16be),
  attr(RTA_NH_ID, 'RTA_NH_ID', 'nhId', u32),
  attr(RTA_FLOWLABEL, 'RTA_FLOWLABEL', 'flowlabel', u32be),
]);

/** The decoded RTA_* attributes: one field per attribute of the table, named as the table names it. */
export type RouteAttrs = ValuesOf<typeof routeAttributes>;

/** struct rtmsg: eight u8 fields then rtm_flags. */
export const rtmsg: FixedHeader<RouteHeader> = C.struct(
  'rtmsg',
  [
    C.u8('family'),
    C.u8('dstLen'),
    C.u8('srcLen'),
    C.u8('tos'),
    C.u8('table'),
    C.u8('protocol'),
    C.u8('scope'),
    C.u8('type'),
    C.u32('flags'), // RTM_F_*
  ],
  { zeroAbsent: true },
);

/** The fixed header of route (RTM_*ROUTE) messages (struct rtmsg), field by field. */
export interface RouteHeader {
  family: number;
  dstLen: number;
  srcLen: number;
  tos: number;
  /** rtm_table: the table id when below 256 (RT_TABLE_*); larger ids are in attrs.table (RTA_TABLE). */
  table: number;
  protocol: number;
  scope: number;
  type: number;
  flags: number;
}

/** A route (RTM_*ROUTE) message body: the fixed header's fields, and `attrs`. */
export type RouteBody = HeaderWithAttributes<RouteHeader, RouteAttrs>;

/** The codec of a route (RTM_*ROUTE) message body (fixed header, then attributes). */
export const routeBody = headerWithAttributes<RouteHeader, RouteAttrs>(rtmsg, routeAttributes);

