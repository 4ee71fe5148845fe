import { InvalidArgumentError } from '../../messages/errors.js';
import { describe, expect, it } from 'vitest';
import { decodeMessages, encodeMessage, type AddressMessage, type NetlinkMessage } from '../../messages/message.js';
import { AF_INET, AF_INET6, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_MULTI, NLM_F_REQUEST, RTM_NEWADDR } from '../../messages/constants.js';
import {
  IFA_F_NODAD,
  IFA_F_PERMANENT,
  IFA_F_SECONDARY,
  IFA_F_TENTATIVE,
  IFA_F_MANAGETEMPADDR,
  IFAPROT_KERNEL_LL,
  INFINITY_LIFE_TIME,
  RT_SCOPE_LINK,
  RT_SCOPE_UNIVERSE,
  type AddressBody,
} from '../../messages/address/index.js';
import { equalBytes, expectDatagramReencodes, expectMutationsDecodeOrThrow, expectRoundTrip, expectTruncationsDecodeOrThrow, hex, insert, messagesOf } from '../helpers/codec-checks.js';
import { fixtureBytes } from '../helpers/fixtures.js';

// The captured frames these tests read are fixtures like every other: test/fixtures/unit/codec-address-*.json,
// each with how, where and after which setup it was captured (va is ifindex 3, vb 2).

const FRAMES = {
  /** `ip addr add 10.0.0.3/24 brd + dev va label va:1`: the request iproute2 sent (60 bytes). */
  addrAdd: fixtureBytes('codec-address-addr-add'),
  /** `ip addr show`: the kernel's reply (396 bytes). */
  addrDump: fixtureBytes('codec-address-addr-dump'),
};

const NEW_ADDR_FLAGS = NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE;
const FOREVER = { prefered: INFINITY_LIFE_TIME, valid: INFINITY_LIFE_TIME };

const addresses = (frame: Uint8Array): AddressMessage[] => messagesOf(frame, 'address');

describe('address dump from the kernel', () => {
  it('decodes IPv4 (primary, secondary with label and broadcast) and IPv6 (nodad, tentative, proto)', () => {
    const messages = addresses(FRAMES.addrDump);
    expect(messages).toHaveLength(5);
    for (const m of messages) expect(m).toMatchObject({ type: RTM_NEWADDR, flags: NLM_F_MULTI, seq: 1795826639, pid: 13279 });
    expect(messages[0]!.body).toEqual({
      family: AF_INET,
      prefixlen: 24,
      flags: IFA_F_PERMANENT,
      scope: RT_SCOPE_UNIVERSE,
      index: 3,
      attrs: { address: '10.0.0.2', local: '10.0.0.2', label: 'va', flags: IFA_F_PERMANENT, cacheinfo: { ...FOREVER, cstamp: 43443, tstamp: 43443 } },
    });
    expect(messages[1]!.body).toEqual({
      family: AF_INET,
      prefixlen: 24,
      flags: IFA_F_SECONDARY | IFA_F_PERMANENT,
      scope: RT_SCOPE_UNIVERSE,
      index: 3,
      attrs: {
        address: '10.0.0.3',
        local: '10.0.0.3',
        broadcast: '10.0.0.255',
        label: 'va:1',
        flags: IFA_F_SECONDARY | IFA_F_PERMANENT,
        cacheinfo: { ...FOREVER, cstamp: 43458, tstamp: 43458 },
      },
    });
    expect(messages[2]!.body).toEqual({
      family: AF_INET6,
      prefixlen: 64,
      flags: IFA_F_TENTATIVE | IFA_F_PERMANENT,
      scope: RT_SCOPE_LINK,
      index: 2,
      attrs: {
        address: 'fe80::28ae:ddff:fe02:936c',
        cacheinfo: { ...FOREVER, cstamp: 43442, tstamp: 43442 },
        flags: IFA_F_TENTATIVE | IFA_F_PERMANENT,
        proto: IFAPROT_KERNEL_LL,
      },
    });
    expect(messages[3]!.body).toEqual({
      family: AF_INET6,
      prefixlen: 64,
      flags: IFA_F_NODAD | IFA_F_PERMANENT,
      scope: RT_SCOPE_UNIVERSE,
      index: 3,
      attrs: { address: 'fd00::2', cacheinfo: { ...FOREVER, cstamp: 43444, tstamp: 43444 }, flags: IFA_F_NODAD | IFA_F_PERMANENT },
    });
    expect(Object.keys(messages[3]!.body.attrs)).toEqual(['address', 'cacheinfo', 'flags']);
  });

  it('re-encodes byte for byte, as a datagram and one message at a time', () => {
    expectDatagramReencodes(FRAMES.addrDump);
  });
});

describe('RTM_NEWADDR request from iproute2', () => {
  const ADDR_ADD: AddressBody = {
    family: AF_INET,
    prefixlen: 24,
    flags: 0,
    scope: RT_SCOPE_UNIVERSE,
    index: 3,
    attrs: { local: '10.0.0.3', label: 'va:1', address: '10.0.0.3', broadcast: '10.0.0.255' },
  };

  it('ip addr add 10.0.0.3/24 brd + dev va label va:1', () => {
    const [m] = addresses(FRAMES.addrAdd);
    expect(m).toMatchObject({ type: RTM_NEWADDR, flags: NEW_ADDR_FLAGS, seq: 1795826638, pid: 0 });
    expect(m!.body).toEqual(ADDR_ADD);
    expect(Object.keys(m!.body.attrs)).toEqual(['local', 'label', 'address', 'broadcast']);
    equalBytes(encodeMessage(m!), FRAMES.addrAdd);
  });

  it('a user-built copy carries the same attributes (in table order)', () => {
    const body = structuredClone(ADDR_ADD);
    const bytes = encodeMessage({ kind: 'address', type: RTM_NEWADDR, flags: NEW_ADDR_FLAGS, seq: 1795826638, pid: 0, body });
    expect(bytes.length).toBe(FRAMES.addrAdd.length);
    expect(Object.keys((decodeMessages(bytes)[0] as AddressMessage).body.attrs)).toEqual(['address', 'local', 'label', 'broadcast']);
    expect((decodeMessages(bytes)[0] as AddressMessage).body).toEqual(body);
  });
});

describe('user-built addresses', () => {
  it('encode and decode back equal, every attribute included', () => {
    const message: AddressMessage = {
      kind: 'address',
      type: RTM_NEWADDR,
      flags: NEW_ADDR_FLAGS,
      seq: 5,
      pid: 0,
      body: {
        family: AF_INET6,
        prefixlen: 64,
        flags: IFA_F_NODAD,
        scope: RT_SCOPE_UNIVERSE,
        index: 7,
        attrs: {
          address: '2001:db8::1',
          local: '2001:db8::1',
          label: 'eth0:abcdefghij',
          broadcast: '2001:db8::ffff',
          anycast: '2001:db8::',
          cacheinfo: { prefered: 100, valid: 200, cstamp: 1, tstamp: 2 },
          multicast: 'ff02::1',
          flags: IFA_F_NODAD | IFA_F_MANAGETEMPADDR,
          rtPriority: 300,
          targetNetnsid: -1,
          proto: 4,
        },
      },
    };
    expectRoundTrip(message);
  });
});

describe('unknown attributes and malformed bytes', () => {
  it('an unknown attribute survives', () => {
    const frame = insert(FRAMES.addrAdd, 44, hex('0800 6300 01020304'), []); // between IFA_LABEL and IFA_ADDRESS
    const m = decodeMessages(frame)[0] as AddressMessage;
    expect(m.body.attrs.unknown).toEqual([{ type: 0x63, data: Uint8Array.of(1, 2, 3, 4) }]);
    equalBytes(encodeMessage(m), frame);
  });

  it('an unknown attribute removed from the array is dropped; one set to undefined is refused, naming it', () => {
    const frame = insert(FRAMES.addrAdd, 44, hex('0800 6300 01020304'), []);
    const dropped = decodeMessages(frame)[0] as AddressMessage;
    dropped.body.attrs.unknown = [];
    expect(decodeMessages(encodeMessage(dropped))[0]!.body).not.toHaveProperty('attrs.unknown');
    const holed = decodeMessages(frame)[0] as AddressMessage;
    holed.body.attrs.unknown = [undefined as never];
    expect(() => encodeMessage(holed)).toThrow(/unknown\[0\]/);
  });

  it('every truncation decodes or throws NetlinkDecodeError', () => {
    for (const frame of [FRAMES.addrDump, FRAMES.addrAdd]) expectTruncationsDecodeOrThrow(frame);
  });

  it('random byte mutations decode or throw NetlinkDecodeError', () => {
    expectMutationsDecodeOrThrow([FRAMES.addrDump, FRAMES.addrAdd], 777, 1000);
  });

  it('an address of the wrong length is kept as bytes in unknown, with where and why', () => {
    const frame = FRAMES.addrAdd.slice();
    new DataView(frame.buffer).setUint16(24, 7, true); // IFA_LOCAL of 3 bytes
    const [m] = messagesOf(frame, 'address');
    expect(m!.body.attrs.local).toBeUndefined();
    expect(m!.body.attrs.unknown).toEqual([
      { type: 2, data: frame.slice(28, 31), reason: 'RTM_NEWADDR > IFA_LOCAL at byte 28: IP address needs 4 or 16 bytes, got 3; kept as bytes' },
    ]);
  });
});

describe('bad values on encode', () => {
  function encodeWith(attrs: AddressBody['attrs'], head: Partial<AddressBody> = {}): () => Uint8Array {
    const body: AddressBody = { family: AF_INET, prefixlen: 24, flags: 0, scope: 0, index: 3, ...head, attrs };
    const message: NetlinkMessage = { kind: 'address', type: RTM_NEWADDR, flags: NEW_ADDR_FLAGS, seq: 1, pid: 0, body };
    return () => encodeMessage(message);
  }

  it('names the field and the value', () => {
    expect(encodeWith({ local: '10.0.0.300' })).toThrow(InvalidArgumentError);
    expect(encodeWith({ local: '10.0.0.300' })).toThrow(/attrs\.local.*10\.0\.0\.300/);
    expect(encodeWith({ label: 'a-label-of-16-by' })).toThrow(InvalidArgumentError);
    expect(encodeWith({ label: 'a-label-of-16-by' })).toThrow(/attrs\.label/);
    expect(encodeWith({}, { prefixlen: 256 })).toThrow(/body\.prefixlen: 256/);
    expect(encodeWith({}, { index: -1 })).toThrow(InvalidArgumentError);
    expect(encodeWith({ flags: 2 ** 32 })).toThrow(/attrs\.flags: 4294967296/);
    expect(encodeWith({ targetNetnsid: 2 ** 31 })).toThrow(/attrs\.targetNetnsid/);
    expect(encodeWith({ cacheinfo: { prefered: 1, valid: 1, cstamp: 1 } as never })).toThrow(/attrs\.cacheinfo\.tstamp/);
  });
});
