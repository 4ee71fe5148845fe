import { InvalidArgumentError } from '../../messages/errors.js';
import { describe, it, expect } from 'vitest';
import { decodeMessages, encodeMessage, encodeMessages, type LinkMessage } from '../../messages/message.js';
import { NetlinkDecodeError } from '../../messages/errors.js';
import {
  ARPHRD_ETHER,
  ARPHRD_LOOPBACK,
  IFF_BROADCAST,
  IFF_LOOPBACK,
  IFF_MULTICAST,
  IF_OPER_DOWN,
  operstateName,
  type BridgeData,
  type BridgePortData,
  type LinkBody,
  type VxlanData,
} from '../../messages/link/index.js';
import { decodeErrorOf, expectRoundTrip, hex, insert, messagesOf, onlyBody, splitFrames } from '../helpers/codec-checks.js';
import { fixtureBytes } from '../helpers/fixtures.js';

// The captured frames these tests read are fixtures like every other: test/fixtures/unit/codec-link-*.json,
// each with how, where and after which setup it was captured (va and vb a veth pair, vb a port of br0, vx0 a vxlan).

/** `ip -d link show`: the kernel's RTM_NEWLINK dump datagram (one recvmsg, 8380 bytes, 5 messages). */
const LINK_DUMP = fixtureBytes('codec-link-dump');

/** `ip link add va type veth peer name vb`: iproute2's RTM_NEWLINK request (sendmsg, 84 bytes). */
const VETH_REQUEST = fixtureBytes('codec-link-veth-request');

/** `bridge -d link show`: the kernel's AF_BRIDGE RTM_NEWLINK for port vb (IFLA_PROTINFO = IFLA_BRPORT_*). */
const BRIDGE_PORT_LINK = fixtureBytes('codec-link-bridge-port-link');

/** `ip link add vx0 type vxlan id 42 dstport 4789 local 192.168.56.11`: iproute2's request. */
const VXLAN_REQUEST = fixtureBytes('codec-link-vxlan-request');

/** `ip link add br0 type bridge stp_state 1 vlan_protocol 802.1ad`: iproute2's request. */
const BRIDGE_REQUEST = fixtureBytes('codec-link-bridge-request');

const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const NLM_F_EXCL = 0x200;
const NLM_F_CREATE = 0x400;
const RTM_NEWLINK = 16;
const IPROUTE2_SEQ = 0x6b0a23c9; // the sequence number in VETH_REQUEST

/** An ifinfomsg of zeros: what iproute2 sends when it creates a link. */
const NO_IFINFO = { family: 0, type: 0, index: 0, flags: 0, change: 0 } as const;

const links = (frame: Uint8Array): LinkMessage[] => messagesOf(frame, 'link');
const only = (frame: Uint8Array): LinkBody => onlyBody(frame, 'link');

/** An RTM_NEWLINK request creating a link with `attrs` (by default NLM_F_REQUEST | ACK | EXCL | CREATE). */
function newLink(attrs: LinkBody['attrs'], seq: number, flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE): LinkMessage {
  return { kind: 'link', type: RTM_NEWLINK, flags, seq, pid: 0, body: { ...NO_IFINFO, attrs } };
}

/** Offset of the first attribute of `type` (flag bits ignored) in [start, end). */
function findAttr(b: Uint8Array, start: number, end: number, type: number): number {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let off = start; off + 4 <= end; ) {
    const len = view.getUint16(off, true);
    if ((view.getUint16(off + 2, true) & 0x3fff) === type) return off;
    off += (len + 3) & ~3;
  }
  throw new Error(`attribute ${type} not found`);
}

function attrEnd(b: Uint8Array, off: number): number {
  return off + (b[off]! | (b[off + 1]! << 8));
}

/** Offsets of IFLA_LINKINFO, its IFLA_INFO_DATA and the VETH_INFO_PEER inside, in a veth RTM_NEWLINK. */
function vethPeerChain(b: Uint8Array): { li: number; data: number; peer: number } {
  const li = findAttr(b, 32, b.length, 18);
  const data = findAttr(b, li + 4, attrEnd(b, li), 2);
  const peer = findAttr(b, data + 4, attrEnd(b, data), 1);
  return { li, data, peer };
}

/**
 * A copy of one-message `frame` with the attribute `extra` appended at the end of the container
 * at `chain[chain.length - 1]` (an attribute offset), growing nlmsg_len and every enclosing nla_len.
 */
function inject(frame: Uint8Array, chain: number[], extra: Uint8Array): Uint8Array {
  const inner = chain[chain.length - 1]!;
  const at = attrEnd(frame, inner);
  expect(at % 4).toBe(0);
  return insert(frame, at, extra, chain);
}

function rawAttr(type: number, data: number[]): Uint8Array {
  const out = new Uint8Array((4 + data.length + 3) & ~3);
  new DataView(out.buffer).setUint16(0, 4 + data.length, true);
  new DataView(out.buffer).setUint16(2, type, true);
  out.set(data, 4);
  return out;
}

/** Decoding either succeeds or throws NetlinkDecodeError, for every prefix of `frame`, also with nlmsg_len cut to match. */
function expectTruncationsSafe(frame: Uint8Array): void {
  for (let len = 0; len < frame.length; len++) {
    const cut = frame.slice(0, len);
    for (const variant of [cut, withLength(cut)]) {
      try {
        decodeMessages(variant);
      } catch (e) {
        if (!(e instanceof NetlinkDecodeError)) throw new Error(`length ${len}: ${String(e)}`);
      }
    }
  }
}

function withLength(frame: Uint8Array): Uint8Array {
  const copy = frame.slice();
  if (copy.length >= 4) new DataView(copy.buffer).setUint32(0, copy.length, true);
  return copy;
}

describe('link codec: the kernel dump of `ip -d link show`', () => {
  const messages = links(LINK_DUMP);
  const byName = new Map(messages.map((m) => [m.body.attrs.ifname, m.body]));

  /** IFLA_LINKINFO of the link `name`, whose IFLA_INFO_KIND must be `kind`. */
  function linkinfoOf(name: string, kind: string) {
    const info = byName.get(name)!.attrs.linkinfo!;
    expect(info.kind).toBe(kind);
    return info;
  }

  /** `data` holds at least `fields`, and nothing the tables do not know. */
  function expectKnownFields(data: { unknown?: unknown }, fields: object): void {
    expect(data).toMatchObject(fields);
    expect(data.unknown).toBeUndefined();
  }

  it('holds the five links of the namespace', () => {
    expect(messages.map((m) => m.body.attrs.ifname)).toEqual(['lo', 'vb', 'va', 'br0', 'vx0']);
    for (const m of messages) expect(m.type).toBe(RTM_NEWLINK);
  });

  it('decodes lo', () => {
    const lo = byName.get('lo')!;
    expect(lo).toMatchObject({ family: 0, type: ARPHRD_LOOPBACK, index: 1, flags: IFF_LOOPBACK, change: 0 });
    expect(lo.attrs).toMatchObject({
      ifname: 'lo',
      mtu: 65536,
      minMtu: 0,
      maxMtu: 0,
      txqlen: 1000,
      operstate: IF_OPER_DOWN,
      linkmode: 0,
      group: 0,
      promiscuity: 0,
      allmulti: 0,
      numTxQueues: 1,
      numRxQueues: 1,
      carrier: 1,
      gsoMaxSize: 65536,
      gsoMaxSegs: 65535,
      groMaxSize: 65536,
      tsoMaxSize: 524280,
      tsoMaxSegs: 65535,
      gsoIpv4MaxSize: 65536,
      groIpv4MaxSize: 65536,
      qdisc: 'noop',
      address: '00:00:00:00:00:00',
      broadcast: '00:00:00:00:00:00',
      protoDown: 0,
      netnsImmutable: 1,
      headroom: 0,
      tailroom: 0,
      maxPacingOffloadHorizon: 0n,
      xdp: { attached: 0 },
      map: { memStart: 0n, memEnd: 0n, baseAddr: 0n, irq: 0, dma: 0, port: 0 },
    });
    expect(operstateName(lo.attrs.operstate!)).toBe('DOWN');
    expect(lo.attrs.stats64?.rxPackets).toBe(0n);
    expect(Object.keys(lo.attrs.stats64!)).toHaveLength(25);
    expect(lo.attrs.stats?.rxNohandler).toBe(0);
    expect(lo.attrs.afSpec?.inet?.conf).toHaveLength(33);
    expect(lo.attrs.afSpec?.inet6).toMatchObject({ flags: 0, token: '::', addrGenMode: 0 });
    expect(lo.attrs.afSpec?.inet6?.cacheinfo?.retransTime).toBe(1000);
    expect(lo.attrs.linkinfo).toBeUndefined();
    expect(lo.attrs.unknown).toBeUndefined();
  });

  it('decodes va: a veth, whose kind carries no IFLA_INFO_DATA in dumps', () => {
    const va = byName.get('va')!;
    expect(va).toMatchObject({ type: ARPHRD_ETHER, index: 3, flags: IFF_BROADCAST | IFF_MULTICAST });
    expect(va.attrs).toMatchObject({ ifname: 'va', mtu: 1500, minMtu: 68, maxMtu: 65535, link: 2, address: '6a:55:19:dc:93:29' });
    expect(va.attrs.linkinfo).toEqual({ kind: 'veth' });
  });

  it('decodes vb: a veth port of br0 with IFLA_INFO_SLAVE_KIND bridge and IFLA_BRPORT_* data', () => {
    expect(byName.get('vb')!.attrs).toMatchObject({ ifname: 'vb', master: 4, link: 3, promiscuity: 1, allmulti: 1 });
    const info = linkinfoOf('vb', 'veth');
    expect(info.slaveKind).toBe('bridge');
    // iproute2: state disabled priority 32 cost 2 ... learning on flood on port_id 0x8001 port_no 0x1
    // designated_port 32769 designated_cost 0 designated_bridge 8000.d2:3c:ae:27:b6:c mcast_router 1
    expectKnownFields(info.slaveData as BridgePortData, {
      state: 0,
      priority: 32,
      cost: 2,
      mode: 0,
      guard: 0,
      protect: 0,
      fastLeave: 0,
      learning: 1,
      unicastFlood: 1,
      mcastFlood: 1,
      bcastFlood: 1,
      proxyarp: 0,
      proxyarpWifi: 0,
      id: 0x8001,
      no: 1,
      designatedPort: 32769,
      designatedCost: 0,
      rootId: { priority: 0x8000, address: 'd2:3c:ae:27:b6:0c' },
      bridgeId: { priority: 0x8000, address: 'd2:3c:ae:27:b6:0c' },
      topologyChangeAck: 0,
      configPending: 0,
      messageAgeTimer: 0n,
      forwardDelayTimer: 0n,
      holdTimer: 0n,
      multicastRouter: 1,
      mcastToUcast: 0,
      neighSuppress: 0,
      groupFwdMask: 0,
      vlanTunnel: 0,
      isolated: 0,
      locked: 0,
      mab: 0,
      neighVlanSuppress: 0,
      mcastEhtHostsLimit: 512,
      mcastEhtHostsCnt: 0,
      mcastNGroups: 0,
      mcastMaxGroups: 0,
    });
  });

  it('decodes br0: IFLA_BR_* as iproute2 prints them', () => {
    const data = linkinfoOf('br0', 'bridge').data as BridgeData;
    // iproute2: forward_delay 1500 hello_time 200 max_age 2000 ageing_time 30000 stp_state 0
    // priority 32768 vlan_filtering 0 bridge_id 8000.d2:3c:ae:27:b6:c ... group_address 01:80:c2:00:00:00
    expectKnownFields(data, {
      forwardDelay: 1500,
      helloTime: 200,
      maxAge: 2000,
      ageingTime: 30000,
      stpState: 0,
      priority: 32768,
      vlanFiltering: 0,
      groupFwdMask: 0,
      bridgeId: { priority: 0x8000, address: 'd2:3c:ae:27:b6:0c' },
      rootId: { priority: 0x8000, address: 'd2:3c:ae:27:b6:0c' },
      rootPort: 0,
      rootPathCost: 0,
      topologyChange: 0,
      topologyChangeDetected: 0,
      helloTimer: 0n,
      tcnTimer: 0n,
      topologyChangeTimer: 0n,
      gcTimer: 0n,
      groupAddr: '01:80:c2:00:00:00',
      multiBoolopt: { optval: 0, optmask: 0x1f },
      fdbNLearned: 0,
      fdbMaxLearned: 0,
      mcastRouter: 1,
      mcastSnooping: 1,
      mcastQueryUseIfaddr: 0,
      mcastQuerier: 0,
      mcastStatsEnabled: 0,
      mcastHashElasticity: 16,
      mcastHashMax: 4096,
      mcastLastMemberCnt: 2,
      mcastStartupQueryCnt: 2,
      mcastIgmpVersion: 2,
      mcastMldVersion: 1,
      mcastLastMemberIntvl: 100n,
      mcastMembershipIntvl: 26000n,
      mcastQuerierIntvl: 25500n,
      mcastQueryIntvl: 12500n,
      mcastQueryResponseIntvl: 1000n,
      mcastStartupQueryIntvl: 3124n,
      nfCallIptables: 0,
      nfCallIp6tables: 0,
      nfCallArptables: 0,
    });
  });

  it('decodes vx0: IFLA_VXLAN_* with id 42, dstport 4789, local 192.168.56.11', () => {
    const data = linkinfoOf('vx0', 'vxlan').data as VxlanData;
    // iproute2: vxlan id 42 local 192.168.56.11 srcport 0 0 dstport 4789 ttl auto ageing 300 udpcsum
    // noudp6zerocsumtx noudp6zerocsumrx
    expectKnownFields(data, {
      id: 42,
      local: '192.168.56.11',
      port: 4789,
      portRange: { low: 0, high: 0 },
      ttl: 0,
      ttlInherit: 0, // the kernel reports this NLA_FLAG attribute as a u8
      tos: 0,
      df: 0,
      label: 0,
      labelPolicy: 0,
      learning: 1,
      proxy: 0,
      rsc: 0,
      l2miss: 0,
      l3miss: 0,
      collectMetadata: 0,
      ageing: 300,
      limit: 0,
      udpCsum: 1,
      udpZeroCsum6Tx: 0,
      udpZeroCsum6Rx: 0,
      remcsumTx: 0,
      remcsumRx: 0,
      localbypass: 1,
    });
    expect(data.link).toBeUndefined(); // no underlying device: IFLA_VXLAN_LINK is left out
    expect(data.reservedBits).toEqual(hex('f7ffffff000000ff'));
  });

  it('re-encodes the whole datagram byte for byte', () => {
    expect(encodeMessages(decodeMessages(LINK_DUMP))).toEqual(LINK_DUMP);
    for (const frame of splitFrames(LINK_DUMP)) expect(encodeMessage(decodeMessages(frame)[0]!)).toEqual(frame);
  });

  it('keeps the NLA_F_NESTED bit of the empty IFLA_DEVLINK_PORT and IFLA_DPLL_PIN nests', () => {
    const lo = splitFrames(LINK_DUMP)[0]!;
    const body = only(lo);
    expect(body.attrs.devlinkPort).toEqual(new Uint8Array(0));
    expect(body.attrs.dpllPin).toEqual(new Uint8Array(0));
    const off = findAttr(lo, 32, lo.length, 62);
    expect(lo[off + 3]! & 0x80).toBe(0x80);
    expect(encodeMessage(decodeMessages(lo)[0]!)).toEqual(lo);
  });

  it('re-encodes edited values while keeping the rest of the wire order', () => {
    const [frame] = splitFrames(LINK_DUMP).slice(4);
    const [message] = decodeMessages(frame!);
    const vx = message as LinkMessage;
    (vx.body.attrs.linkinfo!.data as VxlanData).port = 8472;
    vx.body.attrs.mtu = 1450;
    const again = only(encodeMessage(vx));
    expect((again.attrs.linkinfo!.data as VxlanData).port).toBe(8472);
    expect(again.attrs.mtu).toBe(1450);
    expect(Object.keys(again.attrs)).toEqual(Object.keys(vx.body.attrs));
  });

  it('decodes every truncation or throws NetlinkDecodeError', () => {
    for (const frame of splitFrames(LINK_DUMP)) expectTruncationsSafe(frame);
  });
});

describe('link codec: an unknown link kind', () => {
  const vx0 = splitFrames(LINK_DUMP)[4]!;
  const renamed = vx0.slice();
  const linkinfo = findAttr(renamed, 32, renamed.length, 18);
  const kindAt = findAttr(renamed, linkinfo + 4, attrEnd(renamed, linkinfo), 1);
  expect(Buffer.from(renamed.subarray(kindAt + 4, kindAt + 9)).toString()).toBe('vxlan');
  renamed[kindAt + 8] = 'z'.charCodeAt(0); // "vxlaz": a kind without a table

  it('keeps IFLA_INFO_DATA as raw bytes and writes them back unchanged', () => {
    const body = only(renamed);
    const dataAt = findAttr(renamed, linkinfo + 4, attrEnd(renamed, linkinfo), 2);
    expect(body.attrs.linkinfo?.kind).toBe('vxlaz');
    expect(body.attrs.linkinfo?.data).toEqual(renamed.slice(dataAt + 4, attrEnd(renamed, dataAt)));
    expect(encodeMessage(decodeMessages(renamed)[0]!)).toEqual(renamed);
  });

  it('encodes user-built raw data for any kind, without NLA_F_NESTED', () => {
    const bytes = encodeMessage(newLink({ ifname: 'x0', linkinfo: { kind: 'dummy', data: hex('0800010001000000') } }, 1));
    const body = only(bytes);
    expect(body.attrs.linkinfo).toEqual({ kind: 'dummy', data: hex('0800010001000000') });
    const li = findAttr(bytes, 32, bytes.length, 18);
    expect(bytes[li + 3]! & 0x80).toBe(0);
  });
});

describe('link codec: iproute2 requests', () => {
  it('decodes `ip link add va type veth peer name vb` to a peer named vb', () => {
    const [message] = links(VETH_REQUEST);
    expect(message!.flags).toBe(NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE);
    const body = message!.body;
    expect(body).toMatchObject(NO_IFINFO);
    expect(body.attrs.ifname).toBe('va');
    const info = body.attrs.linkinfo!;
    expect(info.kind).toBe('veth');
    expect(info.data).toEqual({ peer: { ...NO_IFINFO, attrs: { ifname: 'vb' } } });
  });

  it('re-encodes it byte for byte', () => {
    expect(encodeMessage(decodeMessages(VETH_REQUEST)[0]!)).toEqual(VETH_REQUEST);
  });

  it('builds the same bytes from a plain object', () => {
    const message = newLink({ ifname: 'va', linkinfo: { kind: 'veth', data: { peer: { ...NO_IFINFO, attrs: { ifname: 'vb' } } } } }, IPROUTE2_SEQ);
    expect(encodeMessage(message)).toEqual(VETH_REQUEST);
  });

  it('builds the vxlan request iproute2 sends (big-endian port) from a plain object', () => {
    const [decoded] = links(VXLAN_REQUEST);
    expect(decoded!.body.attrs.linkinfo).toEqual({ kind: 'vxlan', data: { id: 42, local: '192.168.56.11', learning: 1, port: 4789 } });
    const built = newLink({ ifname: 'vx0', linkinfo: { kind: 'vxlan', data: { id: 42, local: '192.168.56.11', learning: 1, port: 4789 } } }, decoded!.seq, decoded!.flags);
    expect(encodeMessage(built)).toEqual(VXLAN_REQUEST);
    expect(encodeMessage(decoded!)).toEqual(VXLAN_REQUEST);
  });

  it('builds the bridge request iproute2 sends (big-endian vlan_protocol) from a plain object', () => {
    const [decoded] = links(BRIDGE_REQUEST);
    expect(decoded!.body.attrs.linkinfo).toEqual({ kind: 'bridge', data: { stpState: 1, vlanProtocol: 0x88a8 } });
    const built = newLink({ ifname: 'br0', linkinfo: { kind: 'bridge', data: { stpState: 1, vlanProtocol: 0x88a8 } } }, decoded!.seq, decoded!.flags);
    expect(encodeMessage(built)).toEqual(BRIDGE_REQUEST);
  });

  it('decodes every truncation or throws NetlinkDecodeError', () => {
    expectTruncationsSafe(VETH_REQUEST);
    expectTruncationsSafe(VXLAN_REQUEST);
    expectTruncationsSafe(BRIDGE_REQUEST);
  });

  it('names the path down to VETH_INFO_PEER when the peer is too short for its ifinfomsg', () => {
    const bad = VETH_REQUEST.slice();
    new DataView(bad.buffer).setUint16(vethPeerChain(bad).peer, 12, true);
    expect(decodeErrorOf(bad).path).toBe('RTM_NEWLINK > IFLA_LINKINFO > IFLA_INFO_DATA(veth) > VETH_INFO_PEER');
  });
});

describe('link codec: user-built veth request', () => {
  const request = newLink(
    {
      ifname: 'veth-host',
      mtu: 1400,
      linkinfo: { kind: 'veth', data: { peer: { ...NO_IFINFO, attrs: { ifname: 'eth0', netNsFd: 5, address: '02:00:00:00:00:01', mtu: 1400 } } } },
    },
    7,
  );

  it('encodes and decodes back to the same object', () => {
    expectRoundTrip(request);
  });

  it('writes IFLA_LINKINFO, IFLA_INFO_DATA and VETH_INFO_PEER without NLA_F_NESTED, like iproute2', () => {
    const bytes = encodeMessage(request);
    const { li, data, peer } = vethPeerChain(bytes);
    for (const off of [li, data, peer]) expect(bytes[off + 3]! & 0xc0).toBe(0);
    const fd = findAttr(bytes, peer + 4 + 16, attrEnd(bytes, peer), 28);
    expect(new DataView(bytes.buffer).getUint32(fd + 4, true)).toBe(5);
  });

  it('throws InvalidArgumentError naming the field for a 16-byte ifname', () => {
    const long: LinkMessage = { ...request, body: { ...request.body, attrs: { ifname: 'sixteen-bytes-xx' } } };
    expect(() => encodeMessage(long)).toThrow(InvalidArgumentError);
    expect(() => encodeMessage(long)).toThrow(/attrs\.ifname/);
    const peer = structuredClone(request);
    const info = peer.body.attrs.linkinfo!;
    if (info.kind !== 'veth' || !info.data || info.data instanceof Uint8Array) throw new Error('unexpected');
    info.data.peer!.attrs.ifname = 'x'.repeat(16);
    expect(() => encodeMessage(peer)).toThrow(InvalidArgumentError);
    expect(() => encodeMessage(peer)).toThrow(/linkinfo\.data\.peer\.attrs\.ifname/);
  });

  it('throws InvalidArgumentError naming the field for a bad MAC or a bad vxlan address', () => {
    const mac: LinkMessage = { ...request, body: { ...request.body, attrs: { address: 'not-a-mac' } } };
    expect(() => encodeMessage(mac)).toThrow(InvalidArgumentError);
    expect(() => encodeMessage(mac)).toThrow(/attrs\.address/);
    const vx: LinkMessage = { ...request, body: { ...request.body, attrs: { linkinfo: { kind: 'vxlan', data: { local: '300.1.1.1' } } } } };
    expect(() => encodeMessage(vx)).toThrow(/attrs\.linkinfo\.data\.local/);
  });
});

describe('link codec: unknown attributes survive at every nesting level', () => {
  const EXTRA = [0xde, 0xad, 0xbe, 0xef];

  function roundTrip(frame: Uint8Array): LinkBody {
    expect(encodeMessage(decodeMessages(frame)[0]!)).toEqual(frame);
    return only(frame);
  }

  it('inside IFLA_LINKINFO, IFLA_INFO_DATA and VETH_INFO_PEER of the veth request', () => {
    const { li, data, peer } = vethPeerChain(VETH_REQUEST);

    const inLinkinfo = roundTrip(inject(VETH_REQUEST, [li], rawAttr(0x7e, EXTRA)));
    expect(inLinkinfo.attrs.linkinfo?.unknown).toEqual([{ type: 0x7e, data: new Uint8Array(EXTRA) }]);

    const inData = roundTrip(inject(VETH_REQUEST, [li, data], rawAttr(0x8000 | 0x7d, EXTRA)));
    const vethData = inData.attrs.linkinfo?.data;
    expect(vethData && !(vethData instanceof Uint8Array) && 'peer' in vethData && vethData.unknown).toEqual([
      { type: 0x8000 | 0x7d, data: new Uint8Array(EXTRA) },
    ]);

    const inPeer = roundTrip(inject(VETH_REQUEST, [li, data, peer], rawAttr(0x4000 | 0x3fc, EXTRA)));
    const peerData = inPeer.attrs.linkinfo?.data;
    if (!peerData || peerData instanceof Uint8Array || !('peer' in peerData)) throw new Error('no veth peer');
    expect(peerData.peer?.attrs.ifname).toBe('vb');
    expect(peerData.peer?.attrs.unknown).toEqual([{ type: 0x4000 | 0x3fc, data: new Uint8Array(EXTRA) }]);
  });

  it('inside the bridge IFLA_INFO_DATA and the bridge port IFLA_INFO_SLAVE_DATA of the dump', () => {
    const [, vb, , br] = splitFrames(LINK_DUMP);
    const brLi = findAttr(br!, 32, br!.length, 18);
    const brData = findAttr(br!, brLi + 4, attrEnd(br!, brLi), 2);
    const bridge = roundTrip(inject(br!, [brLi, brData], rawAttr(0x3f0, EXTRA)));
    expect((bridge.attrs.linkinfo?.data as BridgeData).unknown).toEqual([{ type: 0x3f0, data: new Uint8Array(EXTRA) }]);
    expect((bridge.attrs.linkinfo?.data as BridgeData).forwardDelay).toBe(1500);

    const vbLi = findAttr(vb!, 32, vb!.length, 18);
    const vbSlave = findAttr(vb!, vbLi + 4, attrEnd(vb!, vbLi), 5);
    const port = roundTrip(inject(vb!, [vbLi, vbSlave], rawAttr(0x3f1, EXTRA)));
    expect((port.attrs.linkinfo?.slaveData as BridgePortData).unknown).toEqual([{ type: 0x3f1, data: new Uint8Array(EXTRA) }]);
  });

  it('at the top level and after edits by the caller', () => {
    const [decoded] = links(VETH_REQUEST);
    decoded!.body.attrs.unknown = [{ type: 0x3ff, data: new Uint8Array(EXTRA) }];
    const again = only(encodeMessage(decoded!));
    expect(again.attrs.unknown).toEqual([{ type: 0x3ff, data: new Uint8Array(EXTRA) }]);
    expect(again.attrs.linkinfo).toEqual(decoded!.body.attrs.linkinfo);
  });
});

describe('link codec: AF_BRIDGE link messages (`bridge -d link show`)', () => {
  it('decodes IFLA_PROTINFO as IFLA_BRPORT_* and re-encodes byte for byte', () => {
    const [message] = links(BRIDGE_PORT_LINK);
    const body = message!.body;
    expect(body.family).toBe(7);
    expect(body.attrs).toMatchObject({ ifname: 'vb', master: 4, mtu: 1500, operstate: IF_OPER_DOWN, link: 3 });
    // bridge: state disabled priority 32 cost 2 hairpin off guard off root_block off fastleave off
    // learning on flood on mcast_flood on bcast_flood on mcast_router 1 ... locked off
    expect(body.attrs.protinfo).toMatchObject({ state: 0, priority: 32, cost: 2, mode: 0, guard: 0, protect: 0, fastLeave: 0, learning: 1, unicastFlood: 1, mcastFlood: 1, bcastFlood: 1, multicastRouter: 1, locked: 0 });
    expect(encodeMessage(message!)).toEqual(BRIDGE_PORT_LINK);
    expectTruncationsSafe(BRIDGE_PORT_LINK);
  });
});
