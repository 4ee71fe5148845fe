import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bridge, createLink, InvalidArgumentError, Namespace, VethPair, Vxlan } from '../../lib/index.js';
import { IFF_LOWER_UP } from '../../messages/index.js';
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

  it('a veth made up with a master, its peer up in another namespace, is returned as read once the peer is up: enslaved, with its carrier', async () => {
    const other = await Namespace.create(`${P}c`);
    try {
      const br = await Bridge.create({ name: 'cbr0', namespace: ns, up: true });
      const pair = await VethPair.create({ name: 'cv0', namespace: ns, up: true, master: br, peer: { name: 'cv0p', namespace: other, up: true } });
      expect([pair.link.master, pair.link.isUp, (pair.link.flags & IFF_LOWER_UP) !== 0]).toEqual([br.index, true, true]);
      expect([pair.peer.isUp, (pair.peer.flags & IFF_LOWER_UP) !== 0]).toEqual([true, true]);
      expect(ipLink(ns, 'cv0').master).toBe('cbr0');
    } finally {
      await other.delete();
    }
  });

  it('master takes a Link, a name in the new link\'s namespace, or an index, for every kind and for a veth\'s peer', async () => {
    const other = await Namespace.create(`${P}b`);
    try {
      const br = await Bridge.create({ name: 'mbr0', namespace: ns, up: true });
      const far = await Bridge.create({ name: 'mbr-far', namespace: other });
      const byLink = await VethPair.create({ name: 'mv0', namespace: ns, master: br, peer: { name: 'mv0p', namespace: other, master: 'mbr-far' } });
      const byName = await VethPair.create({ name: 'mv1', namespace: ns, master: 'mbr0', peer: { name: 'mv1p', namespace: other, master: far } });
      // A macvlan's parent must not be a bridge port itself (EBUSY): a veth of its own.
      const parent = await VethPair.create({ name: 'mp0', namespace: ns, peer: { name: 'mp1' } });
      const mac = await createLink({ kind: 'macvlan', name: 'mmv0', namespace: ns, link: parent.link, mode: 'bridge', master: br.index });
      const vx = await Vxlan.create({ name: 'mvx0', namespace: ns, vni: 9, dev: byName.link, master: 'mbr0' });
      for (const port of [byLink.link, byName.link, mac, vx]) {
        expect([port.name, port.master]).toEqual([port.name, br.index]);
        expect(ipLink(ns, port.name).master).toBe('mbr0');
      }
      for (const port of [byLink.peer, byName.peer]) expect(ipLink(other, port.name).master).toBe('mbr-far');
      expect(ipLink(ns, 'mmv0').link).toBe('mp0');
      expect(ipLink(ns, 'mvx0').linkinfo.info_data.link).toBe('mv1');
      expect((await br.ports()).map((p) => p.name).sort()).toEqual(['mmv0', 'mv0', 'mv1', 'mvx0']);
    } finally {
      await other.delete();
    }
  });

  it('a master name that is not there, or a Link of another namespace, is refused before anything is created', async () => {
    const other = await Namespace.create(`${P}c`);
    try {
      const far = await Bridge.create({ name: 'rbr-far', namespace: other });
      const missing = await VethPair.create({ name: 'rv0', namespace: ns, master: 'no-such-br', peer: { name: 'rv1' } }).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(InvalidArgumentError);
      expect(missing).toMatchObject({ field: 'master', value: 'no-such-br', cause: { code: 'ENODEV' } });
      expect((missing as Error).message).toMatch(/is not a device in netns it-shapes-a: give the name of a device there, a Link or an index/);
      const peerMissing = await VethPair.create({ name: 'rv0', namespace: ns, peer: { name: 'rv1', namespace: other, master: 'mbr0' } }).catch((e: unknown) => e);
      expect(peerMissing).toMatchObject({ name: 'InvalidArgumentError', field: 'peer.master', value: 'mbr0' });
      const elsewhere = await Bridge.create({ name: 'rbr0', namespace: ns, master: far }).catch((e: unknown) => e);
      expect(elsewhere).toMatchObject({ name: 'InvalidArgumentError', field: 'master', value: 'rbr-far' });
      expect((elsewhere as Error).message).toMatch(/is a link in netns it-shapes-c, not in netns it-shapes-a/);
      const vxMissing = await Vxlan.create({ name: 'rvx0', namespace: ns, vni: 10, dev: 'no-such-dev' }).catch((e: unknown) => e);
      expect(vxMissing).toMatchObject({ name: 'InvalidArgumentError', field: 'dev', value: 'no-such-dev' });
      for (const name of ['rv0', 'rv1', 'rbr0', 'rvx0']) expect(ipLink(ns, name)).toBeUndefined();
      expect(ipLink(other, 'rv1')).toBeUndefined();
    } finally {
      await other.delete();
    }
  });
});
