import { describe, expect, it } from 'vitest';
import { decodeMessages, type RouteMessage } from '../../messages/message.js';
import { NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, RTM_DELROUTE, RTM_NEWROUTE } from '../../messages/constants.js';
import { Writer } from '../../messages/writer.js';
import { checkRoute, ROUTE_WRITERS, writeRoute, type RouteKind } from '../../lib/rtnl/route-request.js';
import type { RouteSpec } from '../../lib/rtnl/routes.js';
import { fixtureBytes } from '../helpers/fixtures.js';

function written(kind: RouteKind, spec: RouteSpec, indexes?: ReadonlyMap<string, number>): RouteMessage {
  const w = new Writer(64);
  const route = checkRoute(kind, spec);
  if (indexes) route.resolve(indexes);
  writeRoute(w, route);
  const [message, ...rest] = decodeMessages(w.buffer.slice(0, w.length));
  expect(rest).toEqual([]);
  expect(message?.kind).toBe('route');
  return message as RouteMessage;
}

const captured = (name: string): RouteMessage => decodeMessages(fixtureBytes(name))[0] as RouteMessage;

/** The body as the kernel reads it; RTA_TABLE aside (we always send it, iproute2 only above 255). */
function meaning(m: RouteMessage): unknown {
  const { table: _table, ...attrs } = m.body.attrs as Record<string, unknown>;
  return { type: m.type, flags: m.flags & (NLM_F_CREATE | NLM_F_EXCL | NLM_F_REPLACE | NLM_F_APPEND), body: { ...m.body, attrs: { ...attrs } } };
}

describe('route requests written straight to bytes', () => {
  // Each iproute2 capture beside the spec that asks for the same (iproute2 defaults to proto boot).
  const oif = (name: string) => captured(name).body.attrs.oif!;
  const cases: Array<[fixture: string, kind: RouteKind, spec: () => RouteSpec]> = [
    ['route-new-default-request', 'add', () => ({ dst: 'default', via: '10.0.0.1', protocol: 'boot' })],
    ['route-new-gateway-request', 'add', () => ({ dst: '10.1.0.0/24', via: '10.0.0.254', dev: oif('route-new-gateway-request'), protocol: 'boot' })],
    ['route-new-metrics-mtu-request', 'add', () => ({ dst: '10.5.0.0/24', dev: oif('route-new-metrics-mtu-request'), mtu: 1400, protocol: 'boot' })],
    [
      'route-new-multipath-request',
      'add',
      () => ({ dst: '10.4.0.0/24', nexthops: [{ via: '10.0.0.254', weight: 1 }, { via: '10.0.0.253', weight: 2 }], protocol: 'boot' }),
    ],
    ['route-new-nhid-request', 'add', () => ({ dst: '10.6.0.0/24', nhid: 10, protocol: 'boot' })],
    ['route-new-prefsrc-proto-request', 'add', () => ({ dst: '10.3.0.0/24', via: '10.0.0.254', src: '10.0.0.2', protocol: 'static' })],
    ['route-new-table-metric-request', 'add', () => ({ dst: '10.2.0.0/24', dev: oif('route-new-table-metric-request'), table: 100, metric: 50, protocol: 'boot' })],
    ['route-new-v6-request', 'add', () => ({ dst: 'fd01::/64', via: 'fd00::1', dev: oif('route-new-v6-request'), protocol: 'boot' })],
    ['route-del-request', 'delete', () => ({ dst: '10.9.0.0/24' })],
  ];

  it.each(cases)('%s: says what iproute2 says', (fixture, kind, spec) => {
    expect(meaning(written(kind, spec()))).toEqual(meaning(captured(fixture)));
  });

  it('clears host bits, reads bare addresses as host routes, and fills in named devices once resolved', () => {
    const host = written('add', { dst: '10.1.2.3/16', dev: 4 });
    expect(host.body.attrs.dst).toBe('10.1.0.0');
    expect(host.body.dstLen).toBe(16);
    expect(written('add', { dst: '10.1.2.3', dev: 4 }).body.dstLen).toBe(32);
    expect(written('add', { dst: '0.0.0.0/0', via: '10.0.0.1' }).body.attrs.dst).toBe('0.0.0.0');
    expect(written('add', { dst: 'fd00:1::5/64', dev: 4 }).body.attrs.dst).toBe('fd00:1::');
    const named = written('add', { dst: '10.1.0.0/24', dev: 'eth0', nexthops: undefined }, new Map([['eth0', 7]]));
    expect(named.body.attrs.oif).toBe(7);
    const hops = written('add', { dst: '10.1.0.0/24', nexthops: [{ via: '10.0.0.1', dev: 'a' }, { via: '10.0.0.2', dev: 3 }] }, new Map([['a', 9]]));
    expect(hops.body.attrs.multipath!.map((h) => h.ifindex)).toEqual([9, 3]);
    expect(written('add', { dst: '10.1.0.0/24', dev: { index: 5, name: 'veth0' } }).body.attrs.oif).toBe(5);
    expect(checkRoute('add', { dst: '10.1.0.0/24', nexthops: [{ dev: 'a' }, { dev: 'b' }], dev: 'a' }).names()).toEqual(['a', 'a', 'b']);
  });

  it('writes the header each kind needs', () => {
    const flags = (kind: RouteKind) => written(kind, { dst: '10.1.0.0/24', dev: 2 });
    expect([flags('add').type, flags('add').flags]).toEqual([RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL]);
    expect(flags('replace').flags).toBe(NLM_F_CREATE | NLM_F_REPLACE);
    expect(flags('append').flags).toBe(NLM_F_CREATE | NLM_F_APPEND);
    expect([flags('delete').type, flags('delete').flags, flags('delete').body.protocol]).toEqual([RTM_DELROUTE, 0, 0]);
  });

  it('writes a route at an offset not a multiple of 4 as at one that is (words where aligned, attributes one by one where not)', () => {
    const specs: RouteSpec[] = [
      { dst: '10.1.39.16/32', dev: 7 },
      { dst: '10.2.0.0/16', via: '10.0.0.254', src: '10.0.0.2', metric: 9, table: 300, dev: 3 },
      { dst: '10.6.0.0/24', nhid: 10 },
    ];
    for (const spec of specs) {
      const aligned = new Writer(64);
      writeRoute(aligned, checkRoute('add', spec));
      const shifted = new Writer(64);
      shifted.zeros(2);
      writeRoute(shifted, checkRoute('add', spec));
      expect(shifted.since(2)).toEqual(aligned.since(0));
    }
  });

  it("writes every spec through a kind's writer as checkRoute and writeRoute do: the same bytes, or the same error", () => {
    const link = { index: 6, name: 'veth0' };
    const specs: unknown[] = [
      { dst: '10.1.39.16/32', dev: 7 },
      { dst: '10.1.2.3', dev: 7 },
      { dst: '10.1.2.3/16', dev: link },
      { dst: '0.0.0.0/0', via: '10.0.0.1' },
      { dst: 'default', via: '10.0.0.1', dev: 3, onlink: true },
      { dst: 'default', dev: 3 },
      { dst: 'default', family: 4 },
      { dst: '10.2.0.0/16', via: '10.0.0.254', src: '10.0.0.2', metric: 9, table: 300, dev: 3 },
      { dst: '10.2.0.0/16', table: 100, metric: 0 },
      { dst: '10.6.0.0/24', nhid: 10 },
      { dst: '10.6.0.0/24', nhid: 10, dev: 2 },
      { dst: '10.6.0.0/24', nhid: 0 },
      { dst: '10.6.0.0/24', nhid: 10, via: '10.0.0.1' },
      { dst: '10.6.0.0/24', dev: 2, protocol: 'boot', scope: 'link', type: 'unicast' },
      { dst: '10.6.0.0/24', type: 'blackhole' },
      { dst: '10.6.0.0/24', dev: 2, mtu: 1400 },
      { dst: '10.4.0.0/24', nexthops: [{ via: '10.0.0.254', weight: 1 }, { via: '10.0.0.253', weight: 2 }] },
      { dst: 'fd01::/64', via: 'fd00::1', dev: 2 },
      { dst: 'default', via: 'fd00::1' },
      { dst: '10.1.0.0/24', family: 6 },
      { dst: '10.1.0.0/24', family: 5 },
      { dst: '10.1.0.0/24', dev: 0 },
      { dst: '10.1.0.0/24', dev: 1.5 },
      { dst: '10.1.0.0/24', dev: { index: -1 } },
      { dst: '10.1.0.0/24', dev: null },
      { dst: '10.1.0.0/24', table: 'main', metric: 2 ** 32 },
      { dst: '10.1.0.0/24', table: -1 },
      { dst: '10.1.0.0/24', metric: 1.5 },
      { dst: '10.1.0.0/24', src: '10.0.0.300' },
      { dst: '10.1.0.0/24', via: 5 },
      { dst: '10.1.0.0/33' },
      { dst: '10.1.0.0/' },
      { dst: '10.1.0.0/08' },
      { dst: '10.1.0.0/123' },
      { dst: '10.01.0.0/8' },
      { dst: '10.1.0.0.0/8' },
      { dst: '10..0.0/8' },
      { dst: '256.1.0.0/8' },
      { dst: 'default/0' },
      { dst: 7 },
      null,
      'default',
    ];
    const outcome = (write: (w: Writer) => void, at: number): Uint8Array | string => {
      const w = new Writer(16);
      w.zeros(at);
      try {
        write(w);
      } catch (error) {
        return `${(error as Error).constructor.name}: ${(error as Error).message}`;
      }
      return w.since(at);
    };
    for (const kind of ['add', 'replace', 'append', 'delete'] as const) {
      for (const spec of specs) {
        for (const at of [0, 4, 2]) {
          const expected = outcome((w) => writeRoute(w, checkRoute(kind, spec as RouteSpec)), at);
          expect([kind, spec, at, outcome((w) => ROUTE_WRITERS[kind].write(w, spec as RouteSpec), at)]).toEqual([kind, spec, at, expected]);
        }
      }
    }
  });
});
