import { describe, expect, it } from 'vitest';
import { decodeMessages, encodeMessage, type NexthopMessage } from '../../messages/message.js';
import { AF_INET, AF_UNSPEC, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST, RTM_NEWNEXTHOP } from '../../messages/constants.js';
import { equalBytes, onlyBody } from '../helpers/codec-checks.js';
import { fixtureBytes } from '../helpers/fixtures.js';

const newNexthop = (body: NexthopMessage['body']): NexthopMessage => ({
  kind: 'nexthop', type: RTM_NEWNEXTHOP, flags: NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, seq: 1, pid: 0, body,
});

describe('nexthop codec', () => {
  it('decodes the group iproute2 sends (ip nexthop add id 20 group 10/11,2)', () => {
    const body = onlyBody(fixtureBytes('nexthop-new-group-request'), 'nexthop');
    expect(body.family).toBe(AF_UNSPEC);
    expect(body.attrs).toEqual({ id: 20, group: [{ id: 10, weight: 1 }, { id: 11, weight: 2 }] });
  });

  it('decodes a gateway nexthop and a blackhole as Go and pyroute2 send them', () => {
    for (const producer of ['go', 'pyroute2']) {
      const gateway = onlyBody(fixtureBytes(`${producer}/nexthop-new-gateway-request`), 'nexthop');
      expect(gateway).toMatchObject({ family: AF_INET, attrs: { id: 10, gateway: '10.0.0.254' } });
      const blackhole = onlyBody(fixtureBytes(`${producer}/nexthop-new-blackhole-request`), 'nexthop');
      expect(blackhole.attrs).toEqual({ id: 30, blackhole: true });
    }
  });

  it('writes a weight above 256 into weight and weight_high, and reads it back', () => {
    const bytes = encodeMessage(newNexthop({ family: AF_UNSPEC, scope: 0, protocol: 0, reserved: 0, flags: 0, attrs: { id: 1, group: [{ id: 7, weight: 300 }] } }));
    // NHA_GROUP: nla_len 12, type 2, id 7, weight - 1 = 299 = 0x012b: weight 0x2b, weight_high 0x01
    equalBytes(bytes.subarray(32), Uint8Array.of(12, 0, 2, 0, 7, 0, 0, 0, 0x2b, 0x01, 0, 0));
    expect((decodeMessages(bytes)[0] as NexthopMessage).body.attrs.group).toEqual([{ id: 7, weight: 300 }]);
  });

  it('refuses a weight out of 1..65536 and an id of 0 before writing anything', () => {
    const group = (member: { id: number; weight: number }) => newNexthop({ family: 0, scope: 0, protocol: 0, reserved: 0, flags: 0, attrs: { group: [member] } });
    expect(() => encodeMessage(group({ id: 7, weight: 0 }))).toThrow(/group\[0\]\.weight: 0 is not a whole number from 1 to 65536/);
    expect(() => encodeMessage(group({ id: 7, weight: 65537 }))).toThrow(/weight: 65537 is not a whole number from 1 to 65536/);
    expect(() => encodeMessage(group({ id: 0, weight: 1 }))).toThrow(/group\[0\]\.id: 0 is not a whole number from 1 to 4294967295/);
  });

  it('keeps the reserved bytes of a group entry on re-encode', () => {
    const frame = Uint8Array.from(fixtureBytes('nexthop-new-group-request'));
    const at = 32 + 4 + 6; // NHA_GROUP starts at 32 (after nlmsghdr, nhmsg and NHA_ID): its first entry's resvd2
    frame[at] = 0xaa;
    equalBytes(encodeMessage(decodeMessages(frame)[0]!), frame);
  });

  it('keeps a group that is not a whole number of entries as bytes, with where and why', () => {
    const frame = Uint8Array.from(fixtureBytes('nexthop-new-group-request'));
    new DataView(frame.buffer).setUint16(32, 17, true); // NHA_GROUP nla_len 20 -> 17: one entry and 5 bytes
    const [m] = decodeMessages(frame) as NexthopMessage[];
    expect(m!.body.attrs.group).toBeUndefined();
    expect(m!.body.attrs.unknown![0]!.reason).toBe('RTM_NEWNEXTHOP > NHA_GROUP at byte 36: nexthop group of 13 bytes is not a whole number of 8-byte nexthop_grp entries; kept as bytes');
    equalBytes(encodeMessage(m!), frame);
  });
});
