import { describe, expect, it } from 'vitest';
import { decodeMessages, encodeMessage, encodeMessages, type AddressMessage, type LinkMessage, type NeighborMessage, type RouteMessage } from '../../messages/message.js';
import { NetlinkDecodeError } from '../../messages/errors.js';
import { equalBytes, hex } from '../helpers/codec-checks.js';
import { fixtureBytes } from '../helpers/fixtures.js';

// What the decoders accept beyond iproute2's frames, each where the kernel accepts it too, and
// what they keep so that the frame is written back byte for byte. Frames from other producers
// are fixtures (test/fixtures/go/, pyroute2/); the edits below make the rest.

const roundTrips = (frame: Uint8Array) => equalBytes(encodeMessages(decodeMessages(frame)), frame);

describe('dump requests with a header of another length', () => {
  it("keeps the tail of Go's 16-byte ifinfomsg in an address dump request, and says why", () => {
    const frame = fixtureBytes('go/address-dump-request');
    const [m] = decodeMessages(frame) as AddressMessage[];
    expect(m!.body).toMatchObject({ family: 0, prefixlen: 0, index: 0, attrs: {} });
    expect(m!.body.trailer!.bytes).toEqual(new Uint8Array(8));
    expect(m!.body.trailer!.reason).toMatch(/^8 bytes after the 8-byte ifaddrmsg are not attributes \(RTM_GETADDR at byte 24: nla_len 0/);
    roundTrips(frame);
  });

  it("keeps the tail of Go's ifinfomsg in a route dump request (rtmsg is 12 bytes)", () => {
    const frame = fixtureBytes('go/route-dump-all-request');
    const [m] = decodeMessages(frame) as RouteMessage[];
    expect(m!.body.trailer!.bytes).toEqual(new Uint8Array(4));
    roundTrips(frame);
  });

  it('reads a dump request of one byte (a bare rtgenmsg) as its family, and writes it back', () => {
    // RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, nlmsg_len 17: rtgen_family AF_INET6 alone
    const frame = hex('11000000 1600 0103 01000000 00000000 0a');
    const [m] = decodeMessages(frame) as AddressMessage[];
    expect(m!.body).toMatchObject({ family: 10, prefixlen: 0, index: 0, headerLength: 1 });
    equalBytes(encodeMessage(m!), frame); // one message: encodeMessages would align the datagram to 20
  });

  it('still throws for a request that is not a dump: the kernel parses its header strictly (nlmsg_parse_deprecated)', () => {
    const frame = Uint8Array.from(fixtureBytes('go/address-dump-request'));
    new DataView(frame.buffer).setUint16(6, 0x0405, true); // NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE: an RTM_GETADDR that is no dump
    expect(() => decodeMessages(frame)).toThrow(NetlinkDecodeError);
    const short = hex('11000000 1400 0506 01000000 00000000 02'); // RTM_NEWADDR with one byte of ifaddrmsg
    expect(() => decodeMessages(short)).toThrow(NetlinkDecodeError);
  });
});

describe('pad bytes', () => {
  it('keeps non-zero ndmsg pads (ndm_pad1, ndm_pad2) and writes them back', () => {
    const frame = Uint8Array.from(fixtureBytes('go/neighbor-dump-request'));
    frame.set([0xaa, 0xbb, 0xcc], 17); // ndm_pad1, ndm_pad2 after ndm_family
    const [m] = decodeMessages(frame) as NeighborMessage[];
    expect(m!.body.padding).toEqual(Uint8Array.of(0xaa, 0xbb, 0xcc));
    roundTrips(frame);
    const zero = fixtureBytes('go/neighbor-dump-request');
    expect((decodeMessages(zero)[0] as NeighborMessage).body.padding).toBeUndefined();
  });

  it('keeps a non-zero pad in a dump request shorter than its header', () => {
    // RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP, two bytes of ndmsg: ndm_family AF_BRIDGE, ndm_pad1 0xaa
    const frame = hex('12000000 1e00 0103 01000000 00000000 07aa');
    const [m] = decodeMessages(frame) as NeighborMessage[];
    expect(m!.body).toMatchObject({ family: 7, headerLength: 2, padding: Uint8Array.of(0xaa, 0, 0) });
    equalBytes(encodeMessage(m!), frame);
  });

  it("keeps the bytes aligning rtgenmsg's one byte of family to 4 (an nsid request)", () => {
    const frame = Uint8Array.from(fixtureBytes('go/nsid-new-request'));
    frame.set([1, 2, 3], 17);
    expect((decodeMessages(frame)[0]!.body as { padding?: Uint8Array }).padding).toEqual(Uint8Array.of(1, 2, 3));
    roundTrips(frame);
  });
});

describe('what other producers write, captured', () => {
  it("Go's RTA_OIF 0 and IFLA_TXQLEN 0 decode as 0 (iproute2 never sends them) and are written back", () => {
    const route = decodeMessages(fixtureBytes('go/route-new-default-request'))[0] as RouteMessage;
    expect(route.body.attrs.oif).toBe(0);
    const link = decodeMessages(fixtureBytes('go/link-new-veth-request'))[0] as LinkMessage;
    expect(link.body.attrs.txqlen).toBe(0);
    roundTrips(fixtureBytes('go/route-new-default-request'));
    roundTrips(fixtureBytes('go/link-new-veth-request'));
  });

  it("pyroute2's address flags: ifa_flags 0 and IFA_FLAGS IFA_F_NODAD, each kept where it was", () => {
    const [m] = decodeMessages(fixtureBytes('pyroute2/address-new-v6-request')) as AddressMessage[];
    expect(m!.body.flags).toBe(0);
    expect(m!.body.attrs.flags).toBe(0x02);
  });

  it("pyroute2's IPBatch: two requests in one datagram with the same sequence number", () => {
    const messages = decodeMessages(fixtureBytes('pyroute2/link-batch-set-up-request'));
    expect(messages).toHaveLength(2);
    expect(messages[0]!.seq).toBe(messages[1]!.seq);
    roundTrips(fixtureBytes('pyroute2/link-batch-set-up-request'));
  });
});

describe('widths and strings the kernel is lenient about', () => {
  // RTM_NEWLINK vx0: IFLA_TXQLEN 0; IFLA_LINKINFO { IFLA_INFO_KIND "vxlan" without its NUL,
  // IFLA_INFO_DATA { IFLA_VXLAN_ID 42, IFLA_VXLAN_LEARNING as a u32 (the kernel reads a u8),
  // IFLA_VXLAN_GBP of zero length (a flag) } }
  const frame = hex(
    '58000000 1000 0506 01000000 00000000',
    '00000000 00000000 00000000 00000000',
    '08000300 76783000 08000d00 00000000',
    '28001200 09000100 7678 6c61 6e000000',
    '18000200 08000100 2a000000 08000700 01000000 04001700',
  );

  it('reads a bare kind string, a zero-length flag, and keeps a u32 where a u8 belongs as bytes with the reason', () => {
    const [m] = decodeMessages(frame) as LinkMessage[];
    const info = m!.body.attrs.linkinfo!;
    expect(info.kind).toBe('vxlan');
    const data = info.data as Record<string, unknown>;
    expect(data).toMatchObject({ id: 42, gbp: true });
    expect(data.learning).toBeUndefined();
    expect(data.unknown).toEqual([{ type: 7, data: Uint8Array.of(1, 0, 0, 0), reason: 'RTM_NEWLINK > IFLA_LINKINFO > IFLA_INFO_DATA(vxlan) > IFLA_VXLAN_LEARNING at byte 80: u8 needs 1 bytes, got 4; kept as bytes' }]);
    roundTrips(frame);
  });
});

describe('link messages: the header read as the other families read theirs', () => {
  it('keeps a non-zero __ifi_pad (the kernel ignores it outside strict checking) and writes it back, in a veth peer too', () => {
    const frame = Uint8Array.from(fixtureBytes('go/link-new-veth-request'));
    frame[17] = 0x5a; // __ifi_pad of the request
    frame[81] = 0xa5; // __ifi_pad of VETH_INFO_PEER's ifinfomsg
    const [m] = decodeMessages(frame) as LinkMessage[];
    expect(m!.body.padding).toEqual(Uint8Array.of(0x5a));
    expect((m!.body.attrs.linkinfo!.data as { peer: { padding?: Uint8Array } }).peer.padding).toEqual(Uint8Array.of(0xa5));
    roundTrips(frame);
    expect((decodeMessages(fixtureBytes('go/link-new-veth-request'))[0] as LinkMessage).body.padding).toBeUndefined();
  });

  // RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP: rtgenmsg AF_PACKET (17) padded to 4, IFLA_EXT_MASK RTEXT_FILTER_VF
  const oldIproute2Dump = hex('1c000000 1200 0103 01000000 00000000', '11000000', '08001d00 01000000');

  it('reads a link dump request shorter than ifinfomsg as rtgenmsg then attributes (rtnl_valid_dump_ifinfo_req: iproute2 before 3.9)', () => {
    const [m] = decodeMessages(oldIproute2Dump) as LinkMessage[];
    expect(m!.body).toMatchObject({ family: 17, type: 0, index: 0, headerLength: 4, attrs: { extMask: 1 } });
    equalBytes(encodeMessage(m!), oldIproute2Dump);
    // One byte of family alone, as for the other families.
    const bare = hex('11000000 1200 0103 01000000 00000000 11');
    expect(decodeMessages(bare)[0]!.body).toMatchObject({ family: 17, headerLength: 1, attrs: {} });
    equalBytes(encodeMessage(decodeMessages(bare)[0]!), bare);
  });

  it("keeps a link dump request's bytes after the header that are not attributes (the kernel dumps all links then)", () => {
    const frame = Uint8Array.from(fixtureBytes('go/link-dump-request'));
    frame.set([3, 0], 32); // IFLA_EXT_MASK's nla_len 3: below the attribute header
    const [m] = decodeMessages(frame) as LinkMessage[];
    expect(m!.body.trailer!.bytes).toEqual(frame.subarray(32));
    expect(m!.body.trailer!.reason).toMatch(/^8 bytes after the 16-byte ifinfomsg are not attributes/);
    roundTrips(frame);
    // Not a dump: rtnl_getlink parses the attributes strictly.
    new DataView(frame.buffer).setUint16(6, 0x0001, true);
    expect(() => decodeMessages(frame)).toThrow(NetlinkDecodeError);
    const shortNew = hex('1c000000 1000 0506 01000000 00000000', '00000000', '08001d00 01000000'); // RTM_NEWLINK with 4 bytes of ifinfomsg
    expect(() => decodeMessages(shortNew)).toThrow(NetlinkDecodeError);
  });

  it('refuses to encode a short header whose attributes would read back otherwise', () => {
    const [m] = decodeMessages(oldIproute2Dump) as LinkMessage[];
    const body = m!.body;
    const again = (patch: Partial<typeof body>) => () => encodeMessage({ ...m!, body: { ...body, ...patch } });
    // After one byte of rtgenmsg the attributes begin at byte 4: a shorter header cannot have them.
    expect(again({ headerLength: 1 })).toThrow(/message\.body\.attrs.*decoder reads attributes from byte 4/);
    // A body of 16 bytes or more reads back as a whole ifinfomsg.
    expect(again({ attrs: { extMask: 1, mtu: 1500 } })).toThrow(/message\.body\.attrs.*reads back as a whole 16-byte ifinfomsg/);
    // A family without a short form reads a short dump request as all header.
    const [a] = decodeMessages(hex('11000000 1600 0103 01000000 00000000 0a')) as AddressMessage[];
    expect(() => encodeMessage({ ...a!, body: { ...a!.body, trailer: { bytes: Uint8Array.of(1, 2), reason: '' } } })).toThrow(/message\.body\.trailer.*nothing but header/);
    expect(() => encodeMessage({ ...a!, body: { ...a!.body, attrs: { label: 'x' } } })).toThrow(/message\.body\.attrs.*reads back as a whole 8-byte ifaddrmsg/);
  });
});
