import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLink, InvalidArgumentError, Link, Namespace, VethPair } from '../../lib/index.js';
import { MACVLAN_MODE_BRIDGE, MACVLAN_MODE_PRIVATE, type MacvlanData } from '../../messages/link/index.js';
import { ipLink } from '../helpers/ip-oracle.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

if (integrationSkipReason !== undefined) console.log(`macvlan: ${integrationSkipReason}`);

const P = 'it-macvlan-';

function dataOf(link: Link): MacvlanData | undefined {
  const info = link.raw.attrs.linkinfo as { kind?: string; data?: MacvlanData } | undefined;
  expect(info?.kind).toBe('macvlan');
  return info?.data;
}

// A kind added as one file (messages/link/kinds/macvlan.ts) plus its line in the registry: created
// through the generic createLink, read back through the same decoder as every other kind.
describe.skipIf(!canRunIntegration)('macvlan (a link kind from the registry)', () => {
  let ns: Namespace;
  let parent: Link;

  beforeAll(async () => {
    ns = await Namespace.create(`${P}a`);
    ({ link: parent } = await VethPair.create({ name: 'veth0', namespace: ns, peer: { name: 'veth1' } }));
  });

  afterAll(async () => {
    await ns?.delete();
    expect(Namespace.list().filter((n) => n.startsWith(P))).toEqual([]);
  });

  it('createLink(ns, "macvlan", ...) on a parent named by name: our decode and `ip -d` agree', async () => {
    const m0 = await createLink({ kind: 'macvlan', name: 'm0', namespace: ns, link: 'veth0', mode: 'bridge', mac: '02:00:00:00:00:0a', up: true });
    expect(m0).toBeInstanceOf(Link);
    expect(m0.kind).toBe('macvlan');
    expect(m0.mac).toBe('02:00:00:00:00:0a');
    expect(m0.state.parent).toBe(parent.index);
    expect(dataOf(m0)?.mode).toBe(MACVLAN_MODE_BRIDGE);

    const theirs = ipLink(ns, 'm0');
    expect(theirs.ifindex).toBe(m0.index);
    expect(theirs.link).toBe('veth0');
    expect(theirs.address).toBe('02:00:00:00:00:0a');
    expect(theirs.linkinfo.info_kind).toBe('macvlan');
    expect(theirs.linkinfo.info_data.mode).toBe('bridge');
    expect(theirs.flags).toContain('UP');

    // Listed and looked up like any link; filtered by kind in the kernel.
    expect((await ns.links({ kind: 'macvlan' })).map((l) => l.name)).toEqual(['m0']);
    expect((await ns.link('m0')).index).toBe(m0.index);
  });

  it('a parent by index, private mode and a broadcast queue length', async () => {
    const m1 = await createLink({ kind: 'macvlan', name: 'm1', namespace: ns, link: parent.index, mode: 'private', bcQueueLen: 100 });
    const data = dataOf(m1);
    expect(data?.mode).toBe(MACVLAN_MODE_PRIVATE);
    expect(data?.bcQueueLen).toBe(100);
    const theirs = ipLink(ns, 'm1');
    expect(theirs.linkinfo.info_data.mode).toBe('private');
    expect(theirs.linkinfo.info_data.bcqueuelen).toBe(100);
    await m1.delete();
    expect(ipLink(ns, 'm1')).toBeUndefined();
  });

  it('refuses bad options before anything is sent, and reports the kernel refusing a missing parent', async () => {
    await expect(createLink({ kind: 'macvlan', name: 'm2', namespace: ns, link: 'veth0', mode: 'nosuch' as never })).rejects.toThrow(InvalidArgumentError);
    await expect(createLink({ kind: 'macvlan', name: 'm2', namespace: ns, link: 'veth0', mode: 'bridge', nopromisc: true })).rejects.toThrow(/nopromisc/);
    await expect(createLink({ kind: 'macvlan', name: 'm2', namespace: ns, link: 'a/b' })).rejects.toMatchObject({ name: 'InvalidArgumentError', field: 'link' });
    await expect(createLink({ kind: 'macvlan', name: 'm2', namespace: ns } as never)).rejects.toMatchObject({ field: 'link' });
    await expect(createLink({ kind: 'nosuchkind' as never, name: 'm2', namespace: ns } as never)).rejects.toMatchObject({ field: 'kind' });
    // A parent named that is not there is refused before the RTM_NEWLINK, as every device option is.
    const missing = await createLink({ kind: 'macvlan', name: 'm2', namespace: ns, link: 'nosuchdev' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(InvalidArgumentError);
    expect(missing).toMatchObject({ field: 'link', value: 'nosuchdev', cause: { code: 'ENODEV' } });
    expect(ipLink(ns, 'm2')).toBeUndefined();
  });
});
