import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, Namespace, NetlinkError, VethPair, type Change, type RouteSpec } from '../../lib/index.js';
import { ipJson, type Json } from '../helpers/ip-oracle.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

// Issue 19 item 3: ns.deleteRoutes(specs), and one general batch with one result per change.

if (integrationSkipReason !== undefined) console.log(`bulk-changes: ${integrationSkipReason}`);

const P = 'it-bulk-';
const routesOf = (ns: Namespace, prefix: string): string[] =>
  (ipJson(ns, ['-4', 'route', 'show', 'table', 'main']) as Json[]).map((r) => String(r.dst)).filter((d) => d.startsWith(prefix));

const codeOf = (e: Error | undefined): string => (e === undefined ? 'ok' : e instanceof InvalidArgumentError ? 'invalid' : ((e as NetlinkError).code ?? e.name));

describe.skipIf(!canRunIntegration)('bulk changes', () => {
  let ns: Namespace;

  beforeAll(async () => {
    ns = await Namespace.create(`${P}main`);
    await VethPair.create({ name: 'b0', namespace: ns, up: true, peer: { name: 'b1', up: true } });
    await ns.addAddress('b0', '10.0.0.1/16');
  });

  afterAll(async () => {
    await ns?.delete();
    expect(Namespace.list().filter((n) => n.startsWith(P))).toEqual([]);
  });

  it('deleteRoutes: one result per route, in order, the table as reported', async () => {
    const specs: RouteSpec[] = Array.from({ length: 3000 }, (_, i) => ({ dst: `10.140.${i >> 8}.${i & 255}/32`, dev: 'b0' }));
    expect((await ns.addRoutes(specs)).filter((e) => e !== undefined)).toEqual([]);
    expect(routesOf(ns, '10.140.')).toHaveLength(3000);
    const deletes: RouteSpec[] = specs.map((s, i) => (i % 500 === 7 ? { ...s, dst: `10.141.0.${i % 250}/32` } : s));
    deletes[11] = { dst: '10.140.999.1/32', dev: 'b0' };
    deletes[12] = { dst: '10.140.0.12/32', dev: 'nosuchdev' };
    const results = await ns.deleteRoutes(deletes);
    const codes = results.map(codeOf);
    const expected = deletes.map((_, i) => (i === 11 ? 'invalid' : i === 12 ? 'ENODEV' : i % 500 === 7 ? 'ESRCH' : 'ok'));
    expect(codes).toEqual(expected);
    expect(routesOf(ns, '10.140.').sort()).toEqual(
      specs.flatMap((s, i) => (codes[i] === 'ok' ? [] : [s.dst.replace('/32', '')])).sort(),
    );
  });

  it('batch: links, addresses, routes and neighbours in one call, each with its own outcome', async () => {
    const changes: Change[] = [
      { do: 'link set', dev: 'b1', changes: { mtu: 1400 } },
      { do: 'address add', address: { dev: 'b1', cidr: '10.50.0.1/24' } },
      { do: 'address add', address: { dev: 'b1', cidr: '10.50.0.1/24' } }, // EEXIST
      { do: 'route add', route: { dst: '10.51.0.0/24', via: '10.50.0.2' } },
      { do: 'route add', route: { dst: '10.52.0.0/24', via: '10.99.0.2' } }, // ENETUNREACH
      { do: 'neighbor add', neighbor: { dst: '10.50.0.9', lladdr: '02:00:00:00:00:09', dev: 'b1' } },
      { do: 'address add', address: { dev: 'nosuch', cidr: '10.53.0.1/24' } }, // ENODEV from the lookup
      { do: 'address add', address: { dev: 'b1', cidr: '10.54.0.1/33' } }, // refused before sending
      { do: 'link set', dev: 'b0', changes: { up: false } },
      ...Array.from({ length: 200 }, (_, i): Change => ({ do: 'route add', route: { dst: `10.55.${i}.0/24`, dev: 'b1' } })),
      { do: 'route delete', route: { dst: '10.55.0.0/24', dev: 'b1' } },
    ];
    const codes = (await ns.batch(changes)).map(codeOf);
    expect(codes.slice(0, 9)).toEqual(['ok', 'ok', 'EEXIST', 'ok', 'ENETUNREACH', 'ok', 'ENODEV', 'invalid', 'ok']);
    expect(codes.slice(9)).toEqual(changes.slice(9).map(() => 'ok'));
    const b1 = await ns.link('b1');
    expect(b1.mtu).toBe(1400);
    expect((await ns.link('b0')).isUp).toBe(false);
    expect((await ns.addresses({ dev: 'b1' })).map((a) => a.cidr)).toContain('10.50.0.1/24');
    expect(routesOf(ns, '10.51.')).toEqual(['10.51.0.0/24']);
    expect(routesOf(ns, '10.52.')).toEqual([]);
    expect(routesOf(ns, '10.55.')).toHaveLength(199);
    expect((await ns.neighbors({ dev: 'b1' })).map((n) => n.dst)).toContain('10.50.0.9');
  });

  it('batch in the same words as what is read: addresses, routes and neighbours read back are deleted and added again in two batches', async () => {
    await ns.addAddress({ dev: 'b1', cidr: '10.60.0.1/24', metric: 9 });
    await ns.addRoute({ dst: '10.61.0.0/24', via: '10.60.0.254', dev: 'b1', metric: 5 });
    await ns.addNeighbor({ dst: '10.60.0.7', lladdr: '02:00:00:00:60:07', dev: 'b1' });
    const ip = () => [
      (ipJson(ns, ['-4', 'addr', 'show', 'dev', 'b1']) as Json[]).flatMap((l) => l.addr_info as Json[]).filter((a) => String(a.local).startsWith('10.60.')),
      (ipJson(ns, ['-4', 'route', 'show', 'table', 'main']) as Json[]).filter((r) => String(r.dst).startsWith('10.6')),
      (ipJson(ns, ['-4', 'neigh', 'show', 'dev', 'b1']) as Json[]).filter((n) => n.dst === '10.60.0.7'),
    ];
    const before = ip();
    expect(before.map((list) => list.length)).toEqual([1, 2, 1]);
    const addresses = (await ns.addresses({ dev: 'b1' })).filter((a) => a.address.startsWith('10.60.'));
    const routes = (await ns.routes()).filter((r) => r.dst === '10.61.0.0/24');
    const neighbors = (await ns.neighbors({ family: 4, dev: 'b1' })).filter((n) => n.dst === '10.60.0.7');
    const changes = (action: 'add' | 'delete'): Change[] => [
      ...addresses.map((address): Change => ({ do: `address ${action}`, address })),
      ...routes.map((route): Change => ({ do: `route ${action}`, route })),
      ...neighbors.flatMap((neighbor): Change[] => (neighbor.family === 'bridge' ? [] : [{ do: `neighbor ${action}`, neighbor }])),
    ];
    // The route goes first on delete (the address's prefix route would take it along otherwise).
    expect(await ns.batch(changes('delete').reverse())).toEqual([undefined, undefined, undefined]);
    expect(ip()).toEqual([[], [], []]);
    expect(await ns.batch(changes('add'))).toEqual([undefined, undefined, undefined]);
    expect(ip()).toEqual(before);
  });
});
