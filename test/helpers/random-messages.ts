/**
 * Generators of random, valid, user-level netlink messages for property tests. Every value is one
 * the encoders accept and the decoders give back unchanged: IP addresses in canonical text
 * (formatted here independently of the library), MACs in lowercase, only fields the decoder
 * produces, `unknown` only when non-empty, extended ACKs only with NLM_F_ACK_TLVS.
 */
import { kindOfType, type NetlinkMessage, type MessageKind } from '../../messages/message.js';
import type { AttrTable } from '../../messages/attributes/table.js';
import { linkAttributes, linkKinds, linkSlaveKinds } from '../../messages/link/attributes.js';
import { bridgeQuerierAttributes } from '../../messages/link/kinds/bridge.js';
import { addressAttributes } from '../../messages/address/index.js';
import { routeAttributes } from '../../messages/route/index.js';
import { metricsAttributes } from '../../messages/route/metrics.js';
import { neighborAttributes } from '../../messages/neighbor/index.js';
import { nsidAttributes } from '../../messages/nsid/index.js';
import { nexthopAttributes, resilientGroupAttributes } from '../../messages/nexthop/index.js';
import { extAckAttributes } from '../../messages/control/ext-ack.js';
import type { Random } from './random-source.js';
import { cstring, flag, s32, u16, u16be, u32, u32be, u64, u8 } from '../../messages/attributes/scalars.js';
import { ipv4, ipv6, mac } from '../../messages/attributes/addresses.js';
import { STRUCT_FIELD_RANGES } from '../../messages/struct-source.js';
import type { Struct } from '../../messages/struct.js';

type Obj = Record<string, unknown>;

const AF_INET = 2;
const AF_BRIDGE = 7;
const AF_INET6 = 10;
const NLM_F_CAPPED = 0x100;
const NLM_F_ACK_TLVS = 0x200;
const NLA_F_NESTED = 0x8000;
const NLA_F_NET_BYTEORDER = 0x4000;

/** Message kinds these generators produce. */
export const GENERATED_KINDS = ['link', 'address', 'route', 'neighbor', 'nsid', 'nexthop', 'error', 'done', 'unknown'] as const;
export type GeneratedKind = (typeof GENERATED_KINDS)[number];

// ---------------------------------------------------------------- values

/** An IPv4 address in dotted-quad text. */
export function randomIPv4(r: Random): string {
  return [r.u8(), r.u8(), r.u8(), r.u8()].join('.');
}

/**
 * RFC 5952 text of 16 bytes, written here independently of the library: lowercase, no leading
 * zeros, the longest run of two or more zero words compressed (the first on a tie), and
 * IPv4-mapped addresses (::ffff:0:0/96) in mixed notation.
 */
export function canonicalIPv6(b: Uint8Array): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push(b[2 * i]! * 256 + b[2 * i + 1]!);
  if (w.slice(0, 5).every((x) => x === 0) && w[5] === 0xffff) return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i >= 2 && j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    if (j > i) i = j - 1;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(w);
  return `${hex(w.slice(0, best))}::${hex(w.slice(best + bestLen))}`;
}

/** An IPv6 address in canonical text, with many zero words so that compression is exercised. */
export function randomIPv6(r: Random): string {
  const b = new Uint8Array(16);
  const style = r.int(0, 9);
  if (style === 0) {
    // IPv4-mapped
    b[10] = 0xff;
    b[11] = 0xff;
    for (let i = 12; i < 16; i++) b[i] = r.u8();
  } else if (style === 1) {
    // all zeros or a single low word (::, ::1)
    b[15] = r.pick([0, 1, r.u8()]);
  } else {
    for (let i = 0; i < 8; i++) {
      if (r.bool(0.45)) continue;
      const word = r.bool(0.3) ? r.int(1, 0xff) : r.int(1, 0xffff);
      b[2 * i] = word >> 8;
      b[2 * i + 1] = word & 0xff;
    }
  }
  return canonicalIPv6(b);
}

export function randomIP(r: Random, family: number): string {
  return family === AF_INET6 ? randomIPv6(r) : randomIPv4(r);
}

/** A lowercase colon-separated MAC of `octets` bytes. */
export function randomMac(r: Random, octets = 6): string {
  return Array.from(r.bytes(octets), (x) => x.toString(16).padStart(2, '0')).join(':');
}

const NAME_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.@+';

/** An interface name: 1-15 printable ASCII bytes without '/', ':' or whitespace. */
export function randomIfname(r: Random): string {
  const n = r.int(1, 15);
  let s = '';
  for (let i = 0; i < n; i++) s += NAME_CHARS[r.int(0, NAME_CHARS.length - 1)]!;
  return s;
}

/** Free text without NUL (ASCII mostly, some non-ASCII BMP characters outside the surrogates). */
export function randomText(r: Random, maxLength: number): string {
  const n = r.int(0, maxLength);
  let s = '';
  for (let i = 0; i < n; i++) {
    s += r.bool(0.9) ? String.fromCharCode(r.int(0x20, 0x7e)) : String.fromCharCode(r.pick([r.int(0xa0, 0x7ff), r.int(0x800, 0xd7ff)]));
  }
  return s;
}

function maybe(r: Random, target: Obj, key: string, make: () => unknown, p = 0.5): void {
  if (r.bool(p)) target[key] = make();
}

// ---------------------------------------------------------------- unknown attributes

/**
 * 0-3 attributes the table has no entry for: a number in 0..0x3fff not in the table, random
 * NLA_F_NESTED / NLA_F_NET_BYTEORDER bits, 0-40 random bytes. Added as `attrs.unknown` when any.
 */
export function addUnknown(r: Random, table: AttrTable<unknown>, attrs: Obj, p = 0.3): Obj {
  if (!r.bool(p)) return attrs;
  const count = r.int(1, 3);
  const list: Array<{ type: number; data: Uint8Array }> = [];
  for (let i = 0; i < count; i++) {
    let n: number;
    do n = r.bool(0.5) ? r.int(0, 80) : r.int(0, 0x3fff);
    while (table.byType[n] !== undefined);
    const type = n | (r.bool(0.3) ? NLA_F_NESTED : 0) | (r.bool(0.2) ? NLA_F_NET_BYTEORDER : 0);
    list.push({ type, data: r.bytes(r.int(0, 40)) });
  }
  attrs.unknown = list;
  return attrs;
}

// ---------------------------------------------------------------- link

function randomIfinfo(r: Random, family: number): Obj {
  return { family, type: r.uint(16), index: r.s32(), flags: r.uint(32), change: r.uint(32) };
}

const vethTable = (linkKinds as unknown as Record<string, AttrTable<unknown>>).veth!;
const bridgeTable = (linkKinds as unknown as Record<string, AttrTable<unknown>>).bridge!;
const vxlanTable = (linkKinds as unknown as Record<string, AttrTable<unknown>>).vxlan!;
const bridgePortTable = (linkSlaveKinds as unknown as Record<string, AttrTable<unknown>>).bridge!;
const linkTable = linkAttributes as AttrTable<unknown>;

// The IFLA_INFO table of the decoder: kind, data, xstats, slaveKind, slaveData (numbers 1..5).
const linkinfoTable = { space: 'IFLA_INFO', specs: [], byType: [undefined, {}, {}, {}, {}, {}] } as unknown as AttrTable<unknown>;

function randomBridgeData(r: Random): Obj {
  const d: Obj = {};
  maybe(r, d, 'forwardDelay', () => r.uint(32));
  maybe(r, d, 'helloTime', () => r.uint(32));
  maybe(r, d, 'maxAge', () => r.uint(32));
  maybe(r, d, 'ageingTime', () => r.uint(32));
  maybe(r, d, 'stpState', () => r.int(0, 1));
  maybe(r, d, 'priority', () => r.uint(16));
  maybe(r, d, 'vlanFiltering', () => r.int(0, 1));
  maybe(r, d, 'vlanProtocol', () => r.pick([0x8100, 0x88a8, r.uint(16)]));
  maybe(r, d, 'groupFwdMask', () => r.uint(16));
  maybe(r, d, 'rootId', () => ({ priority: r.uint(16), address: randomMac(r) }));
  maybe(r, d, 'bridgeId', () => ({ priority: r.uint(16), address: randomMac(r) }));
  maybe(r, d, 'rootPort', () => r.uint(16));
  maybe(r, d, 'helloTimer', () => r.u64());
  maybe(r, d, 'groupAddr', () => randomMac(r));
  maybe(r, d, 'fdbFlush', () => true, 0.2);
  maybe(r, d, 'mcastSnooping', () => r.int(0, 1));
  maybe(r, d, 'mcastQueryIntvl', () => r.u64());
  maybe(r, d, 'vlanDefaultPvid', () => r.int(0, 4094));
  maybe(r, d, 'mcastIgmpVersion', () => r.int(2, 3));
  maybe(r, d, 'multiBoolopt', () => ({ optval: r.uint(32), optmask: r.uint(32) }));
  maybe(r, d, 'mcastQuerierState', () => {
    const q: Obj = {};
    maybe(r, q, 'ipAddress', () => randomIPv4(r));
    maybe(r, q, 'ipPort', () => r.uint(32));
    maybe(r, q, 'ipOtherTimer', () => r.u64());
    maybe(r, q, 'ipv6Address', () => randomIPv6(r));
    return addUnknown(r, bridgeQuerierAttributes as AttrTable<unknown>, q);
  }, 0.3);
  maybe(r, d, 'fdbMaxLearned', () => r.uint(32));
  return addUnknown(r, bridgeTable, d);
}

function randomVxlanData(r: Random): Obj {
  const d: Obj = {};
  maybe(r, d, 'id', () => r.int(0, 0xffffff), 0.8);
  maybe(r, d, 'group', () => randomIPv4(r));
  maybe(r, d, 'link', () => r.uint(32));
  maybe(r, d, 'local', () => randomIPv4(r));
  maybe(r, d, 'ttl', () => r.uint(8));
  maybe(r, d, 'tos', () => r.uint(8));
  maybe(r, d, 'learning', () => r.int(0, 1));
  maybe(r, d, 'ageing', () => r.uint(32));
  maybe(r, d, 'portRange', () => ({ low: r.uint(16), high: r.uint(16) }), 0.3);
  maybe(r, d, 'port', () => r.pick([4789, 8472, r.uint(16)]));
  maybe(r, d, 'group6', () => randomIPv6(r), 0.3);
  maybe(r, d, 'local6', () => randomIPv6(r), 0.3);
  maybe(r, d, 'udpCsum', () => r.int(0, 1));
  maybe(r, d, 'gbp', () => true, 0.2);
  maybe(r, d, 'label', () => r.int(0, 0xfffff), 0.3);
  maybe(r, d, 'ttlInherit', () => true, 0.2);
  maybe(r, d, 'df', () => r.int(0, 2));
  maybe(r, d, 'reservedBits', () => r.bytes(8), 0.2);
  return addUnknown(r, vxlanTable, d);
}

function randomBridgePortData(r: Random): Obj {
  const d: Obj = {};
  maybe(r, d, 'state', () => r.int(0, 4));
  maybe(r, d, 'priority', () => r.uint(16));
  maybe(r, d, 'cost', () => r.uint(32));
  maybe(r, d, 'learning', () => r.int(0, 1));
  maybe(r, d, 'rootId', () => ({ priority: r.uint(16), address: randomMac(r) }));
  maybe(r, d, 'messageAgeTimer', () => r.u64());
  maybe(r, d, 'flush', () => true, 0.2);
  maybe(r, d, 'backupPort', () => r.uint(32));
  return addUnknown(r, bridgePortTable, d);
}

function randomLinkAttrs(r: Random, depth: number): Obj {
  const a: Obj = {};
  maybe(r, a, 'ifname', () => randomIfname(r), 0.8);
  maybe(r, a, 'mtu', () => r.uint(32));
  maybe(r, a, 'address', () => randomMac(r));
  maybe(r, a, 'broadcast', () => randomMac(r), 0.2);
  maybe(r, a, 'txqlen', () => r.uint(32));
  maybe(r, a, 'master', () => r.uint(32), 0.3);
  maybe(r, a, 'operstate', () => r.int(0, 6), 0.3);
  maybe(r, a, 'group', () => r.uint(32), 0.2);
  maybe(r, a, 'netNsFd', () => r.uint(32), 0.2);
  maybe(r, a, 'netNsPid', () => r.uint(32), 0.1);
  maybe(r, a, 'linkNetnsid', () => r.s32(), 0.1);
  maybe(r, a, 'altIfname', () => randomText(r, 40).replace(/\s/g, '_'), 0.1);
  if (depth === 0) maybe(r, a, 'linkinfo', () => randomLinkinfo(r), 0.7);
  return addUnknown(r, linkTable, a);
}

/**
 * Attributes of `table` with random values, for the scalar codecs (numbers, flags, addresses,
 * strings, declared structs): what a kind without a generator of its own gets. Attributes of other
 * codecs (nested sets, custom ones) are left out.
 */
function randomTableData(r: Random, table: AttrTable<unknown>): Obj {
  const d: Obj = {};
  for (const spec of table.specs) {
    const make = scalarValue(spec.codec);
    if (make) maybe(r, d, spec.name, () => (spec.repeated ? Array.from({ length: r.int(1, 3) }, () => make(r)) : make(r)));
  }
  return addUnknown(r, table, d);
}

const SCALARS = new Map<unknown, (r: Random) => unknown>([
  [u8, (r) => r.uint(8)],
  [u16, (r) => r.uint(16)],
  [u32, (r) => r.uint(32)],
  [s32, (r) => r.s32()],
  [u16be, (r) => r.uint(16)],
  [u32be, (r) => r.uint(32)],
  [u64, (r) => r.u64()],
  [flag, () => true],
  [ipv4, (r) => randomIPv4(r)],
  [ipv6, (r) => randomIPv6(r)],
  [mac, (r) => randomMac(r)],
  [cstring, (r) => randomText(r, 20)],
]);

function scalarValue(codec: unknown): ((r: Random) => unknown) | undefined {
  const known = SCALARS.get(codec);
  if (known) return known;
  const struct = codec as Partial<Struct<Obj>>;
  if (!Array.isArray(struct.fields) || !struct.layout) return undefined;
  return (r) => {
    const value: Obj = {};
    for (const f of struct.fields!) {
      if (f.type === 'pad') continue;
      const [min, max] = f.type === 'u64' ? [0, 0] : STRUCT_FIELD_RANGES[f.type]!;
      value[f.name] = f.type === 'u64' ? r.u64() : r.int(min, max);
    }
    return value;
  };
}

/** Kinds with a generator of their own; every other kind of the registry gets randomTableData. */
const KIND_DATA: Record<string, (r: Random) => Obj> = {
  bridge: randomBridgeData,
  vxlan: randomVxlanData,
};

const TABLE_KINDS = Object.keys(linkKinds).filter((k) => k !== 'veth');
const RAW_KINDS = ['dummy', 'ipvlan', 'ipip', 'geneve'].filter((k) => !Object.hasOwn(linkKinds, k));

function randomLinkinfo(r: Random): Obj {
  const info: Obj = {};
  switch (r.int(0, 3)) {
    case 0: {
      info.kind = 'veth';
      const data: Obj = {};
      if (r.bool(0.8)) {
        const peer = randomIfinfo(r, 0);
        const attrs = randomLinkAttrs(r, 1);
        if (r.bool(0.5)) attrs.netNsFd = r.uint(32);
        peer.attrs = attrs;
        data.peer = peer;
      }
      info.data = addUnknown(r, vethTable, data);
      break;
    }
    case 1: {
      const kind = r.pick(TABLE_KINDS);
      info.kind = kind;
      const table = (linkKinds as unknown as Record<string, AttrTable<unknown>>)[kind]!;
      if (r.bool(0.85)) info.data = (KIND_DATA[kind] ?? ((rr: Random) => randomTableData(rr, table)))(r);
      break;
    }
    case 2:
      // A kind without a table: its data stays raw bytes.
      info.kind = r.pick([...RAW_KINDS, 'x' + randomIfname(r)]);
      maybe(r, info, 'data', () => r.bytes(r.int(0, 40)), 0.7);
      break;
    default:
      // slave data only
      break;
  }
  if (r.bool(0.3)) {
    info.slaveKind = 'bridge';
    maybe(r, info, 'slaveData', () => randomBridgePortData(r), 0.8);
  } else if (r.bool(0.15)) {
    info.slaveKind = r.pick(['bond', 'team', 'zz']);
    maybe(r, info, 'slaveData', () => r.bytes(r.int(0, 24)));
  }
  maybe(r, info, 'xstats', () => r.bytes(r.int(0, 16)), 0.1);
  return addUnknown(r, linkinfoTable, info);
}

function randomLinkBody(r: Random): Obj {
  const body = randomIfinfo(r, r.pick([0, 0, 0, 17, 2]));
  body.attrs = randomLinkAttrs(r, 0);
  return body;
}

// ---------------------------------------------------------------- address

function randomAddressBody(r: Random): Obj {
  const family = r.pick([AF_INET, AF_INET6]);
  const a: Obj = {};
  maybe(r, a, 'local', () => randomIP(r, family), 0.8);
  maybe(r, a, 'address', () => randomIP(r, family), 0.8);
  if (family === AF_INET) maybe(r, a, 'broadcast', () => randomIPv4(r), 0.4);
  maybe(r, a, 'label', () => randomIfname(r), 0.4);
  maybe(r, a, 'cacheinfo', () => ({ prefered: r.uint(32), valid: r.uint(32), cstamp: r.uint(32), tstamp: r.uint(32) }), 0.4);
  maybe(r, a, 'flags', () => r.uint(32), 0.4);
  maybe(r, a, 'rtPriority', () => r.uint(32), 0.1);
  maybe(r, a, 'proto', () => r.uint(8), 0.1);
  return {
    family,
    prefixlen: r.int(0, family === AF_INET ? 32 : 128),
    flags: r.uint(8),
    scope: r.pick([0, 200, 253, 254, 255, r.uint(8)]),
    index: r.uint(32),
    attrs: addUnknown(r, addressAttributes as AttrTable<unknown>, a),
  };
}

// ---------------------------------------------------------------- route

function randomMetrics(r: Random): Obj {
  const m: Obj = {};
  maybe(r, m, 'lock', () => r.uint(32), 0.3);
  maybe(r, m, 'mtu', () => r.uint(32));
  maybe(r, m, 'window', () => r.uint(32), 0.3);
  maybe(r, m, 'advmss', () => r.uint(32));
  maybe(r, m, 'hoplimit', () => r.int(0, 255), 0.3);
  maybe(r, m, 'initcwnd', () => r.uint(32), 0.3);
  maybe(r, m, 'rtoMin', () => r.uint(32), 0.2);
  maybe(r, m, 'ccAlgo', () => r.pick(['cubic', 'bbr', 'reno']), 0.2);
  return addUnknown(r, metricsAttributes as AttrTable<unknown>, m);
}

function randomRouteBody(r: Random): Obj {
  const family = r.pick([AF_INET, AF_INET6]);
  const a: Obj = {};
  maybe(r, a, 'dst', () => randomIP(r, family), 0.7);
  maybe(r, a, 'src', () => randomIP(r, family), 0.1);
  maybe(r, a, 'gateway', () => randomIP(r, family));
  maybe(r, a, 'oif', () => r.uint(32));
  maybe(r, a, 'iif', () => r.uint(32), 0.1);
  maybe(r, a, 'table', () => r.uint(32), 0.4);
  maybe(r, a, 'priority', () => r.uint(32), 0.4);
  maybe(r, a, 'prefsrc', () => randomIP(r, family), 0.3);
  maybe(r, a, 'metrics', () => randomMetrics(r), 0.3);
  maybe(r, a, 'multipath', () => {
    const hops: Obj[] = [];
    const n = r.int(1, 4);
    for (let i = 0; i < n; i++) {
      const attrs: Obj = { gateway: randomIP(r, family) };
      maybe(r, attrs, 'flow', () => r.uint(32), 0.1);
      hops.push({ flags: r.uint(8), hops: r.uint(8), ifindex: r.s32(), attrs: addUnknown(r, routeAttributes as AttrTable<unknown>, attrs, 0.15) });
    }
    return hops;
  }, 0.3);
  maybe(r, a, 'mark', () => r.uint(32), 0.1);
  maybe(r, a, 'pref', () => r.uint(8), 0.1);
  maybe(r, a, 'via', () => (r.bool() ? { family: AF_INET, addr: randomIPv4(r) } : { family: AF_INET6, addr: randomIPv6(r) }), 0.1);
  maybe(r, a, 'sport', () => r.uint(16), 0.1);
  maybe(r, a, 'nhId', () => r.uint(32), 0.1);
  return {
    family,
    dstLen: r.int(0, family === AF_INET ? 32 : 128),
    srcLen: r.int(0, family === AF_INET ? 32 : 128),
    tos: r.uint(8),
    table: r.pick([254, 255, 253, 0, r.uint(8)]),
    protocol: r.pick([2, 3, 4, r.uint(8)]),
    scope: r.pick([0, 253, 254, r.uint(8)]),
    type: r.pick([1, 2, 3, r.uint(8)]),
    flags: r.uint(32),
    attrs: addUnknown(r, routeAttributes as AttrTable<unknown>, a),
  };
}

// ---------------------------------------------------------------- neighbour

function randomNeighborBody(r: Random): Obj {
  const a: Obj = {};
  let family: number;
  if (r.bool(0.35)) {
    // bridge FDB entry (e.g. of a vxlan device)
    family = AF_BRIDGE;
    a.lladdr = randomMac(r);
    maybe(r, a, 'dst', () => randomIP(r, r.pick([AF_INET, AF_INET6])));
    maybe(r, a, 'vni', () => r.int(0, 0xffffff));
    maybe(r, a, 'port', () => r.uint(16));
    maybe(r, a, 'master', () => r.uint(32));
    maybe(r, a, 'vlan', () => r.int(0, 4095), 0.2);
    maybe(r, a, 'ifindex', () => r.uint(32), 0.1);
    maybe(r, a, 'srcVni', () => r.uint(32), 0.1);
    maybe(r, a, 'flagsExt', () => r.uint(32), 0.1);
  } else {
    family = r.pick([AF_INET, AF_INET6]);
    maybe(r, a, 'dst', () => randomIP(r, family), 0.9);
    // Link-layer addresses of any length 1..20 decode as they were (tunnels, InfiniBand).
    maybe(r, a, 'lladdr', () => randomMac(r, r.bool(0.8) ? 6 : r.int(1, 20)), 0.8);
    maybe(r, a, 'probes', () => r.uint(32), 0.2);
    maybe(r, a, 'cacheinfo', () => ({ confirmed: r.uint(32), used: r.uint(32), updated: r.uint(32), refcnt: r.uint(32) }), 0.2);
    maybe(r, a, 'protocol', () => r.uint(8), 0.1);
  }
  return {
    family,
    ifindex: r.s32(),
    state: r.pick([0x02, 0x04, 0x40, 0x80, r.uint(16)]),
    flags: r.uint(8),
    type: r.uint(8),
    attrs: addUnknown(r, neighborAttributes as AttrTable<unknown>, a),
  };
}

// ---------------------------------------------------------------- nsid

function randomNsidBody(r: Random): Obj {
  const a: Obj = {};
  maybe(r, a, 'nsid', () => r.pick([-1, 0, r.s32()]));
  maybe(r, a, 'fd', () => r.uint(32));
  maybe(r, a, 'pid', () => r.uint(32));
  maybe(r, a, 'targetNsid', () => r.s32(), 0.2);
  maybe(r, a, 'currentNsid', () => r.s32(), 0.2);
  return { family: r.pick([0, 0, r.uint(8)]), attrs: addUnknown(r, nsidAttributes as AttrTable<unknown>, a) };
}

// ---------------------------------------------------------------- nexthop

function randomNexthopBody(r: Random): Obj {
  const family = r.pick([0, AF_INET, AF_INET6]);
  const a: Obj = {};
  maybe(r, a, 'id', () => r.uint(32), 0.9);
  if (r.bool(0.3)) {
    const n = r.int(1, 4);
    a.group = Array.from({ length: n }, () => ({ id: r.int(1, 0xffffffff), weight: r.pick([1, 2, r.int(1, 256), r.int(1, 0x10000)]) }));
    maybe(r, a, 'groupType', () => r.pick([0, 1]), 0.3);
    if (r.bool(0.2)) a.resGroup = addUnknown(r, resilientGroupAttributes as AttrTable<unknown>, { buckets: r.uint(16), idleTimer: r.uint(32) });
  } else if (r.bool(0.2)) {
    a.blackhole = true;
  } else {
    maybe(r, a, 'oif', () => r.uint(32));
    if (family !== 0) maybe(r, a, 'gateway', () => randomIP(r, family));
  }
  maybe(r, a, 'groups', () => true, 0.05);
  maybe(r, a, 'master', () => r.uint(32), 0.05);
  maybe(r, a, 'fdb', () => true, 0.05);
  return {
    family,
    scope: r.pick([0, 253, r.uint(8)]),
    protocol: r.pick([0, 3, 4, r.uint(8)]),
    reserved: r.pick([0, 0, r.uint(8)]),
    flags: r.pick([0, r.uint(32)]),
    attrs: addUnknown(r, nexthopAttributes as AttrTable<unknown>, a),
  };
}

// ---------------------------------------------------------------- control

function randomErrno(r: Random): number {
  return r.pick([-1, -2, -17, -19, -22, -95, -r.int(1, 4095), -0x80000000]);
}

function randomExtAck(r: Random): Obj {
  const e: Obj = {};
  maybe(r, e, 'msg', () => randomText(r, 60), 0.7);
  maybe(r, e, 'offs', () => r.uint(32), 0.5);
  maybe(r, e, 'cookie', () => r.bytes(r.int(0, 20)), 0.1);
  maybe(r, e, 'missType', () => r.uint(32), 0.1);
  return addUnknown(r, extAckAttributes as AttrTable<unknown>, e, 0.2);
}

/** flags and body of an NLMSG_ERROR; returns the message flags it needs. */
function randomError(r: Random): { flags: number; body: Obj } {
  const flags = r.uint(16);
  const request: Obj = { len: 0, type: r.pick([16, 20, 24, 28, 88, r.uint(16)]), flags: r.uint(16), seq: r.uint(32), pid: r.uint(32) };
  const body: Obj = { error: r.bool(0.3) ? 0 : randomErrno(r), request };
  if (flags & NLM_F_CAPPED) {
    request.len = r.uint(32);
  } else if (r.bool(0.5)) {
    const payload = r.bytes(r.int(1, 48));
    body.requestPayload = payload;
    request.len = 16 + payload.length;
  } else {
    request.len = r.int(0, 16);
  }
  if (flags & NLM_F_ACK_TLVS) body.ext = randomExtAck(r);
  return { flags, body };
}

function randomDone(r: Random): { flags: number; body: Obj } {
  const flags = r.uint(16);
  const body: Obj = { error: r.bool(0.6) ? 0 : randomErrno(r) };
  if (flags & NLM_F_ACK_TLVS) body.ext = randomExtAck(r);
  return { flags, body };
}

// ---------------------------------------------------------------- messages

const TYPES: Record<Exclude<GeneratedKind, 'error' | 'done' | 'unknown'>, readonly number[]> = {
  link: [16, 17, 18, 19],
  address: [20, 21, 22],
  route: [24, 25, 26],
  neighbor: [28, 29, 30],
  nsid: [88, 89, 90],
  nexthop: [104, 105, 106],
};

/** A message type no family here claims (kindOfType says 'unknown'). */
function unknownType(r: Random): number {
  for (;;) {
    const t = r.bool(0.5) ? r.int(5, 120) : r.uint(16);
    if (kindOfType(t) === 'unknown') return t;
  }
}

/** One random valid message of `kind`. */
export function randomMessage(r: Random, kind: GeneratedKind): NetlinkMessage {
  const header = { seq: r.uint(32), pid: r.uint(32) };
  let type: number;
  let flags = r.uint(16);
  let body: unknown;
  switch (kind) {
    case 'link':
      type = r.pick(TYPES.link);
      body = randomLinkBody(r);
      break;
    case 'address':
      type = r.pick(TYPES.address);
      body = randomAddressBody(r);
      break;
    case 'route':
      type = r.pick(TYPES.route);
      body = randomRouteBody(r);
      break;
    case 'neighbor':
      type = r.pick(TYPES.neighbor);
      body = randomNeighborBody(r);
      break;
    case 'nsid':
      type = r.pick(TYPES.nsid);
      body = randomNsidBody(r);
      break;
    case 'nexthop':
      type = r.pick(TYPES.nexthop);
      body = randomNexthopBody(r);
      break;
    case 'error': {
      type = 2;
      const e = randomError(r);
      flags = e.flags;
      body = e.body;
      break;
    }
    case 'done': {
      type = 3;
      const d = randomDone(r);
      flags = d.flags;
      body = d.body;
      break;
    }
    case 'unknown':
      type = unknownType(r);
      body = r.bytes(r.int(0, 40));
      break;
  }
  return { kind: kind as MessageKind, type, flags, ...header, body } as NetlinkMessage;
}

/** A random message of a random kind. */
export function randomAnyMessage(r: Random): NetlinkMessage {
  return randomMessage(r, r.pick(GENERATED_KINDS));
}
