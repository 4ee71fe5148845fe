import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bridge, Namespace, NetlinkError, VethPair } from '../../lib/index.js';
import { ipLink, ipLinkNames } from '../helpers/ip-oracle.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

if (integrationSkipReason !== undefined) console.log(`links-group: ${integrationSkipReason}`);

const P = 'it-lgroup-';

describe.skipIf(!canRunIntegration)('device groups and the group delete', () => {
  let a: Namespace;
  let b: Namespace;

  beforeAll(async () => {
    a = await Namespace.create(`${P}a`);
    b = await Namespace.create(`${P}b`);
  });

  afterAll(async () => {
    for (const ns of [a, b]) await ns?.delete();
  });

  it('puts links in a device group at creation (IFLA_GROUP), as `ip link` shows', async () => {
    const pair = await VethPair.create({ name: 'ga0', namespace: a, deviceGroup: 7, peer: { name: 'gb0', deviceGroup: 8 } });
    const br = await Bridge.create({ name: 'gbr0', namespace: a, deviceGroup: 9 });
    expect(ipLink(a, 'ga0')?.group).toBe('7');
    expect(ipLink(a, 'gb0')?.group).toBe('8');
    expect(ipLink(a, 'gbr0')?.group).toBe('9');
    expect(pair.link.raw.attrs.group).toBe(7);
    expect(pair.peer.raw.attrs.group).toBe(8);
    expect(br.raw.attrs.group).toBe(9);
    await pair.delete();
    await br.delete();
  });

  it('deletes a whole group with one request, peers included, and leaves other groups alone', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => VethPair.create({ name: `gx${i}`, namespace: a, deviceGroup: 42, peer: { name: `gy${i}` } })),
    );
    const keep = await VethPair.create({ name: 'gkeep', namespace: a, deviceGroup: 43, peer: { name: 'gkeepp' } });
    const plain = await VethPair.create({ name: 'gplain', namespace: a, peer: { name: 'gplainp' } });
    expect(ipLinkNames(a).filter((n) => /^g[xy]\d+$/.test(n))).toHaveLength(40);

    await a.deleteLinkGroup(42);

    const left = ipLinkNames(a);
    expect(left.filter((n) => /^g[xy]\d+$/.test(n))).toEqual([]);
    expect(left).toEqual(expect.arrayContaining(['lo', 'gkeep', 'gkeepp', 'gplain', 'gplainp']));
    await keep.delete();
    await plain.delete();
  });

  it('deletes veth peers that live in another namespace with their group', async () => {
    await VethPair.create({ name: 'gc0', namespace: a, deviceGroup: 50, peer: { name: 'eth0', namespace: b, up: true } });
    expect(ipLink(b, 'eth0')).toBeDefined();
    await a.deleteLinkGroup(50);
    expect(ipLink(a, 'gc0')).toBeUndefined();
    expect(ipLink(b, 'eth0')).toBeUndefined();
  });

  it('rejects an empty group with ENODEV, and refuses group 0 (every link starts there) before sending', async () => {
    const empty = await a.deleteLinkGroup(4242).catch((e: unknown) => e);
    expect(empty).toBeInstanceOf(NetlinkError);
    expect((empty as NetlinkError).code).toBe('ENODEV');
    expect((empty as NetlinkError).message).toContain('RTM_DELLINK group 4242');
    await expect(a.deleteLinkGroup(0)).rejects.toThrow(/group/);
    await expect(VethPair.create({ name: 'gbad', namespace: a, deviceGroup: -1, peer: { name: 'gbadp' } })).rejects.toThrow(/deviceGroup/);
    expect(ipLink(a, 'lo')).toBeDefined();
  });
});
