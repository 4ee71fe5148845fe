import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLink, InvalidArgumentError, Namespace, VethPair, type Link } from '../../lib/index.js';
import { tcJson } from '../helpers/ip-oracle.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

if (integrationSkipReason !== undefined) console.log(`tc-words: ${integrationSkipReason}`);

const P = 'it-tcw-';

// ns.tc says `dev` as every other call does (a Link, a name or an index), and what it reads back
// names devices as `dev` too, so a read filter's actions can be given back to addFilter.
describe.skipIf(!canRunIntegration)('tc: the same words as every other call', () => {
  let ns: Namespace;
  let va: Link;
  let ifb: Link;

  beforeAll(async () => {
    ns = await Namespace.create(`${P}a`);
    ({ link: va } = await VethPair.create({ name: 'va', namespace: ns, up: true, peer: { name: 'vb', up: true } }));
    ifb = await createLink({ kind: 'ifb', name: 'ifbw0', namespace: ns, up: true });
  });

  afterAll(async () => {
    await ns?.delete();
    expect(Namespace.list().filter((n) => n.startsWith(P))).toEqual([]);
  });

  it('dev as a Link, a name or an index; qdiscs and filters read back with dev, and a read action goes back in', async () => {
    await ns.tc.addQdisc(va, { kind: 'ingress' });
    await ns.tc.addFilter('va', { kind: 'u32', priority: 1, actions: [{ kind: 'mirred', dev: ifb }] });
    expect((await ns.tc.qdiscs({ dev: va.index })).map((q) => [q.dev, q.kind])).toEqual([[va.index, 'noqueue'], [va.index, 'ingress']]);
    const read = (await ns.tc.filters(va)).filter((f) => f.actions !== undefined);
    expect(read.map((f) => [f.dev, f.priority, f.actions])).toEqual([[va.index, 1, [{ kind: 'mirred', dev: ifb.index, mode: 'redirect', direction: 'egress' }]]]);

    await ns.tc.addFilter(va.index, { kind: 'u32', priority: 2, actions: read[0]!.actions! });
    const theirs = tcJson(ns, ['filter', 'show', 'dev', 'va', 'parent', 'ffff:']).filter((f) => f.options?.actions);
    expect(theirs.map((f) => [f.pref, f.options.actions[0].to_dev])).toEqual([[1, 'ifbw0'], [2, 'ifbw0']]);

    await ns.tc.deleteFilters('va');
    await ns.tc.deleteQdisc(va, 'ingress');
    expect((await ns.tc.qdiscs({ dev: 'va' })).map((q) => q.kind)).not.toContain('ingress');
  });

  it('a device name that is not in the namespace is refused before anything is sent, naming the option', async () => {
    const missing = await ns.tc.addQdisc('nosuch0', { kind: 'ingress' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(InvalidArgumentError);
    expect(missing).toMatchObject({ field: 'dev', value: 'nosuch0', cause: { code: 'ENODEV' } });
    await ns.tc.addQdisc(va, { kind: 'ingress' });
    const target = await ns.tc.addFilter(va, { kind: 'u32', actions: [{ kind: 'mirred', dev: 'nosuch1' }] }).catch((e: unknown) => e);
    expect(target).toMatchObject({ name: 'InvalidArgumentError', field: 'actions[0].dev', value: 'nosuch1' });
    expect(tcJson(ns, ['filter', 'show', 'dev', 'va', 'parent', 'ffff:'])).toEqual([]);
    await ns.tc.deleteQdisc(va, 'ingress');
  });
});
