import { InvalidArgumentError } from '../../messages/errors.js';
import { describe, expect, it } from 'vitest';
import { decodeMessages, encodeMessage, encodeMessages, type NeighborMessage, type NetlinkMessage } from '../../messages/message.js';
import { NetlinkDecodeError } from '../../messages/errors.js';
import { AF_BRIDGE, AF_INET, AF_INET6, NLM_F_ACK, NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST, RTM_NEWNEIGH } from '../../messages/constants.js';
import {
  FDB_NOTIFY_BIT,
  NTF_EXT_MANAGED,
  NTF_PROXY,
  NTF_SELF,
  NUD_INCOMPLETE,
  NUD_NOARP,
  NUD_PERMANENT,
  type NeighborBody,
} from '../../messages/neighbor/index.js';
import { equalBytes, expectRoundTrip, hex, insert, onlyBody } from '../helpers/codec-checks.js';
import { fixtureBytes } from '../helpers/fixtures.js';

// The captured frames these tests read are fixtures like every other: test/fixtures/unit/codec-neighbor-*.json,
// each with how, where and after which setup it was captured (va is ifindex 3, vb 2, vx0 4, br0 5).

/** `ip neigh show`: one reply datagram, ARP and NDP entries followed by NLMSG_DONE. */
const NEIGH_DUMP = fixtureBytes('codec-neighbor-neigh-dump');

/** `ip neigh show proxy`: the proxy (pneigh) entry 10.0.0.77 dev va, then NLMSG_DONE. */
const PROXY_DUMP = fixtureBytes('codec-neighbor-proxy-dump');

/** `bridge fdb show dev vx0`: the vxlan FDB (NDA_DST, NDA_VNI, NDA_PORT). */
const FDB_VXLAN_DUMP = fixtureBytes('codec-neighbor-fdb-vxlan-dump');

/** `bridge fdb show br br0`: bridge FDB entries (NDA_MASTER, NDA_FLAGS_EXT) and port multicast entries. */
const FDB_BRIDGE_DUMP = fixtureBytes('codec-neighbor-fdb-bridge-dump');

/** The request of `ip neigh add 10.0.0.9 lladdr 02:00:00:00:00:09 dev va`. */
const NEIGH_ADD_V4 = fixtureBytes('codec-neighbor-neigh-add-v4');

/** The request of `ip -6 neigh add fd00::9 lladdr 02:00:00:00:00:09 dev va`. */
const NEIGH_ADD_V6 = fixtureBytes('codec-neighbor-neigh-add-v6');

/** The request of `bridge fdb append 00:00:00:00:00:00 dev vx0 dst 192.168.56.12`. */
const FDB_APPEND = fixtureBytes('codec-neighbor-fdb-append');

const FRAMES: Record<string, Uint8Array> = {
  NEIGH_DUMP,
  PROXY_DUMP,
  FDB_VXLAN_DUMP,
  FDB_BRIDGE_DUMP,
  NEIGH_ADD_V4,
  NEIGH_ADD_V6,
  FDB_APPEND,
};

function neighbors(messages: NetlinkMessage[]): NeighborMessage[] {
  return messages.filter((m): m is NeighborMessage => m.kind === 'neighbor');
}

function expectDecodeErrorOrSuccess(bytes: Uint8Array): void {
  try {
    decodeMessages(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(NetlinkDecodeError);
  }
}

describe('neighbour dumps captured from the kernel', () => {
  it('decodes ARP and NDP entries', () => {
    const messages = decodeMessages(NEIGH_DUMP);
    expect(messages.map((m) => m.kind)).toEqual([...Array(9).fill('neighbor'), 'done']);
    const [arp, managed, , proto] = neighbors(messages);
    expect(arp!.type).toBe(RTM_NEWNEIGH);
    expect(arp!.body).toEqual({
      family: AF_INET,
      ifindex: 3,
      state: NUD_PERMANENT,
      flags: 0,
      type: 1, // RTN_UNICAST
      attrs: {
        dst: '10.0.0.9',
        lladdr: '02:00:00:00:00:09',
        probes: 0,
        cacheinfo: { confirmed: 5, used: 5, updated: 5, refcnt: 0 },
      },
    });
    // `ip neigh add 10.0.0.12 dev va managed`: no lladdr yet, NTF_EXT_MANAGED in NDA_FLAGS_EXT.
    expect(managed!.body.state).toBe(NUD_INCOMPLETE);
    expect(managed!.body.attrs.lladdr).toBeUndefined();
    expect(managed!.body.attrs.flagsExt).toBe(NTF_EXT_MANAGED);
    expect(managed!.body.attrs.probes).toBe(4);
    // `proto static` is NDA_PROTOCOL 4 (RTPROT_STATIC).
    expect(proto!.body.attrs).toMatchObject({ dst: '10.0.0.11', lladdr: '02:00:00:00:00:0b', protocol: 4 });
    const v6 = neighbors(messages).filter((m) => m.body.family === AF_INET6);
    expect(v6.map((m) => m.body.attrs.dst)).toEqual(['ff02::16', 'ff02::16', 'ff02::2', 'ff02::2', 'fd00::9']);
    expect(v6[0]!.body).toMatchObject({ state: NUD_NOARP, type: 5, attrs: { lladdr: '33:33:00:00:00:16' } }); // RTN_MULTICAST
    expect(v6[4]!.body).toMatchObject({ ifindex: 3, state: NUD_PERMANENT, attrs: { lladdr: '02:00:00:00:00:09' } });
  });

  it('decodes a proxy entry', () => {
    const [proxy, done] = decodeMessages(PROXY_DUMP);
    expect(done!.kind).toBe('done');
    expect(proxy).toMatchObject({ kind: 'neighbor', body: { family: AF_INET, ifindex: 3, state: 0, flags: NTF_PROXY, type: 1, attrs: { dst: '10.0.0.77' } } });
  });

  it('decodes vxlan FDB entries with NDA_DST, NDA_VNI and NDA_PORT', () => {
    const entries = neighbors(decodeMessages(FDB_VXLAN_DUMP));
    expect(entries.map((m) => m.body.attrs)).toEqual([
      { lladdr: '02:00:00:00:00:55', dst: '192.168.56.14', vni: 99, cacheinfo: { confirmed: 0, used: 4, updated: 4, refcnt: 0 } },
      { lladdr: '00:00:00:00:00:00', dst: '192.168.56.12', cacheinfo: { confirmed: 0, used: 5, updated: 5, refcnt: 0 } },
      // NDA_PORT is big-endian on the wire (12 b6).
      { lladdr: '00:00:00:00:00:00', dst: '192.168.56.13', port: 4790, vni: 77, cacheinfo: { confirmed: 0, used: 5, updated: 5, refcnt: 0 } },
    ]);
    for (const m of entries) {
      expect(m.body).toMatchObject({ family: AF_BRIDGE, ifindex: 4, state: NUD_PERMANENT | NUD_NOARP, flags: NTF_SELF, type: 1 });
    }
  });

  it('decodes bridge FDB entries with NDA_MASTER and NDA_FLAGS_EXT', () => {
    const entries = neighbors(decodeMessages(FDB_BRIDGE_DUMP));
    expect(entries).toHaveLength(10);
    expect(entries[0]!.body).toEqual({
      family: AF_BRIDGE,
      ifindex: 2,
      state: NUD_NOARP, // `static`
      flags: 0,
      type: 0,
      attrs: { lladdr: '02:00:00:00:00:77', master: 5, flagsExt: 0, cacheinfo: { confirmed: 0, used: 5, updated: 5, refcnt: 0 } },
    });
    expect(entries[2]!.body).toEqual({ family: AF_BRIDGE, ifindex: 2, state: NUD_PERMANENT, flags: NTF_SELF, type: 0, attrs: { lladdr: '33:33:00:00:00:01' } });
  });

  it('re-encodes every captured datagram byte for byte', () => {
    for (const [name, frame] of Object.entries(FRAMES)) {
      const messages = decodeMessages(frame);
      expect(Buffer.from(encodeMessages(messages)).toString('hex'), name).toBe(Buffer.from(frame).toString('hex'));
    }
  });

  it('re-encodes a decoded entry after a change, keeping the other attributes', () => {
    const [entry] = decodeMessages(NEIGH_ADD_V4) as NeighborMessage[];
    entry!.body.attrs.lladdr = '02:00:00:00:00:aa';
    entry!.body.state = NUD_NOARP;
    const again = decodeMessages(encodeMessage(entry!))[0] as NeighborMessage;
    expect(again.body).toEqual({ family: AF_INET, ifindex: 3, state: NUD_NOARP, flags: 0, type: 0, attrs: { dst: '10.0.0.9', lladdr: '02:00:00:00:00:aa' } });
  });
});

describe('iproute2 requests', () => {
  it('ip neigh add (IPv4)', () => {
    const [m] = decodeMessages(NEIGH_ADD_V4);
    expect(m).toMatchObject({
      kind: 'neighbor',
      type: RTM_NEWNEIGH,
      flags: NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE,
      pid: 0,
      body: { family: AF_INET, ifindex: 3, state: NUD_PERMANENT, flags: 0, type: 0, attrs: { dst: '10.0.0.9', lladdr: '02:00:00:00:00:09' } },
    });
  });

  it('ip -6 neigh add', () => {
    const [m] = decodeMessages(NEIGH_ADD_V6);
    expect(m).toMatchObject({
      flags: NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE,
      body: { family: AF_INET6, ifindex: 3, state: NUD_PERMANENT, attrs: { dst: 'fd00::9', lladdr: '02:00:00:00:00:09' } },
    });
  });

  it('bridge fdb append (lladdr before dst, as iproute2 writes them)', () => {
    const [m] = decodeMessages(FDB_APPEND);
    expect(m).toMatchObject({
      flags: NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_APPEND,
      body: { family: AF_BRIDGE, ifindex: 4, state: NUD_PERMANENT | NUD_NOARP, flags: NTF_SELF, type: 0, attrs: { lladdr: '00:00:00:00:00:00', dst: '192.168.56.12' } },
    });
  });

  it('user-built requests encode exactly as iproute2 does', () => {
    const build = (body: NeighborBody, flags: number): NeighborMessage => ({ kind: 'neighbor', type: RTM_NEWNEIGH, flags, seq: 0x6b0a23d7, pid: 0, body });
    const add = NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE;
    expect(encodeMessage(build({ family: AF_INET, ifindex: 3, state: NUD_PERMANENT, flags: 0, type: 0, attrs: { dst: '10.0.0.9', lladdr: '02:00:00:00:00:09' } }, add))).toEqual(NEIGH_ADD_V4);
    expect(encodeMessage(build({ family: AF_INET6, ifindex: 3, state: NUD_PERMANENT, flags: 0, type: 0, attrs: { dst: 'fd00::9', lladdr: '02:00:00:00:00:09' } }, add))).toEqual(NEIGH_ADD_V6);
    // Table order puts NDA_DST (1) before NDA_LLADDR (2); bridge writes LLADDR first. Same content:
    const fdb = build(
      { family: AF_BRIDGE, ifindex: 4, state: NUD_PERMANENT | NUD_NOARP, flags: NTF_SELF, type: 0, attrs: { lladdr: '00:00:00:00:00:00', dst: '192.168.56.12' } },
      NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_APPEND,
    );
    const ours = encodeMessage(fdb);
    expect(ours.length).toBe(FDB_APPEND.length);
    expect(ours.subarray(0, 28)).toEqual(FDB_APPEND.subarray(0, 28));
    expect(decodeMessages(ours)[0]!.body).toEqual(decodeMessages(FDB_APPEND)[0]!.body);
  });
});

describe('user-built neighbour messages', () => {
  const full: NeighborMessage = {
    kind: 'neighbor',
    type: RTM_NEWNEIGH,
    flags: NLM_F_REQUEST,
    seq: 1,
    pid: 0,
    body: {
      family: AF_BRIDGE,
      ifindex: 7,
      state: NUD_NOARP,
      flags: NTF_SELF,
      type: 0,
      attrs: {
        dst: 'fd00::14',
        lladdr: '02:00:00:00:00:66',
        cacheinfo: { confirmed: 1, used: 2, updated: 3, refcnt: 4 },
        probes: 3,
        vlan: 100,
        port: 4789,
        vni: 0xffffff,
        ifindex: 9,
        master: 5,
        linkNetnsid: -1,
        srcVni: 42,
        protocol: 186,
        nhId: 77,
        fdbExtAttrs: { activityNotify: FDB_NOTIFY_BIT, dontRefresh: true },
        flagsExt: NTF_EXT_MANAGED,
        ndmStateMask: 0xffff,
        ndmFlagsMask: 0xff,
      },
    },
  };

  it('round-trips every attribute', () => {
    expectRoundTrip(full);
  });

  it('lays out ndmsg as the kernel does', () => {
    const bytes = encodeMessage({ kind: 'neighbor', type: RTM_NEWNEIGH, flags: 0, seq: 0, pid: 0, body: { family: 2, ifindex: -2, state: 0x1234, flags: 0x56, type: 0x78, attrs: {} } });
    expect(Buffer.from(bytes).toString('hex')).toBe('1c0000001c000000000000000000000002000000feffffff34125678');
  });

  it('writes NDA_FDB_EXT_ATTRS with NLA_F_NESTED, NDA_PORT big-endian and other values little-endian', () => {
    const bytes = encodeMessage(full);
    const text = Buffer.from(bytes).toString('hex');
    expect(text).toContain('06000600' + '12b5'); // NDA_PORT 4789
    expect(text).toContain('08000700' + 'ffffff00'); // NDA_VNI
    expect(text).toContain('06000500' + '6400'); // NDA_VLAN 100
    expect(text).toContain('08000a00' + 'ffffffff'); // NDA_LINK_NETNSID -1
    expect(text).toContain('10000e80' + '05000100' + '01000000' + '04000200'); // nested ACTIVITY_NOTIFY, DONT_REFRESH
  });

  it('keeps unknown attributes at the top level and inside NDA_FDB_EXT_ATTRS', () => {
    const [m] = decodeMessages(encodeMessage(full)) as NeighborMessage[];
    m!.body.attrs.unknown = [{ type: 0x4000 | 99, data: Uint8Array.of(1, 2, 3) }];
    m!.body.attrs.fdbExtAttrs!.unknown = [{ type: 9, data: Uint8Array.of(0xaa, 0xbb, 0xcc, 0xdd) }];
    const bytes = encodeMessage(m!);
    const [back] = decodeMessages(bytes) as NeighborMessage[];
    expect(back!.body.attrs.unknown).toEqual([{ type: 0x4000 | 99, data: Uint8Array.of(1, 2, 3) }]);
    expect(back!.body.attrs.fdbExtAttrs).toEqual({ activityNotify: 1, dontRefresh: true, unknown: [{ type: 9, data: Uint8Array.of(0xaa, 0xbb, 0xcc, 0xdd) }] });
    expect(encodeMessage(back!)).toEqual(bytes);
  });

  it('refuses an unknown attribute of a known type placed before that field, and keeps one placed after it', () => {
    // The first entry of the vxlan FDB dump with NDA 63 (unknown) inserted before its first attribute,
    // then with a second NDA_LLADDR appended (the decoder keeps a repeat of a single attribute as unknown).
    const first = FDB_VXLAN_DUMP.slice(0, 0x4c);
    const [before] = decodeMessages(insert(first, 28, hex('0800' + '3f00' + 'deadbeef'), [])) as NeighborMessage[];
    expect(before!.body.attrs.lladdr).toBeDefined();
    before!.body.attrs.unknown = [{ type: 2, data: hex('020000000001') }];
    expect(() => encodeMessage(before!)).toThrow(/NDA_LLADDR and comes before lladdr's own attribute/);
    const after = insert(first, first.length, hex('0a00' + '0200' + '020000000001' + '0000'), []);
    const [m] = decodeMessages(after) as NeighborMessage[];
    expect(m!.body.attrs.unknown).toEqual([{ type: 2, data: hex('020000000001') }]);
    expect(encodeMessage(m!)).toEqual(after);
  });

  it('keeps an unknown attribute the kernel might add in a captured entry', () => {
    // NDA 63 (unknown) appended to the first entry of the vxlan FDB dump, nlmsg_len adjusted.
    const first = FDB_VXLAN_DUMP.slice(0, 0x4c);
    const frame = insert(first, first.length, hex('0800' + '3f00' + 'deadbeef'), []);
    const [m] = decodeMessages(frame) as NeighborMessage[];
    expect(m!.body.attrs.unknown).toEqual([{ type: 63, data: hex('deadbeef') }]);
    expect(encodeMessage(m!)).toEqual(frame);
  });

  it('rejects bad values with InvalidArgumentError naming the field', () => {
    const withAttrs = (attrs: Record<string, unknown>, header: Partial<NeighborBody> = {}): NeighborMessage =>
      ({ kind: 'neighbor', type: RTM_NEWNEIGH, flags: 0, seq: 0, pid: 0, body: { family: 2, ifindex: 1, state: 0, flags: 0, type: 0, ...header, attrs } }) as NeighborMessage;
    expect(() => encodeMessage(withAttrs({ lladdr: 'zz:00' }))).toThrow(InvalidArgumentError);
    expect(() => encodeMessage(withAttrs({ lladdr: 'zz:00' }))).toThrow(/lladdr/);
    expect(() => encodeMessage(withAttrs({ dst: '10.0.0.256' }))).toThrow(/dst/);
    expect(() => encodeMessage(withAttrs({ port: 65536 }))).toThrow(InvalidArgumentError);
    expect(() => encodeMessage(withAttrs({ vlan: -1 }))).toThrow(/vlan/);
    expect(() => encodeMessage(withAttrs({ cacheinfo: { confirmed: 1, used: 2, updated: 3 } }))).toThrow(/refcnt/);
    expect(() => encodeMessage(withAttrs({ fdbExtAttrs: { dontRefresh: false } }))).toThrow(/dontRefresh/);
    expect(() => encodeMessage(withAttrs({}, { state: 0x10000 }))).toThrow(/state/);
    expect(() => encodeMessage(withAttrs({}, { flags: 256 }))).toThrow(InvalidArgumentError);
  });
});

describe('malformed input', () => {
  it('every truncation of every captured frame decodes or throws NetlinkDecodeError', () => {
    for (const frame of Object.values(FRAMES)) {
      for (let len = 0; len < frame.length; len++) {
        const cut = frame.slice(0, len);
        expectDecodeErrorOrSuccess(cut);
        // Also with the enclosing message's nlmsg_len shrunk to the cut, so that the truncation
        // reaches the ndmsg and the attribute walker instead of stopping at the message header.
        let off = 0;
        while (off + 16 <= len) {
          const mlen = new DataView(frame.buffer, frame.byteOffset).getUint32(off, true);
          if (off + mlen > len) {
            new DataView(cut.buffer).setUint32(off, len - off, true);
            break;
          }
          off += (mlen + 3) & ~3;
        }
        expectDecodeErrorOrSuccess(cut);
      }
    }
  });

  it('keeps a short NDA_CACHEINFO as bytes, saying where and why, and writes it back', () => {
    // NDA_CACHEINFO of the first ARP entry cut to 12 bytes (nla_len 0x10).
    const frame = NEIGH_DUMP.slice(0, 0x4c);
    const at = 0x38; // the NDA_CACHEINFO header, the entry's last attribute
    expect(Buffer.from(frame.subarray(at, at + 4)).toString('hex')).toBe('14000300');
    frame[at] = 0x10;
    const cut = frame.slice(0, frame.length - 4);
    new DataView(cut.buffer).setUint32(0, cut.length, true);
    const body = onlyBody(cut, 'neighbor');
    expect(body.attrs.cacheinfo).toBeUndefined();
    expect(body.attrs.unknown).toEqual([{ type: 3, data: cut.slice(at + 4), reason: `RTM_NEWNEIGH > NDA_CACHEINFO at byte ${at + 4}: struct nda_cacheinfo needs 16 bytes, got 12; kept as bytes` }]);
    equalBytes(encodeMessages(decodeMessages(cut)), cut);
  });

  it("keeps Go's empty NDA_DST in an FDB request as bytes (rtnl_fdb_add parses with no policy) and writes it back", () => {
    const frame = fixtureBytes('go/neighbor-new-fdb-bridge-port-request');
    const body = onlyBody(frame, 'neighbor');
    expect(body.attrs.lladdr).toBe('02:00:00:00:00:99');
    expect(body.attrs.dst).toBeUndefined();
    expect(body.attrs.unknown).toEqual([{ type: 1, data: new Uint8Array(0), reason: 'RTM_NEWNEIGH > NDA_DST at byte 32: IP address needs 4 or 16 bytes, got 0; kept as bytes' }]);
    equalBytes(encodeMessages(decodeMessages(frame)), frame);
  });

  it('a short ndmsg throws NetlinkDecodeError', () => {
    expect(() => decodeMessages(hex('18000000' + '1c000000' + '00000000' + '00000000' + '0200000003000000'))).toThrow(NetlinkDecodeError);
  });
});
