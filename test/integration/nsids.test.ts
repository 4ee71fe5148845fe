import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Namespace, NetlinkError, VethPair } from '../../lib/index.js';
import { ipJson, ipLink, type Json } from '../helpers/ip-oracle.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

if (integrationSkipReason !== undefined) console.log(`nsids: ${integrationSkipReason}`);

const P = 'it-nsid-';

describe.skipIf(!canRunIntegration)('netns ids', () => {
  let a: Namespace;
  let b: Namespace;
  let c: Namespace;
  let d: Namespace;

  /** `ip -n A -j netns list-id`: [{ nsid, name? }]. */
  const listId = (ns: Namespace): Json[] => ipJson(ns, ['netns', 'list-id']) as Json[];

  beforeAll(async () => {
    a = await Namespace.create(`${P}a`);
    b = await Namespace.create(`${P}b`);
    c = await Namespace.create(`${P}c`);
    d = await Namespace.create(`${P}d`);
  });

  afterAll(async () => {
    for (const ns of [a, b, c, d]) await ns?.delete();
    expect(Namespace.list().filter((n) => n.startsWith(P))).toEqual([]);
  });

  it('a fresh namespace has no ids for others', async () => {
    expect(await a.nsid(b)).toBeUndefined();
    expect(await a.nsids()).toEqual([]);
    expect(listId(a)).toEqual([]);
  });

  it('setNsid gives an id that nsid(), nsids() and `ip netns list-id` all see', async () => {
    await a.setNsid(b, 7);
    expect(await a.nsid(b)).toBe(7);
    expect(await a.nsids()).toEqual([{ nsid: 7 }]);
    expect(listId(a)).toEqual([expect.objectContaining({ nsid: 7, name: `${P}b` })]);
    // Ids are per namespace: b has none for a.
    expect(await b.nsid(a)).toBeUndefined();
    expect(listId(b)).toEqual([]);
    // `ip netns list` in a shows the id next to the name.
    const listed = (ipJson(a, ['netns', 'list']) as Json[]).find((e) => e.name === `${P}b`);
    expect(listed?.id).toBe(7);
  });

  it('-1 lets the kernel choose', async () => {
    await a.setNsid(c, -1);
    const id = await a.nsid(c);
    expect(id).toBeTypeOf('number');
    expect(id).not.toBe(7);
    expect((await a.nsids()).map((e) => e.nsid).sort((x, y) => x - y)).toEqual([7, id!].sort((x, y) => x - y));
    expect(listId(a).map((e) => e.nsid).sort((x: number, y: number) => x - y)).toEqual([7, id!].sort((x, y) => x - y));
  });

  it('a second id for the same namespace, or a used id, is EEXIST with the kernel saying why', async () => {
    const again = await a.setNsid(b, 8).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(NetlinkError);
    expect((again as NetlinkError).code).toBe('EEXIST');
    expect((again as NetlinkError).operation).toContain(`netns ${P}b`);
    expect((again as NetlinkError).kernelMessage).toMatch(/already/i);
    const used = await a.setNsid(d, 7).catch((e: unknown) => e);
    expect((used as NetlinkError).code).toBe('EEXIST');
    expect((used as NetlinkError).kernelMessage).toMatch(/already used/i);
    expect(await a.nsid(d)).toBeUndefined();
    expect(await a.nsid(b)).toBe(7);
  });

  it('a veth across namespaces: the link-netnsid of each end is the id its namespace has for the other', async () => {
    const pair = await VethPair.create({ name: 'vd0', namespace: d, peer: { name: 'va0', namespace: a } });
    const idOfA = await d.nsid(a);
    expect(idOfA).toBeTypeOf('number');
    expect(pair.link.state.linkNetnsid).toBe(idOfA);
    expect(ipLink(d, 'vd0').link_netnsid).toBe(idOfA);
    const idOfD = await a.nsid(d);
    expect(pair.peer.state.linkNetnsid).toBe(idOfD);
    expect(ipLink(a, 'va0').link_netnsid).toBe(idOfD);
    await pair.delete();
    pair.close();
  });
});
