import type { Codec } from '../attributes/codec.js';
import { ip } from '../attributes/addresses.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../attributes/ip-text.js';
import { bytes, describe, u16, u16be, u32, u32be, u8 } from '../attributes/scalars.js';
import { struct, u64Struct } from '../attributes/structs.js';
import { attr, defineTable, type ValuesOf } from '../attributes/table.js';
import { headerWithAttributes, type FixedHeader, type HeaderWithAttributes } from '../fixed-header.js';
import { AF_INET, AF_INET6 } from '../constants.js';
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
    if (typeof value !== 'object' || value === null) throw new TypeError(`${field}: expected { family, addr }, got ${describe(value)}`);
    const { family, addr } = value;
    if (typeof family !== 'number' || !Number.isInteger(family)) throw new TypeError(`${field}.family: expected an integer, got ${describe(family)}`);
    if (family < 0 || family > 0xffff) throw new RangeError(`${field}.family: ${family} is out of range 0..65535`);
    let raw: Uint8Array | undefined;
    if (addr instanceof Uint8Array) raw = addr;
    else if (typeof addr === 'string' && family === AF_INET) raw = parseIPv4(addr);
    else if (typeof addr === 'string' && family === AF_INET6) raw = parseIPv6(addr);
    if (!raw) {
      const expected = family === AF_INET ? 'an IPv4 address' : family === AF_INET6 ? 'an IPv6 address' : 'a Uint8Array';
      throw new TypeError(`${field}.addr: ${describe(addr)} is not ${expected} (family ${family})`);
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

export const rtaCacheinfo = struct('rta_cacheinfo', {
  clntref: 'u32',
  lastuse: 'u32',
  expires: 's32',
  error: 'u32',
  used: 'u32',
  id: 'u32',
  ts: 'u32',
  tsage: 'u32',
});

export const rtaMfcStats = u64Struct('rta_mfc_stats', ['packets', 'bytes', 'wrongIf']);

/** A next hop of RTA_MULTIPATH; its attrs are route attributes (gateway, via, encap, flow ...). */
export type RouteNexthop = Nexthop<RouteAttrs>;

const multipathCodec: Codec<RouteNexthop[]> = multipath<RouteAttrs>(() => routeAttributes);

export const routeAttributes = defineTable('RTA', [
  attr(1, 'RTA_DST', 'dst', ip),
  attr(2, 'RTA_SRC', 'src', ip),
  attr(3, 'RTA_IIF', 'iif', u32),
  attr(4, 'RTA_OIF', 'oif', u32),
  attr(5, 'RTA_GATEWAY', 'gateway', ip),
  attr(6, 'RTA_PRIORITY', 'priority', u32),
  attr(7, 'RTA_PREFSRC', 'prefsrc', ip),
  attr(8, 'RTA_METRICS', 'metrics', metrics),
  attr(9, 'RTA_MULTIPATH', 'multipath', multipathCodec),
  attr(11, 'RTA_FLOW', 'flow', u32),
  attr(12, 'RTA_CACHEINFO', 'cacheinfo', rtaCacheinfo),
  attr(15, 'RTA_TABLE', 'table', u32),
  attr(16, 'RTA_MARK', 'mark', u32),
  attr(17, 'RTA_MFC_STATS', 'mfcStats', rtaMfcStats),
  attr(18, 'RTA_VIA', 'via', via),
  attr(19, 'RTA_NEWDST', 'newdst', bytes),
  attr(20, 'RTA_PREF', 'pref', u8),
  attr(21, 'RTA_ENCAP_TYPE', 'encapType', u16),
  attr(22, 'RTA_ENCAP', 'encap', encap),
  attr(23, 'RTA_EXPIRES', 'expires', expires),
  attr(25, 'RTA_UID', 'uid', u32),
  attr(26, 'RTA_TTL_PROPAGATE', 'ttlPropagate', u8),
  attr(27, 'RTA_IP_PROTO', 'ipProto', u8),
  attr(28, 'RTA_SPORT', 'sport', u16be),
  attr(29, 'RTA_DPORT', 'dport', u16be),
  attr(30, 'RTA_NH_ID', 'nhId', u32),
  attr(31, 'RTA_FLOWLABEL', 'flowlabel', u32be),
]);

export type RouteAttrs = ValuesOf<typeof routeAttributes>;

const RTMSG_BYTES = ['family', 'dstLen', 'srcLen', 'tos', 'table', 'protocol', 'scope', 'type'] as const;

function headerField(value: unknown, max: number, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`${field}: expected an integer, got ${describe(value)}`);
  if (value < 0 || value > max) throw new RangeError(`${field}: ${value} is out of range 0..${max}`);
  return value;
}

/**
 * struct rtmsg: eight u8 fields then rtm_flags (u32). Route dumps are the hot path, so this is
 * written out by hand: decoding reads the 12 bytes into one object literal (a single hidden class),
 * encoding validates each field (TypeError/RangeError naming it) and writes it; absent fields are 0.
 */
export const rtmsg: FixedHeader<RouteHeader> = {
  name: 'rtmsg',
  size: 12,
  decode(src, at, end) {
    if (end - at < 12) throw src.error(at, `rtmsg needs 12 bytes, the message has ${end - at}`);
    const b = src.bytes;
    return {
      family: b[at]!,
      dstLen: b[at + 1]!,
      srcLen: b[at + 2]!,
      tos: b[at + 3]!,
      table: b[at + 4]!,
      protocol: b[at + 5]!,
      scope: b[at + 6]!,
      type: b[at + 7]!,
      flags: src.view.getUint32(at + 8, true),
    };
  },
  encode(w, value, path) {
    const record = value as unknown as Record<string, unknown>;
    for (let i = 0; i < RTMSG_BYTES.length; i++) {
      const name = RTMSG_BYTES[i]!;
      w.u8(headerField(record[name] ?? 0, 0xff, `${path}.${name}`));
    }
    w.u32(headerField(record.flags ?? 0, 0xffffffff, `${path}.flags`));
  },
};

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

export type RouteBody = HeaderWithAttributes<RouteHeader, RouteAttrs>;

export const routeBody = headerWithAttributes<RouteHeader, RouteAttrs>(rtmsg, routeAttributes);

