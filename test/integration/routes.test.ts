import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Namespace, VethPair, type Route, type RouteSpec } from '../../lib/index.js';
import { ipJson, type Json } from '../helpers/ip-oracle.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

if (integrationSkipReason !== undefined) console.log(`routes: ${integrationSkipReason}`);

const P = 'it-routes-';

describe.skipIf(!canRunIntegration)('routes', () => {
  let ns: Namespace;
  let far: Namespace;
  let veth0: number;
  let veth1: number;

  /** The oracle's routes to `dst` in every table (`ip -j [-6] route show table all`). */
  const oracle = (dst: string, family: 4 | 6 = 4): Json[] =>
    (ipJson(ns, [`-${family}`, 'route', 'show', 'table', 'all']) as Json[]).filter((r) => r.dst === dst);
  /** Ours, from the same kind of dump. */
  const ours = async (dst: string, family: 4 | 6 = 4): Promise<Route[]> =>
    (await ns.routes({ table: 'all', family })).filter((r) => r.dst === dst);

  beforeAll(async () => {
    ns = await Namespace.create(`${P}a`);
    far = await Namespace.create(`${P}far`);
    const p0 = await VethPair.create({ name: 'veth0', namespace: ns, up: true, peer: { name: 'far0', namespace: far, up: true } });
    const p1 = await VethPair.create({ name: 'veth1', namespace: ns, up: true, peer: { name: 'far1', namespace: far, up: true } });
    veth0 = p0.link.index;
    veth1 = p1.link.index;
    await p0.link.addAddress('10.2.0.1/24');
    await p1.link.addAddress('10.3.0.1/24');
    await p0.link.addAddress('fd00:2::1/64', { noDad: true });
    await (await ns.link('lo')).up();
  });

  afterAll(async () => {
    for (const n of [ns, far]) await n?.delete();
    expect(Namespace.list().filter((n) => n.startsWith(P))).toEqual([]);
  });

  it('dst via gateway (the device found by the kernel), then delete', async () => {
    await ns.addRoute({ dst: '10.9.0.0/24', via: '10.2.0.254' });
    const [mine] = await ours('10.9.0.0/24');
    expect(mine).toMatchObject({ family: 4, dstLen: 24, via: '10.2.0.254', dev: veth0, table: 'main', protocol: 'static', scope: 'global', type: 'unicast' });
    const [theirs] = oracle('10.9.0.0/24');
    expect(theirs).toMatchObject({ gateway: '10.2.0.254', dev: 'veth0', protocol: 'static' });
    await ns.deleteRoute({ dst: '10.9.0.0/24', via: '10.2.0.254' });
    expect(await ours('10.9.0.0/24')).toEqual([]);
    expect(oracle('10.9.0.0/24')).toEqual([]);
  });

  it('a host prefix given with a non-network address is normalised (10.9.3.7/24 -> 10.9.3.0/24)', async () => {
    await ns.addRoute({ dst: '10.9.3.7/24', via: '10.2.0.254', dev: 'veth0' });
    expect((await ours('10.9.3.0/24')).map((r) => r.via)).toEqual(['10.2.0.254']);
    expect(oracle('10.9.3.0/24').map((r) => r.dev)).toEqual(['veth0']);
    await ns.deleteRoute({ dst: '10.9.3.0/24' });
    expect(oracle('10.9.3.0/24')).toEqual([]);
  });

  it('default route via a gateway on a device', async () => {
    await ns.addRoute({ dst: 'default', via: '10.2.0.254', dev: 'veth0' });
    const mine = (await ns.routes({ family: 4 })).filter((r) => r.dst === 'default');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ dstLen: 0, via: '10.2.0.254', dev: veth0 });
    expect(oracle('default')).toEqual([expect.objectContaining({ gateway: '10.2.0.254', dev: 'veth0' })]);
    await ns.deleteRoute({ dst: 'default', via: '10.2.0.254' });
    expect(oracle('default')).toEqual([]);
  });

  it('a host route on a device is scope link (ip route add 10.2.5.5 dev veth0)', async () => {
    await ns.addRoute({ dst: '10.2.5.5', dev: 'veth0' });
    const [mine] = await ours('10.2.5.5/32');
    expect(mine).toMatchObject({ dstLen: 32, scope: 'link', dev: veth0 });
    expect(mine?.via).toBeUndefined();
    expect(oracle('10.2.5.5')).toEqual([expect.objectContaining({ dev: 'veth0', scope: 'link' })]);
    await ns.deleteRoute({ dst: '10.2.5.5', dev: 'veth0' });
    expect(oracle('10.2.5.5')).toEqual([]);
  });

  it('table, metric, src, protocol and mtu', async () => {
    await ns.addRoute({ dst: '10.9.1.0/24', via: '10.2.0.254', table: 100, metric: 300, src: '10.2.0.1', protocol: 'dhcp', mtu: 1300 });
    await ns.addRoute({ dst: '10.9.2.0/24', dev: 'veth1', table: 4000, protocol: 77 });
    const [mine] = await ours('10.9.1.0/24');
    expect(mine).toMatchObject({ table: 100, metric: 300, src: '10.2.0.1', protocol: 'dhcp', mtu: 1300, via: '10.2.0.254' });
    const [theirs] = oracle('10.9.1.0/24');
    expect(theirs).toMatchObject({ table: '100', metric: 300, prefsrc: '10.2.0.1', protocol: 'dhcp', gateway: '10.2.0.254', dev: 'veth0' });
    expect(theirs.metrics).toEqual([{ mtu: 1300 }]);
    expect((await ours('10.9.2.0/24'))[0]).toMatchObject({ table: 4000, protocol: 77 });
    expect(oracle('10.9.2.0/24')[0]).toMatchObject({ table: '4000', protocol: '77', dev: 'veth1' });

    // Not in main: the default filter is table main, like `ip route`.
    expect((await ns.routes()).map((r) => r.dst)).not.toContain('10.9.1.0/24');
    expect((ipJson(ns, ['route', 'show']) as Json[]).map((r) => r.dst)).not.toContain('10.9.1.0/24');
    // A table filter gives that table only, as the oracle.
    const t100 = await ns.routes({ table: 100 });
    expect(t100.map((r) => r.dst)).toEqual((ipJson(ns, ['route', 'show', 'table', '100']) as Json[]).map((r) => `${r.dst}${r.dst.includes('/') ? '' : '/32'}`));
    expect(t100.every((r) => r.table === 100)).toBe(true);
    expect((await ns.routes({ table: 4000 })).map((r) => r.dst)).toEqual(['10.9.2.0/24']);
    await ns.deleteRoute({ dst: '10.9.1.0/24', table: 100 });
    await ns.deleteRoute({ dst: '10.9.2.0/24', table: 4000 });
    expect(oracle('10.9.1.0/24')).toEqual([]);
    expect(oracle('10.9.2.0/24')).toEqual([]);
  });

  it('multipath: weighted next hops on two devices', async () => {
    await ns.addRoute({ dst: '10.8.0.0/16', nexthops: [{ via: '10.2.0.254', dev: 'veth0', weight: 2 }, { via: '10.3.0.254', dev: 'veth1' }] });
    const [mine] = await ours('10.8.0.0/16');
    expect(mine?.nexthops).toEqual([
      expect.objectContaining({ via: '10.2.0.254', dev: veth0, weight: 2 }),
      expect.objectContaining({ via: '10.3.0.254', dev: veth1, weight: 1 }),
    ]);
    const [theirs] = oracle('10.8.0.0/16');
    expect((theirs.nexthops as Json[]).map((h) => [h.gateway, h.dev, h.weight])).toEqual([
      ['10.2.0.254', 'veth0', 2],
      ['10.3.0.254', 'veth1', 1],
    ]);
    await ns.deleteRoute({ dst: '10.8.0.0/16' });
    expect(oracle('10.8.0.0/16')).toEqual([]);
  });

  it('replace changes the route in place; add of an existing one is EEXIST; append adds another', async () => {
    await ns.addRoute({ dst: '10.7.0.0/24', via: '10.2.0.254' });
    await expect(ns.addRoute({ dst: '10.7.0.0/24', via: '10.3.0.254' })).rejects.toMatchObject({ code: 'EEXIST' });
    await ns.replaceRoute({ dst: '10.7.0.0/24', via: '10.3.0.254' });
    expect((await ours('10.7.0.0/24')).map((r) => [r.via, r.dev])).toEqual([['10.3.0.254', veth1]]);
    expect(oracle('10.7.0.0/24').map((r) => [r.gateway, r.dev])).toEqual([['10.3.0.254', 'veth1']]);
    // replace of a route that does not exist creates it.
    await ns.replaceRoute({ dst: '10.7.1.0/24', dev: 'veth0' });
    expect(oracle('10.7.1.0/24').map((r) => r.dev)).toEqual(['veth0']);
    await ns.appendRoute({ dst: '10.7.1.0/24', dev: 'veth0', metric: 5 });
    expect(oracle('10.7.1.0/24').map((r) => r.metric ?? 0).sort()).toEqual([0, 5]);
    await ns.deleteRoute({ dst: '10.7.0.0/24' });
    await ns.deleteRoute({ dst: '10.7.1.0/24', metric: 5 });
    await ns.deleteRoute({ dst: '10.7.1.0/24' });
    expect([...oracle('10.7.0.0/24'), ...oracle('10.7.1.0/24')]).toEqual([]);
    await expect(ns.deleteRoute({ dst: '10.7.1.0/24' })).rejects.toMatchObject({ code: 'ESRCH' });
  });

  it('IPv6: prefix via gateway, default, host route on a device, multipath-free replace, delete', async () => {
    await ns.addRoute({ dst: 'fd00:9::/64', via: 'fd00:2::fe', metric: 10 });
    await ns.addRoute({ dst: 'default', via: 'fd00:2::fe', dev: 'veth0' });
    await ns.addRoute({ dst: 'fd00:7::5', dev: 'veth0' });
    const [mine] = await ours('fd00:9::/64', 6);
    expect(mine).toMatchObject({ family: 6, via: 'fd00:2::fe', dev: veth0, metric: 10, protocol: 'static' });
    expect(oracle('fd00:9::/64', 6)).toEqual([expect.objectContaining({ gateway: 'fd00:2::fe', dev: 'veth0', metric: 10 })]);
    expect((await ns.routes({ family: 6 })).filter((r) => r.dst === 'default').map((r) => r.via)).toEqual(['fd00:2::fe']);
    expect(oracle('default', 6).map((r) => r.gateway)).toEqual(['fd00:2::fe']);
    expect((await ours('fd00:7::5/128', 6)).map((r) => r.dev)).toEqual([veth0]);
    expect(oracle('fd00:7::5', 6).map((r) => r.dev)).toEqual(['veth0']);

    await ns.replaceRoute({ dst: 'fd00:9::/64', via: 'fd00:2::fd', metric: 10 });
    expect(oracle('fd00:9::/64', 6).map((r) => r.gateway)).toEqual(['fd00:2::fd']);
    for (const dst of ['fd00:9::/64', 'fd00:7::5']) await ns.deleteRoute({ dst });
    await ns.deleteRoute({ dst: 'default', family: 6 });
    expect([...oracle('fd00:9::/64', 6), ...oracle('default', 6), ...oracle('fd00:7::5', 6)]).toEqual([]);
  });

  it('routes(filter): family, dev and table filtered as `ip route` filters them', async () => {
    await ns.addRoute({ dst: '10.6.0.0/24', dev: 'veth1' });
    await ns.addRoute({ dst: '10.6.1.0/24', via: '10.2.0.254' });
    const key = (dst: string, family: 4 | 6) => (dst === 'default' || dst.includes('/') ? dst : `${dst}/${family === 4 ? 32 : 128}`);
    const theirs = (args: string[], family: 4 | 6 = 4) => (ipJson(ns, [`-${family}`, 'route', 'show', ...args]) as Json[]).map((r) => key(r.dst, family)).sort();
    const mine = async (filter: Parameters<Namespace['routes']>[0]) => (await ns.routes(filter)).map((r) => r.dst).sort();

    expect(await mine({ family: 4 })).toEqual(theirs([]));
    expect(await mine({ family: 4, dev: 'veth1' })).toEqual(theirs(['dev', 'veth1']));
    expect(await mine({ family: 4, dev: 'veth1' })).toEqual(['10.3.0.0/24', '10.6.0.0/24']);
    expect(await mine({ family: 6, table: 'main' })).toEqual(theirs([], 6));
    expect(await mine({ family: 4, table: 'local' })).toEqual(theirs(['table', 'local']));
    expect((await ns.routes({ family: 6 })).every((r) => r.family === 6)).toBe(true);
    expect((await ns.routes({ dev: veth0 })).every((r) => r.dev === veth0)).toBe(true);
    // No family: both.
    const all = await ns.routes({ table: 'all' });
    expect(new Set(all.map((r) => r.family))).toEqual(new Set([4, 6]));
    await ns.deleteRoute({ dst: '10.6.0.0/24' });
    await ns.deleteRoute({ dst: '10.6.1.0/24' });
  });

  it('the same words in and out: routes read back are deleted and added again as they are, to the same kernel state', async () => {
    const specs: RouteSpec[] = [
      { dst: '10.5.1.0/24', via: '10.2.0.254', dev: 'veth0', metric: 7, src: '10.2.0.1', mtu: 1400, protocol: 'dhcp' },
      { dst: '10.5.2.0/24', via: '10.99.0.1', dev: 'veth1', onlink: true, table: 200 },
      { dst: '10.5.3.0/24', nexthops: [{ via: '10.2.0.254', dev: 'veth0', weight: 3 }, { via: '10.99.0.2', dev: 'veth1', onlink: true }] },
      { dst: '10.5.4.4', dev: 'veth1', scope: 'link' },
      { dst: '10.5.5.0/24', type: 'blackhole' },
      { dst: 'fd00:5::/64', via: 'fd00:2::fe', dev: 'veth0', metric: 20 },
    ];
    for (const spec of specs) await ns.addRoute(spec);
    const ip = () => [...ipJson(ns, ['-4', 'route', 'show', 'table', 'all']), ...ipJson(ns, ['-6', 'route', 'show', 'table', 'all'])] as Json[];
    const wanted = (r: { dst?: string }) => typeof r.dst === 'string' && /^(10\.5\.|fd00:5::)/.test(r.dst);
    const before = ip().filter(wanted);
    const read: Route[] = (await ns.routes({ table: 'all' })).filter(wanted);
    expect(read).toHaveLength(specs.length);
    // A read route is a RouteSpec, for the type checker too.
    const again: RouteSpec[] = read;

    for (const route of again) await ns.deleteRoute(route);
    expect(ip().filter(wanted)).toEqual([]);
    for (const route of again) await ns.addRoute(route);
    expect(ip().filter(wanted)).toEqual(before);
    const reread = (await ns.routes({ table: 'all' })).filter(wanted);
    const plain = (routes: Route[]) => routes.map(({ raw: _raw, ...rest }) => rest);
    expect(plain(reread)).toEqual(plain(read));
    expect(read.find((r) => r.dst === '10.5.2.0/24')).toMatchObject({ via: '10.99.0.1', dev: veth1, onlink: true, table: 200 });
    expect(read.find((r) => r.dst === '10.5.3.0/24')?.nexthops).toMatchObject([{ via: '10.2.0.254', dev: veth0, weight: 3 }, { via: '10.99.0.2', dev: veth1, weight: 1, onlink: true }]);
    for (const route of reread) await ns.deleteRoute(route);
    expect(ip().filter(wanted)).toEqual([]);
  });
});
