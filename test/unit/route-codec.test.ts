import { InvalidArgumentError } from '../../messages/errors.js';
import { describe, expect, it } from 'vitest';
import { decodeMessages, encodeMessage, type NetlinkMessage, type RouteMessage } from '../../messages/message.js';
import { NetlinkDecodeError } from '../../messages/errors.js';
import { AF_INET, AF_INET6, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_MULTI, NLM_F_REQUEST, RTM_NEWROUTE } from '../../messages/constants.js';
import {
  RTN_LOCAL,
  RTN_MULTICAST,
  RTN_UNICAST,
  RTPROT_BOOT,
  RTPROT_KERNEL,
  RTPROT_STATIC,
  RT_TABLE_LOCAL,
  RT_TABLE_MAIN,
  RTNH_F_ONLINK,
  ICMPV6_ROUTER_PREF_HIGH,
  LWTUNNEL_ENCAP_MPLS,
  type RouteBody,
} from '../../messages/route/index.js';
import { RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE } from '../../messages/address/index.js';
import { decodeErrorOf, equalBytes, expectDatagramReencodes, expectMutationsDecodeOrThrow, expectRoundTrip, expectTruncationsDecodeOrThrow, hex, insert, messagesOf, onlyBody } from '../helpers/codec-checks.js';
import { fixtureBytes } from '../helpers/fixtures.js';

// The captured frames these tests read are fixtures like every other: test/fixtures/unit/codec-route-*.json,
// each with how, where and after which setup it was captured (va is ifindex 3, vb 2).

const FRAMES = {
  /** `ip route show table all`: the kernel's reply (1092 bytes). */
  dumpAll: fixtureBytes('codec-route-dump-all'),
  /** `ip route show table main`: the kernel's reply (472 bytes). */
  dumpMain: fixtureBytes('codec-route-dump-main'),
  /** `ip route add 10.1.0.0/24 via 10.0.0.254 dev va`: the request iproute2 sent (52 bytes). */
  addVia: fixtureBytes('codec-route-add-via'),
  /** `ip route add 10.2.0.0/24 via 10.0.0.254 dev va table 100 metric 50`: the request iproute2 sent (60 bytes). */
  addTableMetric: fixtureBytes('codec-route-add-table-metric'),
  /** `ip route add 10.3.0.0/24 via 10.0.0.254 dev va src 10.0.0.2 proto static`: the request iproute2 sent (60 bytes). */
  addSrcProto: fixtureBytes('codec-route-add-src-proto'),
  /** `ip route add 10.5.0.0/24 nexthop via 10.0.0.254 dev va weight 1 nexthop via 10.0.0.253 dev va weight 2`: the request iproute2 sent (72 bytes). */
  addMultipath: fixtureBytes('codec-route-add-multipath'),
  /** `ip route add 10.6.0.0/24 via 10.0.0.254 dev va mtu 1400`: the request iproute2 sent (64 bytes). */
  addMtu: fixtureBytes('codec-route-add-mtu'),
  /** `ip -6 route add 2001:db8:1::/64 via fd00::1 dev va`: the request iproute2 sent (76 bytes). */
  addV6: fixtureBytes('codec-route-add-v6'),
  /** `ip route add 10.1.2.3/32 dev va table main proto static scope link`: the request iproute2 sent (44 bytes). */
  addScopeLink: fixtureBytes('codec-route-add-scope-link'),
};

const DUMPS = [FRAMES.dumpAll, FRAMES.dumpMain];
const REQUESTS = [FRAMES.addVia, FRAMES.addTableMetric, FRAMES.addSrcProto, FRAMES.addMultipath, FRAMES.addMtu, FRAMES.addV6, FRAMES.addScopeLink];
const NEW_ROUTE_FLAGS = NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE;
/** `nexthop via 10.0.0.254 weight 1 nexthop via 10.0.0.253 weight 2` on va, as decoded (hops is weight - 1). */
const TWO_NEXT_HOPS = [
  { flags: 0, hops: 0, ifindex: 3, attrs: { gateway: '10.0.0.254' } },
  { flags: 0, hops: 1, ifindex: 3, attrs: { gateway: '10.0.0.253' } },
];

const routes = (frame: Uint8Array): RouteMessage[] => messagesOf(frame, 'route');
const only = (frame: Uint8Array): RouteBody => onlyBody(frame, 'route');

function header(family: number, dstLen: number, table: number, protocol: number, scope: number, type: number) {
  return { family, dstLen, srcLen: 0, tos: 0, table, protocol, scope, type, flags: 0 };
}

describe('route dump from the kernel', () => {
  it('decodes IPv4 (with multipath), the local table and IPv6 (cacheinfo, pref)', () => {
    const messages = routes(FRAMES.dumpAll);
    expect(messages).toHaveLength(11);
    for (const m of messages) {
      expect(m.type).toBe(RTM_NEWROUTE);
      expect(m.flags).toBe(NLM_F_MULTI | 0x20);
      expect(m.seq).toBe(1795826625);
      expect(m.pid).toBe(11448);
    }
    expect(messages[0]!.body).toEqual({
      ...header(AF_INET, 24, RT_TABLE_MAIN, RTPROT_KERNEL, RT_SCOPE_LINK, RTN_UNICAST),
      attrs: { table: RT_TABLE_MAIN, dst: '10.0.0.0', prefsrc: '10.0.0.2', oif: 3 },
    });
    expect(messages[1]!.body).toEqual({
      ...header(AF_INET, 24, RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RTN_UNICAST),
      attrs: {
        table: RT_TABLE_MAIN,
        dst: '10.4.0.0',
        multipath: TWO_NEXT_HOPS,
      },
    });
    expect(messages[2]!.body).toEqual({
      ...header(AF_INET, 32, RT_TABLE_LOCAL, RTPROT_KERNEL, RT_SCOPE_HOST, RTN_LOCAL),
      attrs: { table: RT_TABLE_LOCAL, dst: '10.0.0.2', prefsrc: '10.0.0.2', oif: 3 },
    });
    expect(messages[4]!.body).toEqual({
      ...header(AF_INET6, 64, RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RTN_UNICAST),
      attrs: {
        table: RT_TABLE_MAIN,
        dst: '2001:db8::',
        priority: 1024,
        gateway: 'fd00::1',
        oif: 3,
        cacheinfo: { clntref: 0, lastuse: 0, expires: 29999, error: 0, used: 0, id: 0, ts: 0, tsage: 0 },
        pref: ICMPV6_ROUTER_PREF_HIGH,
      },
    });
    expect(messages[8]!.body.attrs).toMatchObject({ table: RT_TABLE_LOCAL, dst: 'fd00::2', priority: 0, pref: 0 });
    expect(messages[9]!.body).toMatchObject({ family: AF_INET6, dstLen: 8, type: RTN_MULTICAST, attrs: { dst: 'ff00::' } });
  });

  it('decodes RTA_METRICS and keeps the kernel attribute order (table, dst, oif for a scope link route)', () => {
    const messages = routes(FRAMES.dumpMain);
    expect(messages).toHaveLength(7);
    const scopeLink = messages[2]!.body;
    expect(scopeLink).toEqual({
      ...header(AF_INET, 32, RT_TABLE_MAIN, RTPROT_STATIC, RT_SCOPE_LINK, RTN_UNICAST),
      attrs: { table: RT_TABLE_MAIN, dst: '10.1.2.3', oif: 3 },
    });
    expect(Object.keys(scopeLink.attrs)).toEqual(['table', 'dst', 'oif']);
    const mtu = messages[6]!.body.attrs;
    expect(mtu).toEqual({ table: RT_TABLE_MAIN, dst: '10.6.0.0', metrics: { mtu: 1400 }, gateway: '10.0.0.254', oif: 3 });
    expect(Object.keys(mtu)).toEqual(['table', 'dst', 'metrics', 'gateway', 'oif']);
  });

  it.each(DUMPS.map((frame, i) => [i, frame] as const))('re-encodes dump %i byte for byte', (_i, frame) => {
    expectDatagramReencodes(frame);
  });
});

describe('RTM_NEWROUTE requests from iproute2', () => {
  const base = header(AF_INET, 24, RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RTN_UNICAST);

  it('ip route add 10.1.0.0/24 via 10.0.0.254 dev va', () => {
    const [m] = routes(FRAMES.addVia);
    expect(m).toMatchObject({ kind: 'route', type: RTM_NEWROUTE, flags: NEW_ROUTE_FLAGS, pid: 0 });
    expect(m!.body).toEqual({ ...base, attrs: { dst: '10.1.0.0', gateway: '10.0.0.254', oif: 3 } });
  });

  it('... table 100 metric 50', () => {
    expect(only(FRAMES.addTableMetric)).toEqual({ ...base, table: 100, attrs: { dst: '10.2.0.0', gateway: '10.0.0.254', priority: 50, oif: 3 } });
  });

  it('... src 10.0.0.2 proto static', () => {
    expect(only(FRAMES.addSrcProto)).toEqual({
      ...base,
      protocol: RTPROT_STATIC,
      attrs: { dst: '10.3.0.0', gateway: '10.0.0.254', prefsrc: '10.0.0.2', oif: 3 },
    });
  });

  it('... nexthop via 10.0.0.254 weight 1 nexthop via 10.0.0.253 weight 2', () => {
    expect(only(FRAMES.addMultipath)).toEqual({
      ...base,
      attrs: {
        dst: '10.5.0.0',
        multipath: TWO_NEXT_HOPS,
      },
    });
  });

  it('... mtu 1400 (RTA_METRICS)', () => {
    expect(only(FRAMES.addMtu)).toEqual({ ...base, attrs: { dst: '10.6.0.0', gateway: '10.0.0.254', oif: 3, metrics: { mtu: 1400 } } });
  });

  it('ip -6 route add 2001:db8:1::/64 via fd00::1 dev va', () => {
    expect(only(FRAMES.addV6)).toEqual({ ...base, family: AF_INET6, dstLen: 64, attrs: { dst: '2001:db8:1::', gateway: 'fd00::1', oif: 3 } });
  });

  it.each(REQUESTS.map((frame, i) => [i, frame] as const))('re-encodes request %i byte for byte', (_i, frame) => {
    equalBytes(encodeMessage(decodeMessages(frame)[0]!), frame);
  });

  it('a user-built route in table order encodes exactly as iproute2 does', () => {
    const message: RouteMessage = {
      kind: 'route',
      type: RTM_NEWROUTE,
      flags: NEW_ROUTE_FLAGS,
      seq: 1795826638,
      pid: 0,
      body: { ...header(AF_INET, 32, RT_TABLE_MAIN, RTPROT_STATIC, RT_SCOPE_LINK, RTN_UNICAST), attrs: { dst: '10.1.2.3', oif: 3 } },
    };
    equalBytes(encodeMessage(message), FRAMES.addScopeLink);
  });

  it('an edited decoded value is re-encoded, the rest keeps its bytes and order', () => {
    const m = decodeMessages(FRAMES.addMtu)[0] as RouteMessage;
    m.body.attrs.metrics!.mtu = 1300;
    m.body.attrs.gateway = '10.0.0.1';
    const bytes = encodeMessage(m);
    expect(bytes.length).toBe(FRAMES.addMtu.length);
    expect((decodeMessages(bytes)[0] as RouteMessage).body.attrs).toEqual({ dst: '10.6.0.0', gateway: '10.0.0.1', oif: 3, metrics: { mtu: 1300 } });
  });
});

describe('user-built routes', () => {
  const everything: RouteBody = {
    ...header(AF_INET, 24, 0, RTPROT_STATIC, RT_SCOPE_UNIVERSE, RTN_UNICAST),
    tos: 4,
    srcLen: 16,
    flags: 0x100,
    attrs: {
      dst: '192.0.2.0',
      src: '198.51.100.0',
      iif: 7,
      oif: 8,
      gateway: '10.0.0.1',
      priority: 100,
      prefsrc: '10.0.0.2',
      metrics: { lock: 4, mtu: 1400, window: 1, rtt: 2, rttvar: 3, ssthresh: 4, cwnd: 5, advmss: 1360, reordering: 3, hoplimit: 64, initcwnd: 10, features: 1, rtoMin: 200, initrwnd: 20, quickack: 1, ccAlgo: 'cubic', fastopenNoCookie: 1 },
      multipath: [
        { flags: RTNH_F_ONLINK, hops: 2, ifindex: 8, attrs: { gateway: '10.0.0.3', flow: 9 } },
        { flags: 0, hops: 0, ifindex: 9, attrs: { via: { family: AF_INET6, addr: 'fe80::1' } } },
        { flags: 0, hops: 0, ifindex: -1, attrs: {} },
      ],
      flow: 0x10002,
      cacheinfo: { clntref: 1, lastuse: 2, expires: -3, error: 4, used: 5, id: 6, ts: 7, tsage: 8 },
      table: 1000,
      mark: 0xdeadbeef,
      mfcStats: { packets: 1n, bytes: 2n ** 63n, wrongIf: 3n },
      via: { family: AF_INET, addr: '10.9.9.9' },
      newdst: Uint8Array.of(0x00, 0x06, 0x41, 0x00),
      pref: ICMPV6_ROUTER_PREF_HIGH,
      encapType: LWTUNNEL_ENCAP_MPLS,
      encap: Uint8Array.of(8, 0, 1, 0, 0, 0x06, 0x41, 0x00),
      expires: 300,
      uid: 1000,
      ttlPropagate: 1,
      ipProto: 6,
      sport: 443,
      dport: 8080,
      nhId: 42,
      flowlabel: 0x12345,
    },
  };

  it('encode and decode back equal, every attribute included', () => {
    expectRoundTrip({ kind: 'route', type: RTM_NEWROUTE, flags: NEW_ROUTE_FLAGS, seq: 9, pid: 0, body: everything });
  });

  it('writes big-endian ports and flow label, and RTA_VIA as struct rtvia', () => {
    const body: RouteBody = { ...header(AF_INET, 0, 0, 0, 0, 0), attrs: { sport: 0x0102, flowlabel: 0x0a0b0c0d, via: { family: AF_INET, addr: '10.0.0.1' } } };
    const bytes = encodeMessage({ kind: 'route', type: RTM_NEWROUTE, flags: 0, seq: 0, pid: 0, body });
    expect(Buffer.from(bytes.subarray(28)).toString('hex')).toBe('0a001200' + '0200' + '0a000001' + '0000' + '06001c00' + '01020000' + '08001f00' + '0a0b0c0d');
  });

  it('decodes a raw RTA_VIA of another family and an u64 RTA_EXPIRES', () => {
    const extra = hex('0a001200 1c00 00010203 0000 0c001700 2c01000000000000');
    const frame = insert(FRAMES.addScopeLink, FRAMES.addScopeLink.length, extra, []);
    const m = decodeMessages(frame)[0] as RouteMessage;
    expect(m.body.attrs.via).toEqual({ family: 28, addr: Uint8Array.of(0, 1, 2, 3) });
    expect(m.body.attrs.expires).toBe(300);
    equalBytes(encodeMessage(m), frame);
  });
});

describe('unknown attributes', () => {
  const unknownAttr = hex('0800 6300 01020304');
  const nestedUnknown = hex('0c00 ee80 0800 0100 05060708');

  it('inside RTA_METRICS survive with their type and bytes', () => {
    // addMtu: RTA_METRICS starts at byte 52 and is the last attribute.
    const frame = insert(FRAMES.addMtu, FRAMES.addMtu.length, unknownAttr, [52]);
    const m = decodeMessages(frame)[0] as RouteMessage;
    expect(m.body.attrs.metrics).toEqual({ mtu: 1400, unknown: [{ type: 0x63, data: Uint8Array.of(1, 2, 3, 4) }] });
    equalBytes(encodeMessage(m), frame);
  });

  it('inside a multipath next hop survive, before and after known attributes', () => {
    // addMultipath: RTA_MULTIPATH at 36, first rtnexthop at 40 (its RTA_GATEWAY at 48), second at 56.
    let frame = insert(FRAMES.addMultipath, 56, unknownAttr, [36, 40]);
    frame = insert(frame, 48, nestedUnknown, [36, 40]);
    const m = decodeMessages(frame)[0] as RouteMessage;
    const [first, second] = m.body.attrs.multipath!;
    expect(first).toEqual({
      flags: 0,
      hops: 0,
      ifindex: 3,
      attrs: { gateway: '10.0.0.254', unknown: [{ type: 0x80ee, data: hex('0800 0100 05060708') }, { type: 0x63, data: Uint8Array.of(1, 2, 3, 4) }] },
    });
    expect(second).toEqual({ flags: 0, hops: 1, ifindex: 3, attrs: { gateway: '10.0.0.253' } });
    equalBytes(encodeMessage(m), frame);
  });

  it('at the top level survive (RTA_PAD and obsolete RTA_* included)', () => {
    const frame = insert(FRAMES.addVia, 36, hex('0800 1800 00000000 0800 0e00 01000000'), []);
    const m = decodeMessages(frame)[0] as RouteMessage;
    expect(m.body.attrs.unknown).toEqual([
      { type: 24, data: Uint8Array.of(0, 0, 0, 0) },
      { type: 14, data: Uint8Array.of(1, 0, 0, 0) },
    ]);
    equalBytes(encodeMessage(m), frame);
  });

  it('added by a user are written after the known ones', () => {
    const m = decodeMessages(FRAMES.addMultipath)[0] as RouteMessage;
    m.body.attrs.multipath![1]!.attrs.unknown = [{ type: 0x63, data: Uint8Array.of(9, 9, 9, 9) }];
    const back = decodeMessages(encodeMessage(m))[0] as RouteMessage;
    expect(back.body.attrs.multipath![1]!.attrs).toEqual({ gateway: '10.0.0.253', unknown: [{ type: 0x63, data: Uint8Array.of(9, 9, 9, 9) }] });
  });
});

describe('malformed bytes', () => {
  const all = [...DUMPS, ...REQUESTS];

  it('every truncation of every frame decodes or throws NetlinkDecodeError', () => {
    for (const frame of all) expectTruncationsDecodeOrThrow(frame);
  });

  it('random byte mutations decode or throw NetlinkDecodeError', () => {
    expectMutationsDecodeOrThrow(all, 12345, 400);
  });

  it('rtnh_len below 8 or past RTA_MULTIPATH is a NetlinkDecodeError with the path', () => {
    for (const bad of [4, 7, 0, 40]) {
      const frame = FRAMES.addMultipath.slice();
      new DataView(frame.buffer).setUint16(40, bad, true);
      const error = decodeErrorOf(frame);
      expect(error.path).toBe('RTM_NEWROUTE > RTA_MULTIPATH');
      expect(error.offset).toBe(40);
    }
  });

  it('an attribute of the wrong width inside a next hop is kept as bytes, its reason naming the next hop', () => {
    const frame = FRAMES.addMultipath.slice();
    new DataView(frame.buffer).setUint16(64, 7, true); // RTA_GATEWAY of the second next hop: 3 bytes
    const hop = onlyBody(frame, 'route').attrs.multipath![1]!;
    expect(hop.attrs.gateway).toBeUndefined();
    expect(hop.attrs.unknown![0]!.reason).toMatch(/^RTM_NEWROUTE > RTA_MULTIPATH > rtnexthop\[1\] > RTA_GATEWAY at byte 68: /);
  });

  it('trailing bytes too short for an rtnexthop are a NetlinkDecodeError', () => {
    const frame = insert(FRAMES.addMultipath, FRAMES.addMultipath.length, Uint8Array.of(0, 0, 0, 0), [36]);
    expect(() => decodeMessages(frame)).toThrow(NetlinkDecodeError);
  });
});

describe('bad values on encode', () => {
  function encodeWith(attrs: Partial<RouteBody['attrs']>, head: Partial<RouteBody> = {}): () => Uint8Array {
    const body = { ...header(AF_INET, 24, RT_TABLE_MAIN, RTPROT_STATIC, RT_SCOPE_UNIVERSE, RTN_UNICAST), ...head, attrs } as RouteBody;
    const message: NetlinkMessage = { kind: 'route', type: RTM_NEWROUTE, flags: NEW_ROUTE_FLAGS, seq: 1, pid: 0, body };
    return () => encodeMessage(message);
  }

  it('an invalid gateway is an InvalidArgumentError naming the field', () => {
    expect(encodeWith({ gateway: '10.0.0.256' })).toThrow(InvalidArgumentError);
    expect(encodeWith({ gateway: '10.0.0.256' })).toThrow(/attrs\.gateway.*10\.0\.0\.256/);
    expect(encodeWith({ gateway: 'fd00:::1' })).toThrow(/attrs\.gateway/);
    expect(encodeWith({ dst: 42 as unknown as string })).toThrow(/attrs\.dst/);
  });

  it('a table above 2^32 - 1 is an InvalidArgumentError naming the field', () => {
    expect(encodeWith({ table: 2 ** 32 })).toThrow(InvalidArgumentError);
    expect(encodeWith({ table: 2 ** 32 })).toThrow(/attrs\.table: 4294967296/);
    expect(encodeWith({}, { table: 256 })).toThrow(/body\.table: 256/);
    expect(encodeWith({}, { dstLen: -1 })).toThrow(InvalidArgumentError);
  });

  it('bad metrics, next hops, via and ports name the field', () => {
    expect(encodeWith({ metrics: { mtu: -1 } })).toThrow(/attrs\.metrics\.mtu/);
    expect(encodeWith({ multipath: [{ flags: 0, hops: 256, ifindex: 1, attrs: {} }] })).toThrow(/attrs\.multipath\[0\]\.hops: 256/);
    expect(encodeWith({ multipath: [{ flags: 0, hops: 0, ifindex: 1, attrs: { gateway: 'x' } }] })).toThrow(/attrs\.multipath\[0\]\.attrs\.gateway/);
    expect(encodeWith({ multipath: {} as never })).toThrow(InvalidArgumentError);
    expect(encodeWith({ via: { family: AF_INET, addr: 'fe80::1' } })).toThrow(/attrs\.via\.addr/);
    expect(encodeWith({ via: { family: 70000, addr: '10.0.0.1' } })).toThrow(/attrs\.via\.family/);
    expect(encodeWith({ sport: 65536 })).toThrow(/attrs\.sport: 65536/);
    expect(encodeWith({ cacheinfo: { clntref: 0, lastuse: 0, expires: 2 ** 31, error: 0, used: 0, id: 0, ts: 0, tsage: 0 } })).toThrow(/attrs\.cacheinfo\.expires/);
  });
});
