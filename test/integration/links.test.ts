import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bridge, Link, Namespace, VethPair } from '../../lib/index.js';
import type { LinkState } from '../../lib/index.js';
import { ip, ipJson, ipLink, ipLinkNames, type Json } from '../helpers/ip-oracle.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

if (integrationSkipReason !== undefined) console.log(`links: ${integrationSkipReason}`);

const P = 'it-links-';

/** Every frame the namespace's socket sends, as the trace-level log summarises it. */
function traced(): { logger: pino.Logger; sent: string[] } {
  const sent: string[] = [];
  const logger = pino({ level: 'trace' }, {
    write(line: string) {
      const msg = (JSON.parse(line) as { msg?: string }).msg ?? '';
      if (msg.startsWith('send ')) sent.push(msg.slice(5));
    },
  });
  return { logger, sent };
}

/** The link as our dump shows it (not the GET: the dump is the second path through the code). */
async function dumped(ns: Namespace, name: string): Promise<LinkState | undefined> {
  return (await ns.rtnl.links()).find((l) => l.name === name);
}

const flagsOf = (entry: Json): string[] => entry.flags as string[];

describe.skipIf(!canRunIntegration)('links', () => {
  let a: Namespace;
  let b: Namespace;
  let c: Namespace;
  let trace: ReturnType<typeof traced>;

  beforeAll(async () => {
    trace = traced();
    a = await Namespace.create(`${P}a`, { logger: trace.logger });
    b = await Namespace.create(`${P}b`);
    c = await Namespace.create(`${P}c`);
  });

  afterAll(async () => {
    for (const ns of [a, b, c]) await ns?.delete();
    expect(Namespace.list().filter((n) => n.startsWith(P))).toEqual([]);
  });

  it('VethPair: the peer is created straight inside the other namespace, in one request', async () => {
    // A link in b first, so that the two ends get different indexes (the kernel leaves IFLA_LINK
    // out when it equals the link's own index, even across namespaces).
    const pre = await Bridge.create({ name: 'br-pre', namespace: b });
    trace.sent.length = 0;
    const pair = await VethPair.create({ name: 'va0', namespace: a, mtu: 1400, peer: { name: 'vb0', namespace: b, mac: '02:00:00:00:0b:00' } });
    const newlinks = trace.sent.filter((s) => s.startsWith('RTM_NEWLINK'));
    expect(newlinks).toHaveLength(1);
    expect(trace.sent.filter((s) => !s.startsWith('RTM_GETLINK'))).toEqual(newlinks);
    // The peer never existed in a (so it was never moved), and sits in b.
    expect(ipLinkNames(a)).toEqual(['lo', 'va0']);
    expect(ipLinkNames(b)).toEqual(['br-pre', 'lo', 'vb0']);
    await pre.delete();
    expect(pair.link.namespace).toBe(a);
    expect(pair.peer.namespace).toBe(b);
    expect(pair.link.kind).toBe('veth');
    expect(pair.peer.mac).toBe('02:00:00:00:0b:00');
    expect(pair.link.mtu).toBe(1400);

    const theirs = ipLink(a, 'va0');
    expect(theirs.linkinfo.info_kind).toBe('veth');
    expect(theirs.ifindex).toBe(pair.link.index);
    expect(theirs.mtu).toBe(1400);
    expect(theirs.link_netnsid).toBeDefined();
    expect(pair.link.state.linkNetnsid).toBe(theirs.link_netnsid);
    expect(pair.link.state.parent).toBe(pair.peer.index);
    const peer = ipLink(b, 'vb0');
    expect(peer.ifindex).toBe(pair.peer.index);
    expect(peer.address).toBe('02:00:00:00:0b:00');
    expect(peer.link_index).toBe(pair.link.index);
    expect(pair.peer.state.parent).toBe(pair.link.index);
    pair.close();
  });

  it('VethPair: the new end is read from the kernel echo (one lookup, the peer\'s) and is what a lookup reads', async () => {
    trace.sent.length = 0;
    const pair = await VethPair.create({ name: 've0', namespace: a, mtu: 1300, mac: '02:00:00:00:0e:01', promisc: true, deviceGroup: 9, peer: { name: 've1' } });
    // This kernel echoes a created link (NLM_F_ECHO); one without that support is asked with a lookup.
    expect(trace.sent.filter((s) => s.startsWith('RTM_GETLINK'))).toHaveLength(1);
    const withoutRaw = ({ raw: _raw, ...rest }: LinkState) => rest;
    expect(withoutRaw(pair.link.state)).toEqual(withoutRaw((await a.link('ve0')).state));
    expect(withoutRaw(pair.peer.state)).toEqual(withoutRaw((await a.link('ve1')).state));
    expect([pair.link.mtu, pair.link.mac, pair.link.isPromiscuous, pair.link.state.parent]).toEqual([1300, '02:00:00:00:0e:01', true, pair.peer.index]);
    expect(pair.link.raw.attrs.group).toBe(9);
    await pair.delete();
  });

  it('link(name), link(index) and links() agree with `ip -j -d link show`', async () => {
    const byName = await a.link('va0');
    const byIndex = await a.link(byName.index);
    expect(byIndex.name).toBe('va0');
    expect(byName).toBeInstanceOf(Link);
    const ours = (await a.links()).map((l) => [l.index, l.name, l.mtu, l.mac, l.kind ?? null]);
    const theirs = (ipJson(a, ['-d', 'link', 'show']) as Json[]).map((l) => [
      l.ifindex, l.ifname, l.mtu, l.address, l.linkinfo?.info_kind ?? null,
    ]);
    expect(ours).toEqual(theirs);
    expect((await a.links({ kind: 'veth' })).map((l) => l.name)).toEqual(['va0']);
    expect((await a.findLink('nope0'))).toBeUndefined();
  });

  it('up and down', async () => {
    const link = await a.link('va0');
    await link.up();
    expect(link.isUp).toBe(true);
    expect((await dumped(a, 'va0'))!.up).toBe(true);
    expect(flagsOf(ipLink(a, 'va0'))).toContain('UP');
    await link.down();
    expect(link.isUp).toBe(false);
    expect((await dumped(a, 'va0'))!.up).toBe(false);
    expect(flagsOf(ipLink(a, 'va0'))).not.toContain('UP');
  });

  it('setMtu', async () => {
    const link = await a.link('va0');
    await link.setMtu(1280);
    expect(link.mtu).toBe(1280);
    expect((await dumped(a, 'va0'))!.mtu).toBe(1280);
    expect(ipLink(a, 'va0').mtu).toBe(1280);
  });

  it('setMac', async () => {
    const link = await a.link('va0');
    await link.setMac('02:AA:BB:CC:DD:01');
    expect(link.mac).toBe('02:aa:bb:cc:dd:01');
    expect((await dumped(a, 'va0'))!.mac).toBe('02:aa:bb:cc:dd:01');
    expect(ipLink(a, 'va0').address).toBe('02:aa:bb:cc:dd:01');
  });

  it('rename keeps the index; the old name is gone', async () => {
    const link = await a.link('va0');
    const index = link.index;
    await link.rename('va-renamed');
    expect(link.name).toBe('va-renamed');
    expect(link.index).toBe(index);
    expect((await dumped(a, 'va-renamed'))?.index).toBe(index);
    expect(await dumped(a, 'va0')).toBeUndefined();
    expect(ipLink(a, 'va-renamed').ifindex).toBe(index);
    expect(ipLink(a, 'va0')).toBeUndefined();
    await link.rename('va0');
    expect(ipLink(a, 'va0').ifindex).toBe(index);
  });

  it('refresh reads changes made by someone else', async () => {
    const link = await a.link('va0');
    ip(a, ['link', 'set', 'dev', 'va0', 'mtu', '1300', 'up']);
    expect(link.mtu).not.toBe(1300);
    await link.refresh();
    expect(link.mtu).toBe(1300);
    expect(link.isUp).toBe(true);
    ip(a, ['link', 'set', 'dev', 'va0', 'down']);
  });

  it('setMaster attaches to a bridge and null detaches', async () => {
    const bridge = await Bridge.create({ name: 'br-links', namespace: a });
    const link = await a.link('va0');
    await link.setMaster(bridge);
    expect(link.master).toBe(bridge.index);
    expect((await dumped(a, 'va0'))!.master).toBe(bridge.index);
    expect(ipLink(a, 'va0').master).toBe('br-links');
    expect((await bridge.ports()).map((p) => p.name)).toEqual(['va0']);
    await link.setMaster(null);
    expect(link.master).toBeUndefined();
    expect((await dumped(a, 'va0'))!.master).toBeUndefined();
    expect(ipLink(a, 'va0').master).toBeUndefined();
    expect(await bridge.ports()).toEqual([]);
    // The same words in and out: the bridge by name, and by the index `master` reads back.
    await link.setMaster('br-links');
    const master = (await dumped(a, 'va0'))!.master;
    expect(master).toBe(bridge.index);
    await link.setMaster(null);
    expect(ipLink(a, 'va0').master).toBeUndefined();
    await link.setMaster(master!);
    expect(ipLink(a, 'va0').master).toBe('br-links');
    await link.setMaster(null);
    // LinkChanges take master in the same forms: by name (looked up with the device), as a Link, and null detaches.
    await a.rtnl.setLink('va0', { master: 'br-links' });
    expect(ipLink(a, 'va0').master).toBe('br-links');
    expect(await a.batch([{ do: 'link set', dev: 'va0', changes: { master: null } }])).toEqual([undefined]);
    expect(ipLink(a, 'va0').master).toBeUndefined();
    expect(await a.batch([{ do: 'link set', dev: link, changes: { master: bridge } }])).toEqual([undefined]);
    expect(ipLink(a, 'va0').master).toBe('br-links');
    await a.rtnl.setLink(link, { master: 0 });
    expect(ipLink(a, 'va0').master).toBeUndefined();
    // A name that is not there is the caller's to fix: refused before the change is sent.
    await expect(link.setMaster('no-such-br')).rejects.toMatchObject({ name: 'InvalidArgumentError', field: 'bridge', value: 'no-such-br', cause: { code: 'ENODEV' } });
    await bridge.delete();
    expect(ipLink(a, 'br-links')).toBeUndefined();
  });

  it('moveTo another namespace, renaming on the way, then back without a new name', async () => {
    const link = await a.link('va0');
    const moved = await link.moveTo(c, 'vc0');
    expect(moved.namespace).toBe(c);
    expect(moved.name).toBe('vc0');
    expect(moved.kind).toBe('veth');
    expect(await dumped(a, 'va0')).toBeUndefined();
    expect((await dumped(c, 'vc0'))?.index).toBe(moved.index);
    expect(ipLinkNames(a)).toEqual(['lo']);
    expect(ipLinkNames(c)).toEqual(['lo', 'vc0']);
    expect(ipLink(c, 'vc0').ifindex).toBe(moved.index);
    // The peer in b now points at c.
    const back = await moved.moveTo(a);
    expect(back.name).toBe('vc0');
    expect(ipLinkNames(a)).toEqual(['lo', 'vc0']);
    expect(ipLinkNames(c)).toEqual(['lo']);
    await back.rename('va0');
  });

  it('delete removes both ends of the veth', async () => {
    const link = await a.link('va0');
    await link.delete();
    expect(await dumped(a, 'va0')).toBeUndefined();
    expect(await dumped(b, 'vb0')).toBeUndefined();
    expect(ipLinkNames(a)).toEqual(['lo']);
    expect(ipLinkNames(b)).toEqual(['lo']);
    await expect(a.link('va0')).rejects.toMatchObject({ code: 'ENODEV' });
  });

  // Fixed in lib/veth.ts: the kernel answered ENOTCONN to a peer asked to be up at creation.
  it('a veth pair inside one namespace, with both ends up at creation', async () => {
    const pair = await VethPair.create({ name: 'vx0', namespace: c, up: true, peer: { name: 'vx1', up: true } });
    expect(pair.peer.namespace).toBe(c);
    expect(ipLinkNames(c)).toEqual(['lo', 'vx0', 'vx1']);
    expect(flagsOf(ipLink(c, 'vx0'))).toContain('UP');
    expect(flagsOf(ipLink(c, 'vx1'))).toContain('UP');
    expect(ipLink(c, 'vx0').link).toBe('vx1');
    await pair.delete();
    expect(ipLinkNames(c)).toEqual(['lo']);
  });
});
