import { describe, expect, it } from 'vitest';
import { AF_INET, NLM_F_REQUEST, RTM_NEWLINK, RTM_NEWROUTE } from '../../messages/constants.js';
import { InvalidArgumentError, NetlinkDecodeError } from '../../messages/errors.js';
import { MAX_NESTING } from '../../messages/attributes/walk.js';
import { decodeMessages, encodeMessage, type LinkMessage, type RouteMessage } from '../../messages/message.js';
import type { RouteNexthop } from '../../messages/route/index.js';
import { multipathBomb, vethBomb } from '../../tools/fuzz-depth.js';

// Depth bombs for the two attributes that nest without an end of their own: VETH_INFO_PEER (a link
// inside a link's IFLA_LINKINFO) and RTA_MULTIPATH (route attributes inside each next hop).

function decodeError(bytes: Uint8Array): NetlinkDecodeError {
  try {
    decodeMessages(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(NetlinkDecodeError);
    return error as NetlinkDecodeError;
  }
  throw new Error('decoded');
}

describe('nesting depth', () => {
  it('a veth peer nested to fill a 64 KiB frame (about 1,800 links deep) is refused with NetlinkDecodeError, path and offset', () => {
    const bytes = vethBomb(100_000);
    expect(bytes.length).toBeGreaterThan(60_000);
    const error = decodeError(bytes);
    expect(error.reason).toMatch(new RegExp(`nested more than ${MAX_NESTING} levels`));
    expect(error.path).toMatch(/^RTM_NEWLINK > IFLA_LINKINFO > IFLA_INFO_DATA\(veth\) > VETH_INFO_PEER > IFLA_LINKINFO/);
    expect(error.offset).toBeGreaterThan(0);
    expect(error.offset).toBeLessThan(bytes.length);
  });

  it('RTA_MULTIPATH nested to fill a 64 KiB frame (about 5,400 levels) is refused with NetlinkDecodeError, path and offset', () => {
    const bytes = multipathBomb(100_000);
    expect(bytes.length).toBeGreaterThan(60_000);
    const error = decodeError(bytes);
    expect(error.reason).toMatch(/RTA attributes nested more than/);
    expect(error.path).toMatch(/^RTM_NEWROUTE > RTA_MULTIPATH > rtnexthop\[0\] > RTA_MULTIPATH/);
  });

  it('the depths of the issue (a veth peer 800 deep, RTA_MULTIPATH 2,000 deep) are refused the same way', () => {
    expect(decodeError(vethBomb(800)).reason).toMatch(/nested more than/);
    expect(decodeError(multipathBomb(2_000)).reason).toMatch(/nested more than/);
  });

  it('decodes up to the limit and refuses one level more', () => {
    // Each multipath level is one more RTA set inside the route's own: MAX_NESTING sets in all.
    expect(() => decodeMessages(multipathBomb(MAX_NESTING - 1))).not.toThrow();
    expect(decodeError(multipathBomb(MAX_NESTING)).offset).toBeGreaterThan(0);
    // A veth level is three sets (IFLA, IFLA_INFO, VETH_INFO), the outer link one.
    const vethLevels = Math.floor((MAX_NESTING - 1) / 3);
    expect(() => decodeMessages(vethBomb(vethLevels))).not.toThrow();
    expect(() => decodeMessages(vethBomb(vethLevels + 1))).toThrow(NetlinkDecodeError);
  });

  it('encoding refuses what decoding would refuse, and a next hop that contains itself, with InvalidArgumentError', () => {
    const route = (multipath: RouteNexthop[]): RouteMessage => ({
      kind: 'route',
      type: RTM_NEWROUTE,
      flags: NLM_F_REQUEST,
      seq: 1,
      pid: 0,
      body: { family: AF_INET, dstLen: 0, srcLen: 0, tos: 0, table: 254, protocol: 4, scope: 0, type: 1, flags: 0, attrs: { multipath } },
    });
    const chain = (levels: number): RouteNexthop[] => {
      let hops: RouteNexthop[] = [];
      for (let i = 0; i < levels; i++) hops = [{ flags: 0, hops: 0, ifindex: 1, attrs: i === 0 ? {} : { multipath: hops } }];
      return hops;
    };
    const ok = encodeMessage(route(chain(MAX_NESTING - 1)));
    expect(decodeMessages(ok)).toHaveLength(1);
    expect(() => encodeMessage(route(chain(MAX_NESTING)))).toThrow(InvalidArgumentError);
    expect(() => encodeMessage(route(chain(10_000)))).toThrow(/levels of nested attributes: at most 32/);
    const loop: RouteNexthop = { flags: 0, hops: 0, ifindex: 1, attrs: {} };
    loop.attrs.multipath = [loop];
    expect(() => encodeMessage(route([loop]))).toThrow(InvalidArgumentError);

    const peerLoop = { family: 0, type: 0, index: 0, flags: 0, change: 0, attrs: {} } as LinkMessage['body'];
    peerLoop.attrs.linkinfo = { kind: 'veth', data: { peer: peerLoop } };
    const link: LinkMessage = { kind: 'link', type: RTM_NEWLINK, flags: NLM_F_REQUEST, seq: 1, pid: 0, body: peerLoop };
    expect(() => encodeMessage(link)).toThrow(InvalidArgumentError);
  });
});
