import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bridge, Link, Namespace, NetlinkError, VethPair } from '../../lib/index.js';
import { ipJson, ipLink, ipLinkNames, type Json } from '../helpers/ip-oracle.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

if (integrationSkipReason !== undefined) console.log(`bridges: ${integrationSkipReason}`);

const P = 'it-bridges-';

describe.skipIf(!canRunIntegration)('Bridge', () => {
  let ns: Namespace;

  beforeAll(async () => {
    ns = await Namespace.create(`${P}a`);
  });

  afterAll(async () => {
    await ns?.delete();
    expect(Namespace.list().filter((n) => n.startsWith(P))).toEqual([]);
  });

  it('create with stp, forward delay and mtu: our dump and `ip -d` agree', async () => {
    const br = await Bridge.create({ name: 'br0', namespace: ns, stp: true, forwardDelay: 400, mtu: 1450 });
    expect(br).toBeInstanceOf(Bridge);
    expect(br.kind).toBe('bridge');
    expect(br.mtu).toBe(1450);
    const data = br.raw.attrs.linkinfo as { kind: string; data?: { stpState?: number; forwardDelay?: number } };
    expect(data.kind).toBe('bridge');
    expect(data.data?.stpState).toBe(1);
    expect(data.data?.forwardDelay).toBe(400);

    const theirs = ipLink(ns, 'br0');
    expect(theirs.ifindex).toBe(br.index);
    expect(theirs.mtu).toBe(1450);
    expect(theirs.linkinfo.info_kind).toBe('bridge');
    expect(theirs.linkinfo.info_data.stp_state).toBe(1);
    expect(theirs.linkinfo.info_data.forward_delay).toBe(400);

    // ns.link() gives the Bridge class too, so ports() is there.
    const again = await ns.link('br0');
    expect(again).toBeInstanceOf(Bridge);
    expect((await ns.links({ kind: 'bridge' })).map((l) => l.name)).toEqual(['br0']);
  });

  it('a plain bridge (name, namespace, up) read from the kernel echo: the link a lookup finds; a taken name fails in the general way\'s words', async () => {
    const br = await Bridge.create({ name: 'brp0', namespace: ns, up: true });
    expect(br).toBeInstanceOf(Bridge);
    const looked = await ns.link('brp0');
    expect([br.index, br.name, br.kind, br.mtu, br.mac, br.isUp]).toEqual([looked.index, looked.name, 'bridge', looked.mtu, looked.mac, true]);
    expect(ipLink(ns, 'brp0').ifindex).toBe(br.index);
    const plain = await Bridge.create({ name: 'brp0', namespace: ns }).catch((error: unknown) => error);
    const general = await Bridge.create({ name: 'brp0', namespace: ns, mtu: 1500 }).catch((error: unknown) => error);
    expect(plain).toBeInstanceOf(NetlinkError);
    expect((plain as NetlinkError).code).toBe('EEXIST');
    expect((plain as NetlinkError).message).toBe((general as NetlinkError).message);
    await br.delete();
  });

  it('defaults: stp off, the kernel default forward delay (1500 cs)', async () => {
    const br = await Bridge.create({ name: 'br1', namespace: ns });
    const theirs = ipLink(ns, 'br1');
    expect(theirs.linkinfo.info_data.stp_state).toBe(0);
    expect(theirs.linkinfo.info_data.forward_delay).toBe(1500);
    await br.delete();
    expect(ipLink(ns, 'br1')).toBeUndefined();
  });

  it('ports(): veths attached with setMaster, seen by our dump and by `ip link show master`', async () => {
    const br = (await ns.link('br0')) as Bridge;
    const p1 = await VethPair.create({ name: 'p1', namespace: ns, peer: { name: 'p1-peer' } });
    const p2 = await VethPair.create({ name: 'p2', namespace: ns, peer: { name: 'p2-peer' } });
    expect(await br.ports()).toEqual([]);
    await p1.link.setMaster(br);
    await p2.link.setMaster(br);
    const ports = await br.ports();
    expect(ports.every((p) => p instanceof Link)).toBe(true);
    expect(ports.map((p) => p.name).sort()).toEqual(['p1', 'p2']);
    const theirs = (ipJson(ns, ['link', 'show', 'master', 'br0']) as Json[]).map((l) => l.ifname).sort();
    expect(theirs).toEqual(['p1', 'p2']);
    const bridgeLinks = (ipJson(ns, ['-d', 'link', 'show', 'dev', 'p1']) as Json[])[0];
    expect(bridgeLinks.linkinfo.info_slave_kind).toBe('bridge');

    await p1.link.setMaster(null);
    expect((await br.ports()).map((p) => p.name)).toEqual(['p2']);
    expect((ipJson(ns, ['link', 'show', 'master', 'br0']) as Json[]).map((l) => l.ifname)).toEqual(['p2']);

    // Deleting the bridge releases its ports.
    await br.delete();
    expect((await ns.link('p2')).master).toBeUndefined();
    expect(ipLink(ns, 'p2').master).toBeUndefined();
    await p1.delete();
    await p2.delete();
    expect(ipLinkNames(ns)).toEqual(['lo']);
  });

  it('setMaster refuses a bridge in another namespace before sending anything', async () => {
    const other = await Namespace.create(`${P}other`);
    try {
      const br = await Bridge.create({ name: 'br-far', namespace: other });
      const pair = await VethPair.create({ name: 'near0', namespace: ns, peer: { name: 'near1' } });
      await expect(pair.link.setMaster(br)).rejects.toMatchObject({ name: 'InvalidArgumentError', field: 'bridge', message: expect.stringMatching(/is a link in netns it-bridges-other, not in netns it-bridges-a/) });
      expect(ipLink(ns, 'near0').master).toBeUndefined();
      await pair.delete();
    } finally {
      await other.delete();
    }
  });

  it('vlanFiltering is refused by this kernel with EOPNOTSUPP, and the error names the bridge', async () => {
    const error = await Bridge.create({ name: 'br-vlan', namespace: ns, vlanFiltering: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetlinkError);
    const e = error as NetlinkError;
    expect(e.code).toBe('EOPNOTSUPP');
    expect(e.errno).toBe(95);
    expect(e.operation).toContain('br-vlan');
    expect(e.operation).toMatch(/RTM_NEWLINK/);
    expect(e.operation).toContain(`netns ${P}a`);
    expect(e.message).toContain('EOPNOTSUPP');
    // Nothing was left behind.
    expect(ipLink(ns, 'br-vlan')).toBeUndefined();
    expect((await ns.links()).map((l) => l.name)).not.toContain('br-vlan');
  });
});
