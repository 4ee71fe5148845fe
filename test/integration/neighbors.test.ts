import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bridge, Namespace, VethPair, Vxlan, type FdbEntry, type FdbSpec, type IpNeighbor, type Neighbor, type NeighborSpec } from '../../lib/index.js';
import { bridgeJson, ipJson, ipLink, type Json } from '../helpers/ip-oracle.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

if (integrationSkipReason !== undefined) console.log(`neighbors: ${integrationSkipReason}`);

const P = 'it-neigh-';

describe.skipIf(!canRunIntegration)('neighbours and FDB', () => {
  let ns: Namespace;
  let far: Namespace;

  const oracleNeigh = (family: 4 | 6, dst: string): Json[] =>
    (ipJson(ns, [`-${family}`, 'neigh', 'show', 'dev', 'veth0']) as Json[]).filter((n) => n.dst === dst);
  const ourNeigh = async (family: 4 | 6, dst: string): Promise<Neighbor[]> =>
    (await ns.neighbors({ family, dev: 'veth0' })).filter((n) => n.dst === dst);

  beforeAll(async () => {
    ns = await Namespace.create(`${P}a`);
    far = await Namespace.create(`${P}far`);
    const pair = await VethPair.create({ name: 'veth0', namespace: ns, up: true, peer: { name: 'far0', namespace: far, up: true } });
    await pair.link.addAddress('10.4.0.1/24');
    await pair.link.addAddress('fd00:4::1/64', { noDad: true });
  });

  afterAll(async () => {
    for (const n of [ns, far]) await n?.delete();
    expect(Namespace.list().filter((n) => n.startsWith(P))).toEqual([]);
  });

  it('ARP: add (permanent by default), replace, delete', async () => {
    await ns.addNeighbor({ dst: '10.4.0.9', lladdr: '02:00:00:00:04:09', dev: 'veth0' });
    const [mine] = await ourNeigh(4, '10.4.0.9');
    expect(mine).toMatchObject({ family: 4, lladdr: '02:00:00:00:04:09', stateNames: ['permanent'] });
    expect(oracleNeigh(4, '10.4.0.9')).toEqual([{ dst: '10.4.0.9', lladdr: '02:00:00:00:04:09', state: ['PERMANENT'] }]);
    await expect(ns.addNeighbor({ dst: '10.4.0.9', lladdr: '02:00:00:00:04:10', dev: 'veth0' })).rejects.toMatchObject({ code: 'EEXIST' });

    await ns.replaceNeighbor({ dst: '10.4.0.9', lladdr: '02:00:00:00:04:0a', dev: 'veth0', state: 'stale' });
    expect((await ourNeigh(4, '10.4.0.9'))[0]).toMatchObject({ lladdr: '02:00:00:00:04:0a', stateNames: ['stale'] });
    expect(oracleNeigh(4, '10.4.0.9')).toEqual([expect.objectContaining({ lladdr: '02:00:00:00:04:0a', state: ['STALE'] })]);

    await ns.deleteNeighbor({ dst: '10.4.0.9', dev: 'veth0' });
    expect(await ourNeigh(4, '10.4.0.9')).toEqual([]);
    expect(oracleNeigh(4, '10.4.0.9')).toEqual([]);
  });

  it('NDP: add, replace, delete', async () => {
    await ns.addNeighbor({ dst: 'fd00:4::9', lladdr: '02:00:00:00:06:09', dev: 'veth0', router: true });
    const [mine] = await ourNeigh(6, 'fd00:4::9');
    expect(mine).toMatchObject({ family: 6, lladdr: '02:00:00:00:06:09', stateNames: ['permanent'] });
    expect(oracleNeigh(6, 'fd00:4::9')).toEqual([{ dst: 'fd00:4::9', lladdr: '02:00:00:00:06:09', router: null, state: ['PERMANENT'] }]);

    await ns.replaceNeighbor({ dst: 'fd00:4::9', lladdr: '02:00:00:00:06:0a', dev: 'veth0' });
    expect((await ourNeigh(6, 'fd00:4::9')).map((n) => n.lladdr)).toEqual(['02:00:00:00:06:0a']);
    expect(oracleNeigh(6, 'fd00:4::9').map((n) => n.lladdr)).toEqual(['02:00:00:00:06:0a']);

    await ns.deleteNeighbor({ dst: 'fd00:4::9', dev: 'veth0' });
    expect(await ourNeigh(6, 'fd00:4::9')).toEqual([]);
    expect(oracleNeigh(6, 'fd00:4::9')).toEqual([]);
  });

  it('neighbors(filter): family and dev', async () => {
    await ns.addNeighbor({ dst: '10.4.0.20', lladdr: '02:00:00:00:04:20', dev: 'veth0' });
    await ns.addNeighbor({ dst: 'fd00:4::20', lladdr: '02:00:00:00:06:20', dev: 'veth0' });
    const v4 = await ns.neighbors({ family: 4 });
    expect(v4.every((n) => n.family === 4)).toBe(true);
    expect(v4.map((n) => n.dst)).toContain('10.4.0.20');
    expect(v4.map((n) => n.dst)).not.toContain('fd00:4::20');
    const v6 = (await ns.neighbors({ family: 6, dev: 'veth0' })).filter((n) => n.stateNames.includes('permanent')).map((n) => n.dst);
    expect(v6).toEqual(['fd00:4::20']);
    const both = (await ns.neighbors({ dev: 'veth0' })).filter((n) => n.stateNames.includes('permanent')).map((n) => n.dst).sort();
    expect(both).toEqual(['10.4.0.20', 'fd00:4::20']);
    const theirs = (ipJson(ns, ['neigh', 'show', 'dev', 'veth0', 'nud', 'permanent']) as Json[]).map((n) => n.dst).sort();
    expect(both).toEqual(theirs);
    await ns.deleteNeighbor({ dst: '10.4.0.20', dev: 'veth0' });
    await ns.deleteNeighbor({ dst: 'fd00:4::20', dev: 'veth0' });
  });

  it('vxlan: Vxlan.create, then FDB append of two remotes for the all-zero MAC, delete one', async () => {
    const vx = await Vxlan.create({ name: 'vx0', namespace: ns, vni: 42, local: '10.4.0.1', dev: 'veth0', port: 4789, learning: false });
    expect(vx).toBeInstanceOf(Vxlan);
    const data = ipLink(ns, 'vx0').linkinfo.info_data as Json;
    expect(data).toMatchObject({ id: 42, local: '10.4.0.1', link: 'veth0', port: 4789, learning: false });
    await vx.up();

    const zero = '00:00:00:00:00:00';
    await ns.appendFdb({ lladdr: zero, dev: 'vx0', dst: '10.4.0.20' });
    await ns.appendFdb({ lladdr: zero, dev: 'vx0', dst: '10.4.0.21' });
    const mine = (await ns.fdb({ dev: 'vx0' })).filter((e) => e.lladdr === zero);
    expect(mine.map((e) => e.dst).sort()).toEqual(['10.4.0.20', '10.4.0.21']);
    expect(mine.every((e) => e.family === 'bridge' && e.stateNames.includes('permanent'))).toBe(true);
    const theirs = (bridgeJson(ns, ['fdb', 'show', 'dev', 'vx0']) as Json[]).filter((e) => e.mac === zero);
    expect(theirs.map((e) => e.dst).sort()).toEqual(['10.4.0.20', '10.4.0.21']);
    expect(theirs.every((e) => (e.flags as string[]).includes('self') && e.state === 'permanent')).toBe(true);

    // A unicast entry with its own VNI and port.
    await ns.addFdb({ lladdr: '02:00:00:00:42:01', dev: 'vx0', dst: '10.4.0.30', vni: 4242, port: 8472 });
    const [uni] = (bridgeJson(ns, ['fdb', 'show', 'dev', 'vx0']) as Json[]).filter((e) => e.mac === '02:00:00:00:42:01');
    expect(uni).toMatchObject({ dst: '10.4.0.30', vni: 4242, port: 8472 });
    expect((await ns.fdb({ dev: 'vx0' })).find((e) => e.lladdr === '02:00:00:00:42:01')).toMatchObject({ dst: '10.4.0.30', vni: 4242, port: 8472 });

    await ns.deleteFdb({ lladdr: zero, dev: 'vx0', dst: '10.4.0.20' });
    expect((await ns.fdb({ dev: 'vx0' })).filter((e) => e.lladdr === zero).map((e) => e.dst)).toEqual(['10.4.0.21']);
    expect((bridgeJson(ns, ['fdb', 'show', 'dev', 'vx0']) as Json[]).filter((e) => e.mac === zero).map((e) => e.dst)).toEqual(['10.4.0.21']);
    await vx.delete();
    expect(ipLink(ns, 'vx0')).toBeUndefined();
  });

  it("a bridge port's FDB entry in the master's table (bridge fdb add ... master static)", async () => {
    const br = await Bridge.create({ name: 'br0', namespace: ns });
    const pair = await VethPair.create({ name: 'port0', namespace: ns, peer: { name: 'port1' } });
    await pair.link.setMaster(br);
    const mac = '02:00:00:00:99:01';
    await ns.addFdb({ lladdr: mac, dev: 'port0', master: true, state: 'noarp' });
    const mine = (await ns.fdb({ dev: 'port0' })).filter((e) => e.lladdr === mac);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.stateNames).toEqual(['noarp']);
    expect((await ns.fdb({ master: 'br0' })).some((e) => e.lladdr === mac)).toBe(true);
    const theirs = (bridgeJson(ns, ['fdb', 'show', 'dev', 'port0']) as Json[]).filter((e) => e.mac === mac);
    expect(theirs).toEqual([expect.objectContaining({ master: 'br0', state: 'static' })]);
    await ns.deleteFdb({ lladdr: mac, dev: 'port0', master: true });
    expect((bridgeJson(ns, ['fdb', 'show', 'dev', 'port0']) as Json[]).filter((e) => e.mac === mac)).toEqual([]);
    await pair.delete();
    await br.delete();
  });

  it('the same words in and out: neighbours and FDB entries read back are deleted and added again as they are, to the same kernel state', async () => {
    const vx = await Vxlan.create({ name: 'vx1', namespace: ns, vni: 43, local: '10.4.0.1', dev: 'veth0', port: 4789, learning: false });
    const br = await Bridge.create({ name: 'br1', namespace: ns });
    const pair = await VethPair.create({ name: 'port2', namespace: ns, peer: { name: 'port3' } });
    await pair.link.setMaster(br);
    await ns.addNeighbor({ dst: '10.4.0.40', lladdr: '02:00:00:00:04:40', dev: 'veth0' });
    await ns.addNeighbor({ dst: 'fd00:4::40', lladdr: '02:00:00:00:06:40', dev: 'veth0', router: true, state: 'noarp' });
    await ns.appendFdb({ lladdr: '00:00:00:00:00:00', dev: 'vx1', dst: '10.4.0.41' });
    await ns.appendFdb({ lladdr: '00:00:00:00:00:00', dev: 'vx1', dst: '10.4.0.42' });
    await ns.addFdb({ lladdr: '02:00:00:00:43:01', dev: 'vx1', dst: '10.4.0.43', vni: 4343, port: 8472 });
    await ns.addFdb({ lladdr: '02:00:00:00:99:02', dev: 'port2', master: true, state: 'noarp' });

    const sorted = (list: Json[]) => list.map((e) => JSON.stringify(e)).sort();
    const oursIp = (n: Json | Neighbor) => /^(10\.4\.0\.40|fd00:4::40)$/.test(String(n.dst));
    const oursFdb = (n: Json | Neighbor) => /^(00:00:00:00:00:00|02:00:00:00:43:01|02:00:00:00:99:02)$/.test(String((n as Json).mac ?? (n as Neighbor).lladdr));
    const oracle = () => [
      ...sorted((ipJson(ns, ['neigh', 'show', 'dev', 'veth0', 'nud', 'all']) as Json[]).filter(oursIp)),
      ...sorted([...(bridgeJson(ns, ['fdb', 'show', 'dev', 'vx1']) as Json[]), ...(bridgeJson(ns, ['fdb', 'show', 'dev', 'port2']) as Json[])].filter(oursFdb)),
    ];
    const before = oracle();
    expect(before).toHaveLength(6);
    const neighbors = (await ns.neighbors({ dev: 'veth0' })).filter((n): n is IpNeighbor => n.family !== 'bridge' && oursIp(n));
    const fdb: FdbEntry[] = [...(await ns.fdb({ dev: 'vx1' })), ...(await ns.fdb({ dev: 'port2' }))].filter(oursFdb);
    expect(neighbors.find((n) => n.dst === 'fd00:4::40')).toMatchObject({ dev: (await ns.link('veth0')).index, router: true, stateNames: ['noarp'] });
    expect(fdb.find((e) => e.lladdr === '02:00:00:00:43:01')).toMatchObject({ dst: '10.4.0.43', vni: 4343, port: 8472, self: true });
    expect(fdb.find((e) => e.lladdr === '02:00:00:00:99:02')).toMatchObject({ master: br.index });
    // What was read is a NeighborSpec or an FdbSpec, for the type checker too.
    const specs: NeighborSpec[] = neighbors;
    const entries: FdbSpec[] = fdb;

    for (const n of specs) await ns.deleteNeighbor(n);
    for (const e of entries) await ns.deleteFdb(e);
    expect(oracle()).toEqual([]);
    for (const n of specs) await ns.addNeighbor(n);
    for (const e of entries) await ns.appendFdb(e);
    expect(oracle()).toEqual(before);
    await pair.delete();
    await br.delete();
    await vx.delete();
    for (const n of specs) await ns.deleteNeighbor(n);
  });
});
