import { describe, expect, it } from 'vitest';
import { NLM_F_ACK_TLVS, NLM_F_CAPPED, NLMSG_DONE, NLMSG_ERROR, RTM_NEWLINK } from '../../messages/constants.js';
import { beginFrame, endFrame } from '../../messages/framing.js';
import { decodeMessages, encodeMessages } from '../../messages/message.js';
import { Writer } from '../../messages/writer.js';
import { formatHardwareAddress, parseHardwareAddress } from '../../messages/attributes/addresses.js';
import { InvalidArgumentError } from '../../messages/errors.js';

// What the decoder accepts, the encoder writes back: the same bytes, decoding to the same messages.

function frame(type: number, flags: number, body: (w: Writer) => void): Uint8Array {
  const w = new Writer();
  const start = beginFrame(w, type, flags, 7, 0);
  body(w);
  endFrame(w, start);
  return w.finish();
}

function roundTrips(bytes: Uint8Array): void {
  const messages = decodeMessages(bytes);
  expect(encodeMessages(messages)).toEqual(bytes);
}

describe('decoder and encoder agree', () => {
  it('an NLMSG_ERROR whose error is any int, positive included (the decoder reads an int)', () => {
    for (const error of [0, -17, 5, 0x7fffffff, -0x80000000]) {
      const echoed = (w: Writer) => {
        w.s32(error);
        w.u32(16); // the echoed nlmsghdr, no payload
        w.u16(RTM_NEWLINK);
        w.u16(5);
        w.u32(7);
        w.u32(0);
      };
      roundTrips(frame(NLMSG_ERROR, 0, echoed));
      roundTrips(frame(NLMSG_ERROR, NLM_F_CAPPED, echoed));
      roundTrips(frame(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, echoed));
    }
  });

  it('an NLMSG_DONE whose status is any int', () => {
    for (const status of [0, -16, 3, 0x7fffffff, -0x80000000]) roundTrips(frame(NLMSG_DONE, 2, (w) => w.s32(status)));
  });
});

describe('decoder and encoder agree on what the decoder keeps', () => {
  // Go's RTM_GETADDR dump request: a 16-byte ifinfomsg where the 8-byte ifaddrmsg belongs.
  const goAddressDump = Uint8Array.from(Buffer.from('20000000160001030100000000000000' + '00000000000000000000000000000000', 'hex'));

  it('a dump request trailer comes back as it came, and what the decoder would not keep as one is refused', () => {
    const [message] = decodeMessages(goAddressDump);
    expect(message).toMatchObject({ kind: 'address', body: { trailer: { bytes: new Uint8Array(8) } } });
    expect(encodeMessages([message!])).toEqual(goAddressDump);
    const body = (message as unknown as { body: Record<string, unknown> }).body;
    const again = (patch: Record<string, unknown>, flags = message!.flags) => () => encodeMessages([{ ...message!, flags, body: { ...body, ...patch } } as never]);
    // Bytes that read as attributes would come back as attributes, not as a trailer.
    expect(again({ trailer: { bytes: Uint8Array.of(4, 0, 1, 0), reason: '' } })).toThrow(/read back as IFA attributes/);
    // Attributes after a trailer would come back inside it.
    expect(again({ attrs: { flags: 1 } })).toThrow(/cannot follow a trailer/);
    // Not a dump request: the decoder reads the header strictly and would refuse the bytes.
    expect(again({}, NLM_F_ACK_TLVS)).toThrow(/only kept for a dump request/);
    expect(again({ trailer: null })).toThrow(InvalidArgumentError);
  });

  it('a tc action numbered 0 (which the kernel skips) comes back as it came', () => {
    // A u32 filter request whose one mirred action has its nla_type cleared to 0.
    const frame = Uint8Array.from(Buffer.from(
      '8c0000002c0005064847106b000000000000000003000000000000000000ffff0003000008000100753332006000020038000700340000000b0001006d69727265640000240002802000020000000000000000000400000000000000000000000100000004000000240005000100010000000000000000000000000000000000000000000000000000000000',
      'hex',
    ));
    const messages = decodeMessages(frame);
    expect(JSON.stringify(messages, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).toMatch(/"order":0/);
    expect(encodeMessages(messages)).toEqual(frame);
  });
});

describe('link-layer addresses of any length', () => {
  it('format the same way short or long (a hostile IFLA_ADDRESS fills 64 KiB), and parse back', () => {
    const bytes = Uint8Array.from({ length: 65_000 }, (_, i) => (i * 37) & 0xff);
    const expected = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
    expect(formatHardwareAddress(bytes, 0, bytes.length)).toBe(expected);
    expect(formatHardwareAddress(bytes, 5, 11)).toBe(expected.slice(15, 15 + 17));
    expect(parseHardwareAddress(expected)).toEqual(bytes);
  });
});
