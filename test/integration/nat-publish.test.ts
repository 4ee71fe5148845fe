import type { Server } from 'node:net';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bridge, InvalidArgumentError, Namespace, NAT_TABLE, VethPair } from '../../lib/index.js';
import { closeServer, probe, startProbeServer } from '../../examples/common/probe.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

if (integrationSkipReason !== undefined) console.log(`nat publish: ${integrationSkipReason}`);

const P = `it-pub-${process.pid}-`;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** `nft -j list ruleset` inside the namespace: the oracle. */
function nftList(ns: Namespace): Json[] {
  const r = spawnSync('ip', ['netns', 'exec', ns.name!, 'nft', '-j', 'list', 'ruleset'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`nft -j list ruleset: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { nftables: Json[] }).nftables;
}
const ruleCount = (ns: Namespace): number => nftList(ns).filter((x) => x.rule).length;

/**
 * node1 (LAN 192.168.56.11, fd00:56::11) with bridge br0 (10.0.1.1/24, fd00:1::1/64) and two
 * containers: web (10.0.1.2, fd00:1::2) runs the server on :80, client (10.0.1.3) reaches it
 * through node1's published port (hairpin). node2 (192.168.56.12, fd00:56::12) is the other node.
 */
describe.skipIf(!canRunIntegration)('nat: published ports (DNAT through nftables)', () => {
  let node1: Namespace;
  let node2: Namespace;
  let web: Namespace;
  let client: Namespace;
  const servers: Server[] = [];

  beforeAll(async () => {
    node1 = await Namespace.create(`${P}node1`);
    node2 = await Namespace.create(`${P}node2`);
    web = await Namespace.create(`${P}web`);
    client = await Namespace.create(`${P}client`);
    // No duplicate address detection: link-local addresses usable at once, as the global ones given noDad.
    for (const ns of [node1, node2, web, client]) for (const scope of ['all', 'default'] as const) ns.sysctl(`net.ipv6.conf.${scope}.accept_dad`, '0');
    const lan = await VethPair.create({ name: 'eth0', namespace: node1, up: true, peer: { name: 'eth0', namespace: node2, up: true } });
    await lan.link.addAddress('192.168.56.11/24');
    await lan.peer.addAddress('192.168.56.12/24');
    await lan.link.addAddress('fd00:56::11/64', { noDad: true });
    await lan.peer.addAddress('fd00:56::12/64', { noDad: true });
    const br0 = await Bridge.create({ name: 'br0', namespace: node1, up: true });
    await br0.addAddress('10.0.1.1/24');
    await br0.addAddress('fd00:1::1/64', { noDad: true });
    for (const [ns, v4, v6] of [[web, '10.0.1.2', 'fd00:1::2'], [client, '10.0.1.3', 'fd00:1::3']] as const) {
      const pair = await VethPair.create({ name: `veth-${ns === web ? 'web' : 'cl'}`, namespace: node1, up: true, master: br0, peer: { name: 'eth0', namespace: ns, up: true } });
      await pair.peer.addAddress(`${v4}/24`);
      await pair.peer.addAddress(`${v6}/64`, { noDad: true });
      await ns.addRoute({ dst: 'default', via: '10.0.1.1' });
      await ns.addRoute({ dst: 'default', via: 'fd00:1::1', family: 6 });
      await (await ns.link('lo')).up();
    }
    for (const ns of [node1, node2]) await (await ns.link('lo')).up();
    node1.sysctl('net.ipv4.ip_forward', '1');
    node1.sysctl('net.ipv6.conf.all.forwarding', '1');
    // The server says which source address it saw.
    servers.push(await startProbeServer(web, '0.0.0.0', 80));
    servers.push(await startProbeServer(web, 'fd00:1::2', 80));
  });

  afterAll(async () => {
    await Promise.all(servers.map(closeServer));
    for (const ns of [node1, node2, web, client]) await ns?.delete();
    expect(Namespace.list().filter((n) => n.startsWith(P))).toEqual([]);
  });

  it('reachable from the other node, from the node itself and by hairpin; listed with counters; nft agrees', async () => {
    const before = await probe(node2, '192.168.56.11', 8080, { timeoutMs: 1000 });
    expect(before.ok).toBe(false);

    const port = await node1.nat.publish({ port: 8080, to: '10.0.1.2:80' });
    expect(port).toMatchObject({ family: 'ip', protocol: 'tcp', port: 8080, to: '10.0.1.2:80', toAddress: '10.0.1.2', toPort: 80, hairpinSource: '10.0.1.0/24' });
    expect(Object.keys(port.handles).sort()).toEqual(['output', 'postrouting', 'prerouting']);

    // From the other node: the container sees that node's address (no source NAT).
    expect(await probe(node2, '192.168.56.11', 8080)).toMatchObject({ ok: true, seen: '192.168.56.12' });
    // From the node itself (locally generated: the output chain).
    expect(await probe(node1, '192.168.56.11', 8080)).toMatchObject({ ok: true, seen: '192.168.56.11' });
    expect(await probe(node1, '10.0.1.1', 8080)).toMatchObject({ ok: true });
    // Hairpin: a container on the same bridge through the node's address; masqueraded to br0's.
    expect(await probe(client, '192.168.56.11', 8080)).toMatchObject({ ok: true, seen: '10.0.1.1' });

    const [listed] = await node1.nat.published();
    expect(listed).toMatchObject({ port: 8080, to: '10.0.1.2:80', handles: port.handles });
    expect(listed!.packets).toBe(4);
    expect(JSON.parse(JSON.stringify(listed))).toEqual(listed);

    const nft = nftList(node1);
    const chains = nft.filter((x) => x.chain).map((x) => [x.chain.name, x.chain.hook, x.chain.prio]);
    expect(chains).toEqual([['prerouting', 'prerouting', -100], ['output', 'output', -100], ['postrouting', 'postrouting', 100]]);
    const dnat = nft.filter((x) => x.rule && x.rule.chain !== 'postrouting').map((x) => x.rule.expr.find((e: Json) => e.dnat).dnat);
    expect(dnat).toEqual([{ addr: '10.0.1.2', port: 80 }, { addr: '10.0.1.2', port: 80 }]);
    expect(nft.filter((x) => x.rule).every((x) => x.rule.table === NAT_TABLE && x.rule.comment?.startsWith('netns-rtnl publish tcp 8080 '))).toBe(true);
  });

  it('the same port again is the same rules; to somewhere else it is refused before any change is sent', async () => {
    const [first] = await node1.nat.published();
    const again = await node1.nat.publish({ port: 8080, to: '10.0.1.2:80' });
    expect(again.handles).toEqual(first!.handles);
    const rules = ruleCount(node1);
    const refused = await node1.nat.publish({ port: 8080, to: '10.0.1.3:80' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InvalidArgumentError);
    expect(refused).toMatchObject({ field: 'port', value: 8080, message: expect.stringContaining('already published (tcp) to 10.0.1.2:80') });
    expect(ruleCount(node1)).toBe(rules);
    // Another protocol, or another port, is free.
    await node1.nat.publish({ port: 8080, protocol: 'udp', to: '10.0.1.3:53' });
    expect((await node1.nat.published()).map((p) => `${p.protocol}/${p.port}`)).toEqual(['tcp/8080', 'udp/8080']);
    expect(await node1.nat.unpublish({ port: 8080, protocol: 'udp', to: '10.0.1.3:53' })).toBe(1);
  });

  it('IPv6: a published port reaches the container over IPv6, from the other node and by hairpin', async () => {
    const port = await node1.nat.publish({ port: 8443, to: '[fd00:1::2]:80' });
    expect(port).toMatchObject({ family: 'ip6', to: '[fd00:1::2]:80', hairpinSource: 'fd00:1::/64' });
    expect(await probe(node2, 'fd00:56::11', 8443)).toMatchObject({ ok: true, seen: 'fd00:56::12' });
    expect(await probe(node1, 'fd00:56::11', 8443)).toMatchObject({ ok: true, seen: 'fd00:56::11' });
    expect(await probe(client, 'fd00:56::11', 8443)).toMatchObject({ ok: true, seen: 'fd00:1::1' });
  });

  it('lives beside masquerade: removing one leaves the other; the last removal deletes the table', async () => {
    await node1.nat.masquerade({ source: '10.0.1.0/24', exceptOutInterface: 'br0' });
    expect(await node1.nat.remove()).toBe(1);
    expect(await probe(node2, '192.168.56.11', 8080)).toMatchObject({ ok: true });
    expect((await node1.nat.published()).map((p) => p.port)).toEqual([8080, 8443]);

    expect(await node1.nat.unpublish((p) => p.family === 'ip6')).toBe(1);
    expect(await node1.nat.unpublish()).toBe(1);
    expect(await node1.nat.published()).toEqual([]);
    expect(nftList(node1).filter((x) => x.table)).toEqual([]);
    expect((await probe(node2, '192.168.56.11', 8080, { timeoutMs: 1000 })).ok).toBe(false);
  });

  it('rules not ours in our table are not listed, not removed, and keep the table', async () => {
    await node1.nat.publish({ port: 8080, to: '10.0.1.2:80' });
    const foreign = spawnSync('ip', ['netns', 'exec', node1.name!, 'nft', 'add', 'rule', 'ip', NAT_TABLE, 'prerouting', 'tcp', 'dport', '9090', 'counter'], { encoding: 'utf8' });
    expect(foreign.status, foreign.stderr).toBe(0);
    expect((await node1.nat.published()).map((p) => p.port)).toEqual([8080]);
    expect(await node1.nat.unpublish()).toBe(1);
    expect(await node1.nat.published()).toEqual([]);
    expect(nftList(node1).filter((x) => x.rule).map((x) => [x.rule.chain, x.rule.comment])).toEqual([['prerouting', undefined]]);
    expect(nftList(node1).filter((x) => x.table).map((x) => x.table.name)).toEqual([NAT_TABLE]);
    spawnSync('ip', ['netns', 'exec', node1.name!, 'nft', 'delete', 'table', 'ip', NAT_TABLE]);
  });
});
