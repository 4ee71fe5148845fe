import { describe, expect, it } from 'vitest';
import { decodeMessages, encodeMessage, encodeMessages, type AddressMessage, type NeighborMessage, type RouteMessage } from '../../messages/message.js';
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

  it("keeps the bytes aligning rtgenmsg's one byte of family to 4 (an nsid request)", () => {
    const frame = Uint8Array.from(fixtureBytes('go/nsid-new-request'));
    frame.set([1, 2, 3], 17);
    expect((decodeMessages(frame)[0]!.body as { padding?: Uint8Array }).padding).toEqual(Uint8Array.of(1, 2, 3));
    roundTrips(frame);
  });
});
