import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Namespace, VethPair, type Address, type AddressSpec, type Link } from '../../lib/index.js';
import { ipAddrs, ipJson, type Json } from '../helpers/ip-oracle.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

if (integrationSkipReason !== undefined) console.log(`addresses: ${integrationSkipReason}`);

const P = 'it-addrs-';

/** The oracle's addr_info entry for `local` on `dev`. */
function theirs(ns: Namespace, dev: string, local: string): Json | undefined {
  const [entry] = ipJson(ns, ['addr', 'show', 'dev', dev]) as Json[];
  return (entry?.addr_info as Json[] | undefined)?.find((a) => a.local === local);
}

describe.skipIf(!canRunIntegration)('addresses', () => {
  let ns: Namespace;
  let peerNs: Namespace;
  let veth: Link;

  beforeAll(async () => {
    ns = await Namespace.create(`${P}a`);
    peerNs = await Namespace.create(`${P}b`);
    const pair = await VethPair.create({ name: 'veth0', namespace: ns, up: true, peer: { name: 'veth1', namespace: peerNs, up: true } });
    veth = pair.link;
    pair.close();
  });

  afterAll(async () => {
    for (const n of [ns, peerNs]) await n?.delete();
    expect(Namespace.list().filter((n) => n.startsWith(P))).toEqual([]);
  });

  it('IPv4: add, list through the link, the namespace and `ip -j addr`, delete', async () => {
    await veth.addAddress('10.1.0.2/24');
    const mine = (await veth.addresses()).filter((a) => a.family === 4);
    expect(mine.map((a) => a.cidr)).toEqual(['10.1.0.2/24']);
    expect(mine[0]).toMatchObject({ address: '10.1.0.2', prefixlen: 24, dev: veth.index, scope: 'global', label: 'veth0', permanent: true, secondary: false });
    expect((await ns.addresses({ family: 4, dev: 'veth0' })).map((a) => a.cidr)).toEqual(['10.1.0.2/24']);
    expect(ipAddrs(ns, 'veth0', 4)).toEqual(['10.1.0.2/24']);
    // The kernel added the prefix route.
    expect((ipJson(ns, ['route', 'show', '10.1.0.0/24']) as Json[]).map((r) => r.dev)).toEqual(['veth0']);

    await veth.deleteAddress('10.1.0.2/24');
    expect((await veth.addresses()).filter((a) => a.family === 4)).toEqual([]);
    expect(ipAddrs(ns, 'veth0', 4)).toEqual([]);
  });

  // Fixed in lib/rtnl/addresses.ts: a label with ':' (the usual 'veth0:web') was refused as an interface name.
  it('IPv4 with a label and broadcast "+" (highest address of the prefix)', async () => {
    await veth.addAddress('10.1.1.2/24', { label: 'veth0:web', broadcast: '+' });
    const [mine] = (await veth.addresses()).filter((a) => a.address === '10.1.1.2');
    expect(mine?.label).toBe('veth0:web');
    expect(mine?.broadcast).toBe('10.1.1.255');
    const oracle = theirs(ns, 'veth0', '10.1.1.2');
    expect(oracle.label).toBe('veth0:web');
    expect(oracle.broadcast).toBe('10.1.1.255');
    expect(oracle.prefixlen).toBe(24);

    await veth.addAddress('10.1.2.9/20', { broadcast: '10.1.15.254' });
    expect(theirs(ns, 'veth0', '10.1.2.9').broadcast).toBe('10.1.15.254');
    expect((await veth.addresses()).find((a) => a.address === '10.1.2.9')?.broadcast).toBe('10.1.15.254');

    // A second address in the same prefix is secondary.
    await veth.addAddress('10.1.1.3/24');
    expect((await veth.addresses()).find((a) => a.address === '10.1.1.3')?.secondary).toBe(true);
    expect(theirs(ns, 'veth0', '10.1.1.3').secondary).toBe(true);

    for (const cidr of ['10.1.1.3/24', '10.1.1.2/24', '10.1.2.9/20']) await veth.deleteAddress(cidr);
    expect(ipAddrs(ns, 'veth0', 4)).toEqual([]);
  });

  it('IPv6 with noDad: usable at once (not tentative); both views agree; delete', async () => {
    await veth.addAddress('fd00:1::2/64', { noDad: true });
    const mine = (await veth.addresses()).find((a) => a.address === 'fd00:1::2');
    expect(mine).toMatchObject({ family: 6, prefixlen: 64, cidr: 'fd00:1::2/64', scope: 'global' });
    const oracle = theirs(ns, 'veth0', 'fd00:1::2');
    expect(oracle.family).toBe('inet6');
    expect(oracle.prefixlen).toBe(64);
    expect(oracle.tentative).toBeUndefined();
    expect(oracle.nodad).toBe(true);
    expect((await ns.addresses({ family: 6 })).map((a) => a.cidr)).toContain('fd00:1::2/64');
    expect(ipAddrs(ns, 'veth0', 6)).toContain('fd00:1::2/64');

    await veth.deleteAddress('fd00:1::2/64');
    expect((await veth.addresses()).find((a) => a.address === 'fd00:1::2')).toBeUndefined();
    expect(ipAddrs(ns, 'veth0', 6)).not.toContain('fd00:1::2/64');
  });

  it('the namespace-level call, by device name; family filters; lo addresses', async () => {
    await ns.addAddress('veth0', '192.168.77.1/30');
    const lo = await ns.link('lo');
    await lo.up();
    const v4 = await ns.addresses({ family: 4 });
    expect(v4.map((a) => a.cidr).sort()).toEqual(['127.0.0.1/8', '192.168.77.1/30']);
    expect(v4.every((a) => a.family === 4)).toBe(true);
    expect((await ns.addresses({ family: 6 })).every((a) => a.family === 6)).toBe(true);
    expect((await lo.addresses()).map((a) => a.cidr).sort()).toEqual(['127.0.0.1/8', '::1/128']);
    expect(ipAddrs(ns, 'lo').sort()).toEqual(['127.0.0.1/8', '::1/128']);
    expect(ipAddrs(ns, 'veth0', 4)).toEqual(['192.168.77.1/30']);
    await veth.deleteAddress('192.168.77.1/30');
  });

  it('replace: adding an existing address fails with EEXIST, with { replace: true } it updates the metric', async () => {
    await veth.addAddress('10.1.3.1/24');
    await expect(veth.addAddress('10.1.3.1/24')).rejects.toMatchObject({ code: 'EEXIST' });
    await veth.addAddress('10.1.3.1/24', { replace: true, metric: 50 });
    expect(theirs(ns, 'veth0', '10.1.3.1').metric).toBe(50);
    expect((await veth.addresses()).find((a) => a.address === '10.1.3.1')?.raw.attrs.rtPriority).toBe(50);
    expect((ipJson(ns, ['route', 'show', '10.1.3.0/24']) as Json[]).map((r) => r.metric)).toEqual([50]);
    await veth.deleteAddress('10.1.3.1/24');
    expect(ipAddrs(ns, 'veth0', 4)).toEqual([]);
  });

  it('the same words in and out: addresses read back are deleted and added again as they are, to the same kernel state', async () => {
    await ns.addAddress({ dev: 'veth0', cidr: '10.1.5.2/24', label: 'veth0:rt', broadcast: '+', metric: 30 });
    await ns.addAddress('veth0', '10.1.6.2/24', { scope: 'link' });
    await ns.addAddress(veth, '10.1.7.1/32', { peer: '10.1.7.2' });
    await ns.addAddress({ dev: veth.index, cidr: 'fd00:5::2/64', noDad: true, noPrefixRoute: true });
    const ours = (a: { local?: unknown; address?: unknown }) => /^(10\.1\.[5-7]\.|fd00:5::)/.test(String(a.local ?? a.address));
    const ip = () => ((ipJson(ns, ['addr', 'show', 'dev', 'veth0']) as Json[])[0]!.addr_info as Json[]).filter(ours).sort((x, y) => String(x.local).localeCompare(String(y.local)));
    const before = ip();
    expect(before).toHaveLength(4);
    const read: Address[] = (await ns.addresses({ dev: 'veth0' })).filter(ours);
    expect(read.find((a) => a.address === '10.1.5.2')).toMatchObject({ dev: veth.index, label: 'veth0:rt', broadcast: '10.1.5.255', metric: 30 });
    expect(read.find((a) => a.address === '10.1.7.1')).toMatchObject({ cidr: '10.1.7.1/32', peer: '10.1.7.2' });
    expect(read.find((a) => a.address === 'fd00:5::2')).toMatchObject({ noDad: true, noPrefixRoute: true });
    // A read address is an AddressSpec, for the type checker too.
    const again: AddressSpec[] = read;

    for (const address of again) await ns.deleteAddress(address);
    expect(ip()).toEqual([]);
    for (const address of again) await ns.addAddress(address);
    expect(ip()).toEqual(before);
    const plain = (addresses: Address[]) => addresses.map(({ raw: _raw, ...rest }) => rest).sort((x, y) => x.address.localeCompare(y.address));
    expect(plain((await ns.addresses({ dev: 'veth0' })).filter(ours))).toEqual(plain(read));
    for (const address of again) await ns.deleteAddress(address);
    expect(ip()).toEqual([]);
  });
});
