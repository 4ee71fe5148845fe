/**
 * The early DEL's reading of the kernel's RTM_DELLINK notification (lib/cni/early-delete.ts): which
 * notifications announce the removal of the container's interface, and malformed ones refused with
 * where they break.
 */
import { describe, expect, it } from 'vitest';
import { announcesRemoval } from '../../lib/cni/early-delete.js';
import { NetlinkDecodeError } from '../../messages/errors.js';

const RTM_NEWLINK = 16;
const RTM_DELLINK = 17;
const IFLA_MTU = 4;
const IFLA_IFNAME = 3;

function attribute(type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array((4 + payload.length + 3) & ~3);
  new DataView(out.buffer).setUint16(0, 4 + payload.length, true);
  new DataView(out.buffer).setUint16(2, type, true);
  out.set(payload, 4);
  return out;
}

/** nlmsghdr + ifinfomsg + attributes, after `lead` bytes of something else in the datagram. */
function message(type: number, attributes: Uint8Array[], lead = 0): DataView {
  const body = attributes.reduce((n, a) => n + a.length, 0);
  const bytes = new Uint8Array(lead + 32 + body);
  const view = new DataView(bytes.buffer);
  view.setUint32(lead, 32 + body, true);
  view.setUint16(lead + 4, type, true);
  let at = lead + 32;
  for (const a of attributes) {
    bytes.set(a, at);
    at += a.length;
  }
  return view;
}

const name = (text: string) => Buffer.from(`${text}\0`);
const mtu = attribute(IFLA_MTU, Uint8Array.of(0xdc, 0x05, 0, 0));

describe('announcesRemoval', () => {
  it('is true for an RTM_DELLINK naming the interface, wherever the message starts in the datagram', () => {
    expect(announcesRemoval(message(RTM_DELLINK, [mtu, attribute(IFLA_IFNAME, name('eth0'))]), 0, name('eth0'))).toBe(true);
    expect(announcesRemoval(message(RTM_DELLINK, [attribute(IFLA_IFNAME, name('eth0'))], 40), 40, name('eth0'))).toBe(true);
  });

  it('is false for another interface, a longer or shorter name, an RTM_NEWLINK, or no name at all', () => {
    expect(announcesRemoval(message(RTM_DELLINK, [attribute(IFLA_IFNAME, name('eth1'))]), 0, name('eth0'))).toBe(false);
    expect(announcesRemoval(message(RTM_DELLINK, [attribute(IFLA_IFNAME, name('eth00'))]), 0, name('eth0'))).toBe(false);
    expect(announcesRemoval(message(RTM_DELLINK, [attribute(IFLA_IFNAME, name('eth'))]), 0, name('eth0'))).toBe(false);
    expect(announcesRemoval(message(RTM_NEWLINK, [attribute(IFLA_IFNAME, name('eth0'))]), 0, name('eth0'))).toBe(false);
    expect(announcesRemoval(message(RTM_DELLINK, [mtu]), 0, name('eth0'))).toBe(false);
  });

  it('throws NetlinkDecodeError at the broken attribute or header', () => {
    const overrun = message(RTM_DELLINK, [mtu, attribute(IFLA_IFNAME, name('eth0'))]);
    overrun.setUint16(40, 200, true);
    expect(() => announcesRemoval(overrun, 0, name('eth0'))).toThrow(NetlinkDecodeError);
    expect(() => announcesRemoval(overrun, 0, name('eth0'))).toThrow(/at byte 40: nla_len 200/);
    const tiny = message(RTM_DELLINK, [mtu]);
    tiny.setUint16(32, 2, true);
    expect(() => announcesRemoval(tiny, 0, name('eth0'))).toThrow(/at byte 32: nla_len 2/);
    const short = new DataView(new ArrayBuffer(24));
    short.setUint32(0, 24, true);
    short.setUint16(4, RTM_DELLINK, true);
    expect(() => announcesRemoval(short, 0, name('eth0'))).toThrow(/at byte 0: 24 bytes, shorter than nlmsghdr and ifinfomsg/);
    const trailing = new DataView(new ArrayBuffer(34));
    trailing.setUint32(0, 34, true);
    trailing.setUint16(4, RTM_DELLINK, true);
    expect(() => announcesRemoval(trailing, 0, name('eth0'))).toThrow(/at byte 32: 2 trailing bytes/);
  });
});
