import { describe, expect, it } from 'vitest';
import { createPlainBridge } from '../../lib/bridge-request.js';
import { Connection } from '../../lib/connection.js';
import { Link } from '../../lib/link.js';
import { Bridge } from '../../lib/bridge.js';
import { linkFromState } from '../../lib/link-factory.js';
import { SILENT_LOGGER } from '../../lib/log.js';
import type { RequestWriter } from '../../lib/message-codec.js';
import type { Namespace } from '../../lib/namespace.js';
import { Rtnl } from '../../lib/rtnl/client.js';
import { classKindOf, echoedLink, pendingLinkState, PendingLinkState, plainLinkState } from '../../lib/rtnl/link-reply.js';
import { linkStateOfFrame, type LinkState } from '../../lib/rtnl/links.js';
import { NetlinkDecodeError } from '../../messages/errors.js';
import { ARPHRD_LOOPBACK, ARPHRD_NONE, IFF_UP } from '../../messages/link/index.js';
import { firstIfnameIs, IFLA_IFNAME, IFLA_MTU, linkFrameLength } from '../../messages/link/scan.js';
import { checkDamagedFrames, linkFrames, linkOutcome } from '../helpers/link-frames.js';
import { linkKernel } from '../helpers/link-kernel.js';

// A Link made from a link reply (a creation's echo, the lookups VethPair and Bridge make) holds the
// reply and reads its attributes when a field that lives in one is first read: index, flags and up
// come from the header at once. A malformed reply throws its NetlinkDecodeError at that first read,
// the same error linkStateOfFrame throws at once; what the Link gives out is the same plain LinkState.

/** Accepts every change; a flag change settles with the writer's applied(), as a connection's that waits does. */
function acceptingNamespace(): Namespace {
  const change = async (writer: RequestWriter<unknown>, subject: unknown, _options?: unknown, rethrows = true) =>
    rethrows || writer.applied === undefined ? undefined : writer.applied(subject);
  return { rtnl: { setLink: async () => undefined, connection: { logger: SILENT_LOGGER, change } } } as unknown as Namespace;
}

type Read = { fields: Record<string, unknown>; keys: string[]; prototype: unknown } | { error: string; path: string; offset: number };

/** linkOutcome with the state's prototype in place of the state. */
function read(get: () => LinkState): Read {
  const o = linkOutcome(get);
  return 'error' in o ? o : { fields: o.fields, keys: o.keys, prototype: Object.getPrototypeOf(o.state) };
}

function attribute(type: number, payload: number[]): number[] {
  const len = 4 + payload.length;
  const out = [len & 255, len >> 8, type & 255, type >> 8, ...payload];
  while (out.length % 4) out.push(0);
  return out;
}

const name = (text: string): number[] => [...Buffer.from(text), 0];

/** An RTM_NEWLINK (index 7, ifi_flags 0x1002: down) with these attribute bytes, nlmsg_len set. */
function rawLink(attrs: number[]): Uint8Array {
  const len = 32 + attrs.length;
  return Uint8Array.from([len & 255, len >> 8, 0, 0, 16, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 7, 0, 0, 0, 2, 16, 0, 0, 0, 0, 0, 0, ...attrs]);
}

/** The Link a pending state makes gives out what linkStateOfFrame reads of the same frame, or throws its error at that read. */
function expectSameAsRead(frame: Uint8Array): Read {
  const eager = read(() => linkStateOfFrame(frame.slice()));
  let pending: LinkState;
  try {
    pending = pendingLinkState(frame.slice());
  } catch (error) {
    // Only a frame whose headers are not whole is read at once, and throws as the eager read does.
    expect(linkFrameLength(frame)).toBe(-1);
    expect(read(() => { throw error; })).toEqual(eager);
    return eager;
  }
  const link = new Link(acceptingNamespace(), pending);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (pending instanceof PendingLinkState) {
    expect([link.index, link.flags, link.isUp]).toEqual([view.getInt32(20, true), view.getUint32(24, true), (view.getUint32(24, true) & IFF_UP) !== 0]);
  }
  const held = read(() => link.state);
  expect(held).toEqual(eager);
  // The kind alone (what linkFromState reads of every link it makes) is told by the scan: the same
  // kind, or the same error, before any other field is read.
  const kindFirst = pendingLinkState(frame.slice());
  const kind = read(() => ({ kind: kindFirst.kind }) as unknown as LinkState);
  expect(kind).toEqual('error' in eager ? eager : { fields: 'kind' in eager.fields ? { kind: eager.fields.kind } : { kind: undefined }, keys: ['kind'], prototype: Object.prototype });
  if (!('error' in eager)) expect(read(() => plainLinkState(kindFirst))).toEqual(eager);
  if (!('error' in held)) expect(held.prototype).toBe(Object.prototype);
  return held;
}

describe('link replies read when first needed', () => {
  const frames = linkFrames();

  it('give every captured link frame as linkStateOfFrame reads it: same keys, fields, plain prototype and raw', () => {
    expect(frames.length).toBeGreaterThan(10);
    for (const { frame } of frames) {
      const held = expectSameAsRead(frame);
      expect(held).toHaveProperty('fields');
      const state = new Link(acceptingNamespace(), pendingLinkState(frame.slice())).state;
      expect(state).toStrictEqual(linkStateOfFrame(frame.slice()));
      expect(Object.getOwnPropertyDescriptor(state, 'raw')?.get).toBeTypeOf('function');
    }
  });

  it('make Bridge, Vxlan and Link objects as the eager read does', () => {
    const made = new Set<string>();
    for (const { frame } of frames) {
      const held = linkFromState(acceptingNamespace(), pendingLinkState(frame.slice()));
      expect(held.constructor).toBe(linkFromState(acceptingNamespace(), linkStateOfFrame(frame.slice())).constructor);
      made.add(held.constructor.name);
    }
    expect([...made].sort()).toEqual(['Bridge', 'Link', 'Vxlan']);
  });

  it('choose the class of a link that is neither Ethernet nor ARPHRD_NONE (lo) without reading its kind', () => {
    // The kind of a bridge-typed frame is scanned for, whatever its device type says it is not.
    const linkinfo = (kind: string) => attribute(18, attribute(1, name(kind)));
    const typed = (type: number, attrs: number[]) => {
      const frame = rawLink(attrs);
      frame[18] = type & 255;
      frame[19] = type >> 8;
      return frame;
    };
    const bridgeAttrs = [...attribute(IFLA_IFNAME, name('br0')), ...linkinfo('bridge')];
    expect(linkFromState(acceptingNamespace(), pendingLinkState(typed(1, bridgeAttrs)))).toBeInstanceOf(Bridge);
    expect(classKindOf(pendingLinkState(typed(ARPHRD_NONE, [...attribute(IFLA_IFNAME, name('vx0')), ...linkinfo('vxlan')])))).toBe('vxlan');
    // Of another type no kind is read: the Link is made at once, even of a frame the scan refuses,
    // which throws its error when a field is first read, as any held reply's.
    const broken = typed(ARPHRD_LOOPBACK, [...attribute(IFLA_IFNAME, name('lo')), ...attribute(IFLA_MTU, [1, 2])]);
    const link = linkFromState(acceptingNamespace(), pendingLinkState(broken));
    expect(link.constructor).toBe(Link);
    expect([link.index, classKindOf(pendingLinkState(broken))]).toEqual([7, undefined]);
    expect(() => link.kind).toThrow(NetlinkDecodeError);
    // A plain state's kind is taken as it is.
    expect(classKindOf(linkStateOfFrame(typed(ARPHRD_LOOPBACK, bridgeAttrs)))).toBe('bridge');
  });

  it('throw the eager read\'s NetlinkDecodeError at the first read of an attribute field, never for index and flags', () => {
    const broken = rawLink([...attribute(IFLA_IFNAME, name('va1')), ...attribute(IFLA_MTU, [1, 2])]);
    const eager = read(() => linkStateOfFrame(broken));
    expect(eager).toHaveProperty('error');
    const echo = echoedLink([broken], 'va1');
    expect(echo).toBeInstanceOf(PendingLinkState);
    const link = new Link(acceptingNamespace(), echo!);
    expect([link.index, link.flags, link.isUp]).toEqual([7, 0x1002, false]);
    const { error, path, offset } = eager as { error: string; path: string; offset: number };
    for (const field of ['name', 'mtu', 'mac', 'kind', 'operstate', 'master', 'raw', 'state'] as const) {
      let thrown: unknown;
      try {
        void link[field];
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(NetlinkDecodeError);
      expect(thrown).toMatchObject({ message: error, path, offset });
    }
    expect(() => String(link)).toThrow(NetlinkDecodeError);
  });

  it('agree with the eager read on every truncation and on random changes of every captured link frame', () => {
    expect(checkDamagedFrames(frames, 11, 30, 41, expectSameAsRead)).toBeGreaterThan(100);
  });

  it('keep a flag change made before the attributes are read, and give a plain state after it', async () => {
    const { frame } = frames.find(({ frame }) => (new DataView(frame.buffer, frame.byteOffset).getUint32(24, true) & IFF_UP) === 0)!;
    const pending = pendingLinkState(frame.slice());
    const link = new Link(acceptingNamespace(), pending);
    await link.up();
    expect([link.isUp, link.flags & IFF_UP]).toEqual([true, IFF_UP]);
    const expected = linkStateOfFrame(frame.slice());
    expected.up = true;
    expected.flags |= IFF_UP;
    expect(link.state).toStrictEqual(expected);
    expect(Object.getPrototypeOf(link.state)).toBe(Object.prototype);
    await link.down();
    expect([link.isUp, link.state.up, link.state.flags & IFF_UP, expected.up]).toEqual([false, false, 0, true]);
  });

  it('tell a creation\'s echo by its first attribute, and read the whole frame when that cannot tell', () => {
    const frame = rawLink([...attribute(IFLA_IFNAME, name('veth1')), ...attribute(IFLA_MTU, [220, 5, 0, 0])]);
    const end = linkFrameLength(frame);
    expect([firstIfnameIs(frame, end, 'veth1'), firstIfnameIs(frame, end, 'veth'), firstIfnameIs(frame, end, 'veth10'), firstIfnameIs(frame, end, 'vet1')]).toEqual([true, false, false, false]);
    expect(firstIfnameIs(frame, end, 'vé')).toBeUndefined();
    // No NUL: the payload's end ends the name, as readCString reads it.
    const unterminated = rawLink(attribute(IFLA_IFNAME, [...Buffer.from('abcd')]));
    expect(firstIfnameIs(unterminated, linkFrameLength(unterminated), 'abcd')).toBe(true);
    expect(echoedLink([frame], 'veth1')).toBeInstanceOf(PendingLinkState);
    expect(plainLinkState(echoedLink([frame], 'veth1')!)).toStrictEqual(linkStateOfFrame(frame));
    expect(echoedLink([frame], 'veth10')).toBeUndefined();
    expect(echoedLink([frame, frame], 'veth1')).toBeUndefined();
    // The name elsewhere than first: read at once, as before.
    const late = rawLink([...attribute(IFLA_MTU, [220, 5, 0, 0]), ...attribute(IFLA_IFNAME, name('veth1'))]);
    expect(firstIfnameIs(late, linkFrameLength(late), 'veth1')).toBeUndefined();
    const state = echoedLink([late], 'veth1');
    expect(state).not.toBeInstanceOf(PendingLinkState);
    expect(state).toStrictEqual(linkStateOfFrame(late));
    expect(echoedLink([late], 'veth2')).toBeUndefined();
    const wide = rawLink([...attribute(IFLA_IFNAME, name('vé')), ...attribute(IFLA_MTU, [220, 5, 0, 0])]);
    expect(echoedLink([wide], 'vé')).toStrictEqual(linkStateOfFrame(wide));
  });

  it('are what the bridge creation and rtnl.linkToHold give; rtnl.link gives the plain state', async () => {
    // The fake kernel's echo does not put IFLA_IFNAME first (the encoder writes table order), so it
    // is read at once; its lookup reply is held.
    for (const [echoes, index, pending] of [[true, 5, false], [false, 6, true]] as const) {
      const state = await createPlainBridge({ rtnl: new Rtnl(new Connection(linkKernel('bridge', echoes))) }, { name: 'br0', up: true });
      expect(state instanceof PendingLinkState).toBe(pending);
      expect([state.index, state.name, state.kind, state.mtu]).toEqual([index, 'br0', 'bridge', 1500]);
    }
    const rtnl = new Rtnl(new Connection(linkKernel('veth', false)));
    const held = await rtnl.linkToHold('va1');
    const plain = await rtnl.link('va1');
    expect(held).toBeInstanceOf(PendingLinkState);
    expect(plain).not.toBeInstanceOf(PendingLinkState);
    expect(plainLinkState(held)).toStrictEqual(plain);
    expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
  });
});
