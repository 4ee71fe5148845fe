import { InvalidArgumentError } from '../../messages/errors.js';
import { describe, expect, it } from 'vitest';
import { decodeMessages, encodeMessage, type NetlinkMessage } from '../../messages/message.js';
import { AF_BRIDGE, AF_INET, AF_INET6, AF_PACKET, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, RTM_GETLINK, RTM_GETROUTE } from '../../messages/constants.js';
import { RTEXT_FILTER_SKIP_STATS, RTEXT_FILTER_VF } from '../../messages/link/index.js';
import {
  dumpAddresses,
  dumpLinks,
  dumpNeighbors,
  dumpNsids,
  dumpRoutes,
  getLink,
  getNeighbor,
  getNsid,
  getRoute,
} from '../../messages/requests.js';

// The requests iproute2 sends for the same questions, captured on Linux 6.18 as root inside
// `unshare --net --mount --propagation private` with
// `strace -f -X raw -s 0 -e trace=sendmsg,recvmsg,sendto,recvfrom -e write=all -e read=all <cmd>`,
// cut to nlmsg_len (iproute2's dump requests are followed by unused zero bytes of its request
// buffer in the same datagram; the kernel ignores them). Indexes: lo 1, vb 2, va 3, vx0 4, br0 5.
// iproute2 sets its own seq; builders leave seq and pid 0, so seq is zeroed before comparing.
const IPROUTE2 = {
  // ip link show: AF_PACKET, IFLA_EXT_MASK = RTEXT_FILTER_VF
  linkDump: '2800000012000103d6230a6b000000001100000000000000000000000000000008001d0001000000',
  // ip link show master br0: IFLA_EXT_MASK, IFLA_MASTER 5
  linkDumpMaster: '3000000012000103d6230a6b000000001100000000000000000000000000000008001d000100000008000a0005000000',
  // ip link show type veth: IFLA_EXT_MASK, IFLA_LINKINFO (written without NLA_F_NESTED) { IFLA_INFO_KIND "veth" }
  linkDumpKind: '3400000012000103d6230a6b000000001100000000000000000000000000000008001d00010000000c0012000800010076657468',
  // ip link show dev va (iplink_get): AF_PACKET, IFLA_IFNAME "va", IFLA_EXT_MASK = RTEXT_FILTER_VF
  linkGetName: '3000000012000100d6230a6b0000000011000000000000000000000000000000070003007661000008001d0001000000',
  // ll_link_get by index 2: IFLA_EXT_MASK = RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS
  linkGetIndex: '2800000012000100d6230a6b000000000000000002000000000000000000000008001d0009000000',
  // ip addr show / ip addr show dev va / ip -4 addr show
  addrDump: '1800000016000103d7230a6b000000000000000000000000',
  addrDumpDev: '1800000016000103d7230a6b000000000000000003000000',
  addrDumpInet: '1800000016000103d7230a6b000000000200000000000000',
  // ip route show table 100 / table 1000 / table all / ip -6 route show / ip route show proto kernel
  routeDump100: '240000001a000103d6230a6b0000000002000000000000000000000008000f0064000000',
  routeDump1000: '240000001a000103d6230a6b0000000002000000000000000000000008000f00e8030000',
  routeDumpAll: '1c0000001a000103d6230a6b00000000000000000000000000000000',
  routeDump6: '240000001a000103d6230a6b000000000a000000000000000000000008000f00fe000000',
  routeDumpProto: '240000001a000103d6230a6b0000000002000000000200000000000008000f00fe000000',
  // ip route get 10.0.0.9: rtm_dst_len 32, RTM_F_LOOKUP_TABLE, RTA_DST
  routeGet: '240000001a000100d7230a6b00000000022000000000000000100000080001000a000009',
  // ip neigh show / dev va / proxy / master br0; bridge fdb show dev vx0 / br br0
  neighDump: '1c0000001e000103d7230a6b00000000000000000000000000000000',
  neighDumpDev: '240000001e000103d7230a6b000000000000000000000000000000000800080003000000',
  neighDumpProxy: '1c0000001e000103d7230a6b00000000000000000000000000000800',
  neighDumpMaster: '240000001e000103d7230a6b000000000000000000000000000000000800090005000000',
  fdbDumpDev: '1c0000001e000103d7230a6b00000000070000000400000000000000',
  fdbDumpBr: '240000001e0001036f240a6b000000000700000000000000000000000800090005000000',
  // ip netns list-id; ip netns list (RTM_GETNSID with NETNSA_FD 6 of /run/netns/x)
  nsidDump: '140000005a0001036e240a6b0000000000000000',
  nsidGetFd: '1c0000005a0001006e240a6b00000000000000000800030006000000',
} as const;

function iproute2(name: keyof typeof IPROUTE2): Uint8Array {
  const bytes = Uint8Array.from(Buffer.from(IPROUTE2[name], 'hex'));
  bytes.fill(0, 8, 16); // seq and pid
  return bytes;
}

const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Replaces the u32 payload of the first attribute of `type` (the IFLA_EXT_MASK value iproute2 sends). */
function withU32Attr(bytes: Uint8Array, headerLen: number, type: number, value: number): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  for (let off = 16 + headerLen; off + 4 <= out.length; off += (view.getUint16(off, true) + 3) & ~3) {
    if ((view.getUint16(off + 2, true) & 0x3fff) === type) {
      view.setUint32(off + 4, value, true);
      return out;
    }
  }
  throw new Error(`attribute ${type} not found`);
}

/** The top-level attributes as `type:payload` strings, NLA_F_NESTED/NET_BYTEORDER masked off, sorted. */
function attributeSet(bytes: Uint8Array, headerLen: number): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const out: string[] = [];
  for (let off = 16 + headerLen; off + 4 <= bytes.length; ) {
    const len = view.getUint16(off, true);
    out.push(`${view.getUint16(off + 2, true) & 0x3fff}:${hexOf(bytes.subarray(off + 4, off + len))}`);
    off += (len + 3) & ~3;
  }
  return out.sort();
}

/**
 * Same header, same attributes: for link requests, whose IFLA_* order comes from the link table
 * (iproute2 writes IFLA_EXT_MASK first) and whose IFLA_LINKINFO may carry NLA_F_NESTED (iproute2
 * leaves it off; the kernel accepts both).
 */
function expectSameRequest(ours: Uint8Array, theirs: Uint8Array, headerLen: number): void {
  expect(ours.length).toBe(theirs.length);
  expect(hexOf(ours.subarray(0, 16 + headerLen))).toBe(hexOf(theirs.subarray(0, 16 + headerLen)));
  expect(attributeSet(ours, headerLen)).toEqual(attributeSet(theirs, headerLen));
}

const IFINFOMSG = 16;
const IFLA_EXT_MASK = 29;

describe('request builders produce what iproute2 sends', () => {
  // Link requests: iproute2 asks for RTEXT_FILTER_VF, which these builders refuse (VF info can
  // make a link message overflow a dump datagram). The comparisons swap iproute2's mask for the
  // one the builder was given; everything else is the same.
  it('dumpLinks', () => {
    const mask = RTEXT_FILTER_SKIP_STATS;
    expect(hexOf(encodeMessage(dumpLinks({ family: AF_PACKET, extMask: mask })))).toBe(hexOf(withU32Attr(iproute2('linkDump'), IFINFOMSG, IFLA_EXT_MASK, mask)));
    expectSameRequest(encodeMessage(dumpLinks({ family: AF_PACKET, skipStats: true, master: 5 })), withU32Attr(iproute2('linkDumpMaster'), IFINFOMSG, IFLA_EXT_MASK, mask), IFINFOMSG);
    // IFLA_LINKINFO { IFLA_INFO_KIND "veth" }: iproute2 writes the kind without its NUL and the nest
    // without NLA_F_NESTED, and so does the link codec.
    expectSameRequest(encodeMessage(dumpLinks({ family: AF_PACKET, skipStats: true, kind: 'veth' })), withU32Attr(iproute2('linkDumpKind'), IFINFOMSG, IFLA_EXT_MASK, mask), IFINFOMSG);
  });

  it('getLink by name and by index', () => {
    expectSameRequest(encodeMessage(getLink({ name: 'va' }, { family: AF_PACKET })), withU32Attr(iproute2('linkGetName'), IFINFOMSG, IFLA_EXT_MASK, 0), IFINFOMSG);
    expectSameRequest(encodeMessage(getLink({ index: 2 }, { skipStats: true })), withU32Attr(iproute2('linkGetIndex'), IFINFOMSG, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS), IFINFOMSG);
  });

  it('dumpAddresses', () => {
    expect(encodeMessage(dumpAddresses())).toEqual(iproute2('addrDump'));
    expect(encodeMessage(dumpAddresses({ index: 3 }))).toEqual(iproute2('addrDumpDev'));
    expect(encodeMessage(dumpAddresses({ family: AF_INET }))).toEqual(iproute2('addrDumpInet'));
  });

  it('dumpRoutes (RTA_TABLE for every table, rtm_table 0, as iproute2 does)', () => {
    expect(encodeMessage(dumpRoutes({ family: AF_INET, table: 100 }))).toEqual(iproute2('routeDump100'));
    expect(encodeMessage(dumpRoutes({ family: AF_INET, table: 1000 }))).toEqual(iproute2('routeDump1000'));
    expect(encodeMessage(dumpRoutes())).toEqual(iproute2('routeDumpAll'));
    expect(encodeMessage(dumpRoutes({ family: AF_INET6, table: 254 }))).toEqual(iproute2('routeDump6'));
    expect(encodeMessage(dumpRoutes({ family: AF_INET, table: 254, protocol: 2 }))).toEqual(iproute2('routeDumpProto'));
  });

  it('getRoute', () => {
    expect(encodeMessage(getRoute({ dst: '10.0.0.9', lookupTable: true }))).toEqual(iproute2('routeGet'));
  });

  it('dumpNeighbors, including the bridge FDB', () => {
    expect(encodeMessage(dumpNeighbors())).toEqual(iproute2('neighDump'));
    expect(encodeMessage(dumpNeighbors({ ifindex: 3 }))).toEqual(iproute2('neighDumpDev'));
    expect(encodeMessage(dumpNeighbors({ proxy: true }))).toEqual(iproute2('neighDumpProxy'));
    expect(encodeMessage(dumpNeighbors({ master: 5 }))).toEqual(iproute2('neighDumpMaster'));
    expect(encodeMessage(dumpNeighbors({ family: AF_BRIDGE, ifindex: 4 }))).toEqual(iproute2('fdbDumpDev'));
    expect(encodeMessage(dumpNeighbors({ family: AF_BRIDGE, master: 5 }))).toEqual(iproute2('fdbDumpBr'));
  });

  it('dumpNsids and getNsid', () => {
    expect(encodeMessage(dumpNsids())).toEqual(iproute2('nsidDump'));
    expect(encodeMessage(getNsid({ fd: 6 }))).toEqual(iproute2('nsidGetFd'));
  });
});

describe('request builders', () => {
  const all: Array<[string, NetlinkMessage]> = [
    ['getLink index', getLink({ index: 7 }, { skipStats: true, ack: true })],
    ['getLink name', getLink({ name: 'eth0' }, { extMask: RTEXT_FILTER_SKIP_STATS, targetNetnsid: 3 })],
    ['dumpLinks', dumpLinks({ master: 5, kind: 'bridge', extMask: 0, targetNetnsid: 1 })],
    ['dumpAddresses', dumpAddresses({ family: AF_INET6, index: 2, targetNetnsid: 0 })],
    ['dumpRoutes', dumpRoutes({ family: AF_INET, table: 0x10000, protocol: 4, type: 1, oif: 3, cloned: true })],
    ['getRoute v6', getRoute({ dst: 'fd00::1', src: 'fd00::2', iif: 1, oif: 2, mark: 9, uid: 1000, ipProto: 6, sport: 1234, dport: 80, fibMatch: true })],
    ['dumpNeighbors', dumpNeighbors({ family: AF_INET6, ifindex: 2, master: 5, proxy: true })],
    ['getNeighbor', getNeighbor({ dst: '10.0.0.9', ifindex: 3 })],
    ['dumpNsids', dumpNsids({ targetNsid: 2 })],
    ['getNsid pid', getNsid({ pid: 1 })],
    ['getNsid nsid', getNsid({ nsid: 7 }, { targetNsid: 1 })],
  ];

  it('return messages that round-trip through the codecs', () => {
    for (const [name, message] of all) {
      const bytes = encodeMessage(message);
      const [back] = decodeMessages(bytes);
      expect(back, name).toEqual(message);
      expect(hexOf(encodeMessage(back!)), name).toBe(hexOf(bytes));
    }
  });

  it('set NLM_F_DUMP on dumps only, NLM_F_ACK when asked, seq and pid 0', () => {
    for (const [name, m] of all) {
      expect(m.seq, name).toBe(0);
      expect(m.pid, name).toBe(0);
      expect(m.flags & NLM_F_REQUEST, name).toBe(NLM_F_REQUEST);
      expect((m.flags & NLM_F_DUMP) === NLM_F_DUMP, name).toBe(name.startsWith('dump'));
    }
    expect(getLink({ index: 7 }, { ack: true }).flags).toBe(NLM_F_REQUEST | NLM_F_ACK);
    expect(getLink({ index: 7 }).flags).toBe(NLM_F_REQUEST);
  });

  it('fill headers as the kernel requires', () => {
    const link = getLink({ index: 7 });
    expect(link).toMatchObject({ type: RTM_GETLINK, body: { family: 0, type: 0, index: 7, flags: 0, change: 0, attrs: { extMask: 0 } } });
    expect(dumpLinks().body).toEqual({ family: 0, type: 0, index: 0, flags: 0, change: 0, attrs: {} });
    const big = dumpRoutes({ family: AF_INET, table: 0x10000, cloned: true }).body;
    expect(big).toMatchObject({ table: 0, scope: 0, dstLen: 0, srcLen: 0, tos: 0, flags: 0x200, attrs: { table: 0x10000 } });
    const v6 = getRoute({ dst: 'fd00::1', src: 'fd00::2' });
    expect(v6).toMatchObject({ type: RTM_GETROUTE, flags: NLM_F_REQUEST, body: { family: AF_INET6, dstLen: 128, srcLen: 128, attrs: { dst: 'fd00::1', src: 'fd00::2' } } });
    expect(getRoute({ dst: '10.1.2.3' }).body).toMatchObject({ family: AF_INET, dstLen: 32, srcLen: 0, flags: 0 });
    expect(dumpNeighbors({ family: AF_INET, ifindex: 3 }).body).toMatchObject({ ifindex: 0, attrs: { ifindex: 3 } });
    expect(dumpNeighbors({ family: AF_BRIDGE, ifindex: 3 }).body).toMatchObject({ ifindex: 3, attrs: {} });
    expect(getNeighbor({ dst: 'fd00::9', ifindex: 3 }).body).toEqual({ family: AF_INET6, ifindex: 3, state: 0, flags: 0, type: 0, attrs: { dst: 'fd00::9' } });
  });

  it('refuse what the kernel would refuse, naming the option', () => {
    expect(() => getLink({ index: 0 })).toThrow(InvalidArgumentError);
    expect(() => getLink({ index: 1.5 })).toThrow(/getLink\.index/);
    expect(() => getLink({ index: 1, name: 'x' } as never)).toThrow(InvalidArgumentError);
    expect(() => getLink({ name: '' })).toThrow(/getLink\.name/);
    expect(() => getLink({ index: 1 }, { extMask: RTEXT_FILTER_VF })).toThrow(/RTEXT_FILTER_VF/);
    expect(() => dumpLinks({ extMask: RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS })).toThrow(InvalidArgumentError);
    expect(() => dumpLinks({ master: -1 })).toThrow(/dumpLinks\.master/);
    // Per-family link dump handlers: inet6_dump_ifinfo takes no attribute, rtnl_bridge_getlink only IFLA_EXT_MASK.
    expect(() => dumpLinks({ family: AF_INET6, skipStats: true })).toThrow(/AF_INET6/);
    expect(() => dumpLinks({ family: AF_INET6, master: 2 })).toThrow(/dumpLinks\.master/);
    expect(() => dumpLinks({ family: AF_BRIDGE, kind: 'veth' })).toThrow(/AF_BRIDGE/);
    expect(dumpLinks({ family: AF_INET6 }).body.attrs).toEqual({});
    expect(dumpLinks({ family: AF_BRIDGE, skipStats: true }).body.attrs).toEqual({ extMask: RTEXT_FILTER_SKIP_STATS });
    expect(() => dumpAddresses({ family: 256 })).toThrow(/dumpAddresses\.family/);
    expect(() => dumpRoutes({ scope: 253 } as never)).toThrow(/scope/);
    expect(() => dumpRoutes({ table: -1 })).toThrow(/dumpRoutes\.table/);
    expect(() => dumpRoutes({ protocol: 256 })).toThrow(InvalidArgumentError);
    expect(() => getRoute({ dst: '10.0.0.300' })).toThrow(InvalidArgumentError);
    expect(() => getRoute({ dst: '10.0.0.1', family: AF_INET6 })).toThrow(/getRoute\.family/);
    expect(() => getRoute({ dst: '10.0.0.1', src: 'fd00::1' })).toThrow(/getRoute\.src/);
    expect(() => getRoute({ dst: '10.0.0.1', sport: 70000 })).toThrow(/getRoute\.sport/);
    expect(() => dumpNeighbors({ family: AF_BRIDGE, proxy: true })).toThrow(/proxy/);
    expect(() => getNeighbor({ dst: '10.0.0.1' })).toThrow(/getNeighbor\.ifindex/);
    expect(() => getNsid({} as never)).toThrow(InvalidArgumentError);
    expect(() => getNsid({ fd: 3, pid: 1 } as never)).toThrow(/exactly one/);
    expect(() => getNsid({ pid: 0 })).toThrow(/getNsid\.pid/);
  });
});
