import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Connection } from '../../lib/connection.js';
import { readRoutes } from '../../lib/rtnl/reads.js';
import { routeOfFrame, toRoute, type Route } from '../../lib/rtnl/routes.js';
import { AF_INET, AF_INET6, NLM_F_MULTI, RTM_NEWROUTE } from '../../messages/constants.js';
import { NetlinkDecodeError } from '../../messages/errors.js';
import { FrameCursor } from '../../messages/framing.js';
import { formatIPv4, formatIPv4Prefix } from '../../messages/attributes/ip-text.js';
import { decodeMessages, encodeMessage, encodeMessages, type NetlinkMessage, type RouteMessage } from '../../messages/message.js';
import { RTA_DST, RTA_OIF, RTA_TABLE, RTN_UNICAST, RTNH_F_ONLINK, RTPROT_BOOT, RT_TABLE_MAIN, type RouteBody } from '../../messages/route/index.js';
import { RT_SCOPE_LINK, RT_SCOPE_UNIVERSE } from '../../messages/address/index.js';
import { done, fakeKernel } from '../helpers/fake-kernel.js';
import { loadFixtures } from '../helpers/fixtures.js';

// ns.routes() reads each route of a dump from its frame (routeOfFrame): its fields from the bytes,
// `raw` decoded when first read. Each must be the Route toRoute makes of the decoded message, and a
// malformed message must fail the same way, at the same moment (while the dump is read).

/** What decoding the datagram gives, as ns.routes() made it before: each route message through toRoute. */
function routesByDecoding(datagram: Uint8Array): Array<Route | undefined> {
  return decodeMessages(datagram).map((m) => (m.kind === 'route' ? toRoute(m.body) : undefined));
}

/** The same datagram read as the receive path reads it for a dump: a copy, its frames walked, each a view of the copy. */
function routesByFrames(datagram: Uint8Array): Array<Route | undefined> {
  const copy = new Uint8Array(datagram);
  const frames = new FrameCursor(copy);
  const out: Array<Route | undefined> = [];
  while (frames.next()) out.push(routeOfFrame(copy.subarray(frames.start, frames.end)));
  return out;
}

function outcome(read: () => Array<Route | undefined>): { routes: Array<Route | undefined> } | { error: string; offset: number } {
  try {
    return { routes: read() };
  } catch (error) {
    if (!(error instanceof NetlinkDecodeError)) throw error;
    return { error: error.message, offset: error.offset };
  }
}

/** The two ways agree: equal routes (keys in the same order, raw deep-equal and encoding back to the same bytes), or the same error. */
function expectSameRoutes(datagram: Uint8Array): Array<Route | undefined> {
  const before = outcome(() => routesByDecoding(datagram));
  const after = outcome(() => routesByFrames(datagram));
  if ('error' in before) {
    expect(after).toEqual(before);
    return [];
  }
  expect('routes' in after).toBe(true);
  const routes = (after as { routes: Array<Route | undefined> }).routes;
  expect(routes).toHaveLength(before.routes.length);
  const messages = decodeMessages(datagram);
  routes.forEach((route, i) => {
    const expected = before.routes[i];
    expect(route).toStrictEqual(expected);
    if (route === undefined || expected === undefined) return;
    expect(Object.keys(route)).toEqual(Object.keys(expected));
    expect(JSON.stringify(route)).toBe(JSON.stringify(expected));
    expect(Object.getPrototypeOf(route)).toBe(Object.prototype);
    const message = messages[i] as RouteMessage;
    expect(encodeMessage({ ...message, body: route.raw })).toEqual(encodeMessage(message));
  });
  return routes;
}

/** Whether `route` was read from its frame (raw not decoded with it). */
const readFromFrame = (route: Route | undefined): boolean => route !== undefined && Object.getOwnPropertyDescriptor(route, 'raw')?.get !== undefined;

function routeMessage(body: Partial<RouteBody> & { attrs: RouteBody['attrs'] }, type = RTM_NEWROUTE): RouteMessage {
  return {
    kind: 'route',
    type,
    flags: NLM_F_MULTI,
    seq: 7,
    pid: 0,
    body: { family: AF_INET, dstLen: 32, srcLen: 0, tos: 0, table: RT_TABLE_MAIN, protocol: RTPROT_BOOT, scope: RT_SCOPE_LINK, type: RTN_UNICAST, flags: 0, ...body },
  };
}

/** An attribute as bytes: type, payload (padded to 4). */
function attribute(type: number, payload: number[]): number[] {
  const len = 4 + payload.length;
  const out = [len & 255, len >> 8, type & 255, type >> 8, ...payload];
  while (out.length % 4) out.push(0);
  return out;
}

/** A route message with the given attribute bytes after its rtmsg (nlmsg_len set). */
function rawRoute(attrs: number[], rtmsg = [AF_INET, 32, 0, 0, RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_LINK, RTN_UNICAST, 0, 0, 0, 0]): Uint8Array {
  const len = 16 + rtmsg.length + attrs.length;
  return Uint8Array.from([len & 255, len >> 8, 0, 0, RTM_NEWROUTE, 0, NLM_F_MULTI, 0, 7, 0, 0, 0, 0, 0, 0, 0, ...rtmsg, ...attrs]);
}

describe('routes read from frames (ns.routes)', () => {
  it('are the routes decoding gives, for every captured frame with routes (dumps, IPv6, nhid, multipath, metrics, requests, notifications)', () => {
    let fromFrames = 0;
    let decoded = 0;
    for (const fixture of loadFixtures()) {
      let messages: NetlinkMessage[];
      try {
        messages = decodeMessages(fixture.bytes);
      } catch {
        continue;
      }
      if (!messages.some((m) => m.kind === 'route')) continue;
      for (const route of expectSameRoutes(fixture.bytes)) {
        if (readFromFrame(route)) fromFrames++;
        else if (route !== undefined) decoded++;
      }
    }
    // Both ways are covered: most routes are read from their frames, multipath and metrics are decoded.
    expect(fromFrames).toBeGreaterThan(20);
    expect(decoded).toBeGreaterThan(0);
  });

  it('read IPv6, gateways, preferred sources, metrics, tables above 255, onlink and nexthop objects from the bytes', () => {
    const messages: RouteMessage[] = [
      routeMessage({ family: AF_INET6, dstLen: 64, scope: RT_SCOPE_UNIVERSE, attrs: { table: 254, dst: '2001:db8:1::', gateway: 'fe80::1', oif: 3, priority: 1024, prefsrc: '2001:db8::2', pref: 0 } }),
      routeMessage({ dstLen: 0, table: 252, attrs: { table: 1000, gateway: '10.0.0.254', oif: 5 } }),
      routeMessage({ dstLen: 24, flags: RTNH_F_ONLINK, attrs: { dst: '10.9.0.0', gateway: '10.0.0.1', oif: 2, priority: 20, prefsrc: '10.0.0.2' } }),
      routeMessage({ dstLen: 24, attrs: { dst: '10.8.0.0', nhId: 12, gateway: '10.0.0.1', oif: 2 } }),
      routeMessage({ family: AF_INET6, dstLen: 128, attrs: { dst: '::ffff:10.0.0.1', oif: 1, cacheinfo: { clntref: 0, lastuse: 0, expires: 0, error: 0, used: 0, id: 0, ts: 0, tsage: 0 }, expires: 7 } }),
    ];
    const routes = expectSameRoutes(encodeMessages(messages));
    expect(routes.every(readFromFrame)).toBe(true);
    expect(routes[0]).toMatchObject({ family: 6, dst: '2001:db8:1::/64', via: 'fe80::1', dev: 3, metric: 1024, src: '2001:db8::2', table: 'main' });
    expect(routes[1]).toMatchObject({ dst: 'default', table: 1000, via: '10.0.0.254', dev: 5 });
    expect(routes[2]).toMatchObject({ onlink: true, metric: 20 });
    expect(routes[3]).toMatchObject({ nhid: 12 });
    expect(routes[3]).not.toHaveProperty('via');
  });

  it('decode what the scan does not cover and agree on it: multipath, metrics, unknown and repeated attributes, odd widths, short headers', () => {
    const datagrams = [
      encodeMessage(routeMessage({ dstLen: 24, attrs: { dst: '10.5.0.0', multipath: [{ flags: RTNH_F_ONLINK, hops: 1, ifindex: 3, attrs: { gateway: '10.0.0.254' } }] } })),
      encodeMessage(routeMessage({ dstLen: 24, attrs: { dst: '10.6.0.0', oif: 3, metrics: { mtu: 1400 } } })),
      rawRoute([...attribute(RTA_DST, [10, 0, 0, 1]), ...attribute(200, [1, 2, 3]), ...attribute(RTA_OIF, [3, 0, 0, 0])]),
      rawRoute([...attribute(RTA_DST, [10, 0, 0, 1]), ...attribute(RTA_DST, [10, 0, 0, 2]), ...attribute(RTA_OIF, [3, 0, 0, 0]), ...attribute(RTA_OIF, [4, 0, 0, 0])]),
      rawRoute([...attribute(RTA_DST, [10, 0, 0, 1, 9]), ...attribute(RTA_OIF, [3, 0])]),
      rawRoute([...attribute(RTA_OIF, [3, 0, 0, 0])]),
      rawRoute([...attribute(RTA_DST | 0x8000, [10, 0, 0, 1]), ...attribute(RTA_TABLE, [0, 1, 0, 0])]),
      rawRoute([], [AF_INET, 0, 0, 0]),
      Uint8Array.from([...rawRoute([...attribute(RTA_DST, [10, 0, 0, 1])]), ...encodeMessage(done(routeMessage({ attrs: {} })))]),
    ];
    let fromFrames = 0;
    for (const datagram of datagrams) fromFrames += expectSameRoutes(datagram).filter(readFromFrame).length;
    expect(fromFrames).toBeGreaterThan(0);
  });

  it('throw the decoder\'s NetlinkDecodeError (path and datagram offset) for malformed messages, while the dump is read', () => {
    const good = encodeMessages([
      routeMessage({ attrs: { dst: '10.0.0.1', oif: 3 } }),
      routeMessage({ attrs: { dst: '10.0.0.2', oif: 3, metrics: { mtu: 1400 } } }),
    ]);
    const cut = good.slice();
    cut[16 + 12 + 8] = 200; // RTA_OIF's nla_len past the message (RTA_DST before it is whole)
    const error = outcome(() => routesByFrames(cut));
    expect(error).toEqual(outcome(() => routesByDecoding(cut)));
    expect(error).toMatchObject({ error: expect.stringContaining('RTM_NEWROUTE at byte 36') });
    const nested = good.slice();
    const second = new DataView(nested.buffer).getUint32(0, true);
    const metricsAt = second + 16 + 12 + 8 + 8; // RTA_METRICS of the second message
    nested[metricsAt + 4] = 2; // RTAX_MTU's nla_len below its header
    expect(outcome(() => routesByFrames(nested))).toEqual(outcome(() => routesByDecoding(nested)));
    expect('error' in outcome(() => routesByFrames(nested))).toBe(true);
  });

  it('agree with decoding on every truncation and on random changes of captured route frames', () => {
    const frames = loadFixtures().filter((f) => /route/.test(f.name) && f.direction === 'received').map((f) => f.bytes);
    expect(frames.length).toBeGreaterThan(3);
    let seed = 19;
    const random = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (const frame of frames) {
      for (let n = 16; n < Math.min(frame.length, 400); n += 3) {
        const cut = frame.slice(0, n);
        const view = new DataView(cut.buffer);
        if (view.getUint32(0, true) > n) view.setUint32(0, n, true);
        expectSameRoutes(cut);
      }
      for (let i = 0; i < 150; i++) {
        const mutated = frame.slice();
        for (let k = 0; k < 3; k++) mutated[Math.floor(random() * mutated.length)] = Math.floor(random() * 256);
        const routes = outcome(() => routesByFrames(mutated));
        expect(routes).toEqual(outcome(() => routesByDecoding(mutated)));
        // raw of a route that was read never fails later.
        if ('routes' in routes) for (const route of routes.routes) void route?.raw;
      }
    }
  });

  it('keep raw writable, and show it to spread, JSON and util.inspect with getters', () => {
    const [route] = routesByFrames(encodeMessage(routeMessage({ attrs: { dst: '10.0.0.1', oif: 3 } }))) as Route[];
    expect(readFromFrame(route)).toBe(true);
    const raw = route!.raw;
    expect(route!.raw).toBe(raw); // decoded once
    expect({ ...route }.raw).toEqual(raw);
    expect(JSON.parse(JSON.stringify(route))).toHaveProperty('raw.attrs.dst', '10.0.0.1');
    expect(inspect(route, { getters: true })).toContain("dst: '10.0.0.1'");
    const replaced = { ...raw, dstLen: 24 };
    route!.raw = replaced;
    expect(route!.raw).toBe(replaced);
    expect(Object.keys(route!)).toEqual(['family', 'dst', 'dstLen', 'table', 'protocol', 'scope', 'type', 'raw', 'dev']);
  });

  it('write IPv4 destinations as ip-text does, for every byte value and prefix length', () => {
    const bytes = new Uint8Array(4);
    for (let v = 0; v < 256; v++) {
      bytes.set([v, 255 - v, (v * 7) & 255, v >> 1]);
      const prefix = v % 33;
      expect(formatIPv4Prefix(bytes, 0, prefix)).toBe(`${formatIPv4(bytes, 0)}/${prefix}`);
    }
    expect(formatIPv4Prefix(Uint8Array.of(255, 255, 255, 255), 0, 255)).toBe('255.255.255.255/255');
  });
});

describe('readRoutes (ns.routes) through a connection', () => {
  function dumpKernel(answer: (request: NetlinkMessage) => Uint8Array[]) {
    let listener: (datagram: Uint8Array) => void = () => {};
    const kernel = fakeKernel((request) => {
      setImmediate(() => {
        for (const datagram of answer(request)) listener(datagram);
      });
    });
    const onDatagram = kernel.onDatagram.bind(kernel);
    kernel.onDatagram = (l) => {
      listener = l;
      onDatagram(l);
    };
    return kernel;
  }
  const noDevices = async (): Promise<number> => 0;

  it('gives the routes decoding gives, each read from its frame', async () => {
    const routes = Array.from({ length: 300 }, (_, i) => routeMessage({ attrs: { table: 254, dst: `10.1.${i >> 8}.${i & 255}`, oif: 3 } }));
    const kernel = dumpKernel((request) => {
      const reply = routes.map((m) => ({ ...m, seq: request.seq }));
      return [encodeMessages(reply.slice(0, 200)), encodeMessages([...reply.slice(200), done(request)])];
    });
    const conn = new Connection(kernel);
    const read = await readRoutes(conn, noDevices, { family: 4 });
    expect(read.every(readFromFrame)).toBe(true);
    expect(read).toStrictEqual(routes.map((m) => toRoute(decodeMessages(encodeMessage(m))[0]!.body as RouteBody)));
    conn.close();
  });

  it('rejects on a malformed route message with the decoder\'s error, as when the dump was decoded', async () => {
    const kernel = dumpKernel((request) => {
      const datagram = encodeMessages([routeMessage({ attrs: { dst: '10.0.0.1', oif: 3 } }), done(request)].map((m) => ({ ...m, seq: request.seq })));
      datagram[16 + 12 + 8] = 200; // RTA_OIF's nla_len
      return [datagram];
    });
    const conn = new Connection(kernel);
    await expect(readRoutes(conn, noDevices, { family: 4 })).rejects.toThrow('undecodable datagram from the kernel: RTM_NEWROUTE at byte 36: nla_len 200 overruns');
    conn.close();
  });
});
