import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, Namespace, VethPair } from '../../lib/index.js';
import { ipJson, type Json } from '../helpers/ip-oracle.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

if (integrationSkipReason !== undefined) console.log(`nexthops: ${integrationSkipReason}`);

const P = 'it-nh-';

describe.skipIf(!canRunIntegration)('nexthop objects', () => {
  let ns: Namespace;

  beforeAll(async () => {
    ns = await Namespace.create(`${P}a`);
    await (await ns.link('lo')).up();
    await VethPair.create({ name: 'v0', namespace: ns, up: true, peer: { name: 'v1', namespace: ns, up: true } });
    await ns.addAddress('v0', '10.0.0.1/24');
  });

  afterAll(async () => {
    await ns?.delete();
  });

  it('adds gateway, group and blackhole nexthops that ip nexthop shows, and reads them back as given', async () => {
    await ns.addNexthop({ id: 10, via: '10.0.0.254', dev: 'v0' });
    await ns.addNexthop({ id: 11, via: '10.0.0.253', dev: 'v0' });
    await ns.addNexthop({ id: 20, group: [{ id: 10 }, { id: 11, weight: 2 }] });
    await ns.addNexthop({ id: 30, blackhole: true });
    const shown = ipJson(ns, ['nexthop', 'show']) as Json[];
    expect(shown.map((n) => n.id)).toEqual([10, 11, 20, 30]);
    expect(shown.find((n) => n.id === 20)?.group).toEqual([{ id: 10 }, { id: 11, weight: 2 }]);
    const ours = await ns.nexthops();
    const v0 = (await ns.link('v0')).index;
    expect(ours.map(({ raw: _raw, scope: _scope, ...n }) => n)).toEqual([
      { id: 10, family: 4, via: '10.0.0.254', dev: v0, protocol: 'boot' },
      { id: 11, family: 4, via: '10.0.0.253', dev: v0, protocol: 'boot' },
      { id: 20, group: [{ id: 10, weight: 1 }, { id: 11, weight: 2 }], protocol: 'boot' },
      { id: 30, family: 4, blackhole: true, protocol: 'boot' },
    ]);
  });

  it('routes through a nexthop group with nhid, read back with nhid alone (the group says where to go)', async () => {
    await ns.addRoute({ dst: '10.6.0.0/24', nhid: 20 });
    const shown = (ipJson(ns, ['route', 'show', '10.6.0.0/24']) as Json[])[0]!;
    expect(shown.nhid).toBe(20);
    const route = (await ns.routes()).find((r) => r.dst === '10.6.0.0/24')!;
    expect(route.nhid).toBe(20);
    expect([route.via, route.dev, route.nexthops]).toEqual([undefined, undefined, undefined]);
    // The kernel reports the members too (nexthop_compat_mode); they stay in `raw`.
    expect(route.raw.attrs.multipath?.map((h) => [h.attrs.gateway, h.hops + 1])).toEqual([['10.0.0.254', 1], ['10.0.0.253', 2]]);
    // What was read is what a request takes: deleted and added back from the read object.
    await ns.deleteRoute(route);
    expect((await ns.routes()).some((r) => r.dst === '10.6.0.0/24')).toBe(false);
    await ns.addRoute(route);
    expect((ipJson(ns, ['route', 'show', '10.6.0.0/24']) as Json[])[0]).toMatchObject({ nhid: 20 });
  });

  it('deleting a nexthop takes the routes through it away', async () => {
    await ns.deleteNexthop(20);
    expect((await ns.nexthops()).map((n) => n.id)).toEqual([10, 11, 30]);
    expect((await ns.routes()).some((r) => r.dst === '10.6.0.0/24')).toBe(false);
    const blackhole = (await ns.nexthops()).find((n) => n.id === 30)!;
    await ns.deleteNexthop(blackhole);
    expect((ipJson(ns, ['nexthop', 'show']) as Json[]).map((n) => n.id)).toEqual([10, 11]);
  });

  it('refuses an impossible nexthop before sending it, and surfaces the kernel error for a missing one', async () => {
    await expect(ns.addNexthop({ id: 40, via: '10.0.0.9', group: [{ id: 10 }] })).rejects.toThrow(InvalidArgumentError);
    await expect(ns.addNexthop({ id: 0, blackhole: true })).rejects.toThrow(/id: 0 is not a whole number from 1/);
    await expect(ns.addRoute({ dst: '10.7.0.0/24', nhid: 10, via: '10.0.0.254' })).rejects.toThrow(InvalidArgumentError);
    await expect(ns.deleteNexthop(99)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
