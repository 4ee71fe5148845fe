import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bridge, createLink, Namespace, VethPair, Vxlan } from '../../lib/index.js';
import { ipLink } from '../helpers/ip-oracle.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

if (integrationSkipReason !== undefined) console.log(`create-shapes: ${integrationSkipReason}`);

const P = 'it-shapes-';

// Every link kind is created by the same call shape: one options object that starts with `name`
// and `namespace` (the current namespace when left out).
describe.skipIf(!canRunIntegration)('one creation shape for every kind', () => {
  let ns: Namespace;

  beforeAll(async () => {
    ns = await Namespace.create(`${P}a`);
  });

  afterAll(async () => {
    await ns?.delete();
    expect(Namespace.list().filter((n) => n.startsWith(P))).toEqual([]);
  });

  it('VethPair, Bridge, Vxlan and createLink take { name, namespace, ...options } and create in that namespace', async () => {
    const { link } = await VethPair.create({ name: 'sv0', namespace: ns, peer: { name: 'sv1' } });
    const br = await Bridge.create({ name: 'sbr0', namespace: ns, mtu: 1400 });
    const vx = await Vxlan.create({ name: 'svx0', namespace: ns, vni: 7, dev: link.name, learning: false });
    const m = await createLink({ kind: 'macvlan', name: 'smv0', namespace: ns, link: link.index, mode: 'bridge' });
    const generic = await createLink({ kind: 'bridge', name: 'sbr1', namespace: ns });
    expect(br).toBeInstanceOf(Bridge);
    expect(vx).toBeInstanceOf(Vxlan);
    expect(generic).toBeInstanceOf(Bridge);
    for (const made of [link, br, vx, m, generic]) {
      expect(made.namespace).toBe(ns);
      expect(ipLink(ns, made.name)?.ifindex).toBe(made.index);
    }
    expect(ipLink(ns, 'sbr0').mtu).toBe(1400);
    expect(ipLink(ns, 'svx0').linkinfo.info_data.id).toBe(7);
  });

  it('without namespace, each kind is created in the current namespace', async () => {
    const here = Namespace.current();
    try {
      const br = await Bridge.create({ name: 'shp-here0' });
      const vx = await Vxlan.create({ name: 'shp-here1', vni: 8 });
      const m = await createLink({ kind: 'bridge', name: 'shp-here2' });
      for (const made of [br, vx, m]) {
        expect(made.namespace.inode).toBe(here.inode);
        expect((await here.link(made.name)).index).toBe(made.index);
        await made.delete();
      }
      expect(await here.findLink('shp-here0')).toBeUndefined();
    } finally {
      here.close();
    }
  });
});
