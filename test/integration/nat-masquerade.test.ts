import { spawnSync, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, Namespace, NAT_TABLE, NetlinkError, VethPair } from '../../lib/index.js';
import { NFPROTO_IPV4, newChain, newRule, newTable, NF_INET_POST_ROUTING } from '../../messages/nftables/index.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

if (integrationSkipReason !== undefined) console.log(`nat: ${integrationSkipReason}`);

const P = `it-nat-${process.pid}-`;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** `nft -j list ruleset` inside the namespace: the oracle. */
function nftList(ns: Namespace): Json[] {
  const r = spawnSync('ip', ['netns', 'exec', ns.name!, 'nft', '-j', 'list', 'ruleset'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`nft -j list ruleset: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { nftables: Json[] }).nftables;
}

function nft(ns: Namespace, ...args: string[]): void {
  const r = spawnSync('ip', ['netns', 'exec', ns.name!, 'nft', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`nft ${args.join(' ')}: ${r.stderr}`);
}

const SERVER = `
const net = require('node:net');
const server = net.createServer((s) => { s.end(s.remoteAddress + '\\n'); });
server.listen(8080, '0.0.0.0', () => console.log('listening'));
`;

const CLIENT = `
const net = require('node:net');
const s = net.connect({ host: '192.168.56.1', port: 8080, timeout: 2000 });
let data = '';
s.on('data', (d) => (data += d));
s.on('end', () => { console.log('OK ' + data.trim()); process.exit(0); });
s.on('timeout', () => { console.log('TIMEOUT'); process.exit(2); });
s.on('error', (e) => { console.log('ERR ' + e.code); process.exit(3); });
`;

/** Runs the client in `ns`; resolves with its one line of output ('OK <peer>', 'TIMEOUT', 'ERR ...'). */
function connectFrom(ns: Namespace): Promise<string> {
  const child = ns.spawn(process.execPath, ['-e', CLIENT], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const killer = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), 5000);
  return new Promise((resolve) =>
    child.on('exit', () => {
      clearTimeout(killer);
      resolve(out.trim());
    }),
  );
}

describe.skipIf(!canRunIntegration)('nat: masquerade through nftables', () => {
  let container: Namespace;
  let node: Namespace;
  let internet: Namespace;
  let server: ChildProcess | undefined;

  beforeAll(async () => {
    container = await Namespace.create(`${P}container`);
    node = await Namespace.create(`${P}node`);
    internet = await Namespace.create(`${P}internet`);
    for (const ns of [container, node, internet]) await (await ns.link('lo')).up();
    const c = await VethPair.create({ name: 'eth0', namespace: container, up: true, peer: { name: 'veth-c', namespace: node, up: true } });
    const u = await VethPair.create({ name: 'uplink', namespace: node, up: true, peer: { name: 'eth0', namespace: internet, up: true } });
    await c.link.addAddress('10.0.0.2/24');
    await c.peer.addAddress('10.0.0.1/24');
    await u.link.addAddress('192.168.56.11/24');
    await u.peer.addAddress('192.168.56.1/24');
    await container.addRoute({ dst: 'default', via: '10.0.0.1' });
    node.sysctl('net.ipv4.ip_forward', '1');
    // The "internet" has no route back to 10.0.0.0/24: only masquerading makes answers come back.
    server = internet.spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      server!.stdout!.on('data', (d) => String(d).includes('listening') && resolve());
      server!.on('exit', (code) => reject(new Error(`server exited ${code}`)));
    });
  });

  afterAll(async () => {
    if (server?.pid) process.kill(server.pid, 'SIGKILL');
    for (const ns of [container, node, internet]) await ns?.delete();
    expect(Namespace.list().filter((n) => n.startsWith(P))).toEqual([]);
  });

  it('refuses bad input before sending anything, naming the field', async () => {
    await expect(node.nat.masquerade({ source: '10.0.0.0/33' })).rejects.toThrow(InvalidArgumentError);
    await expect(node.nat.masquerade({ source: '10.0.0.0/24', exceptOutInterface: 'a-very-long-name0' })).rejects.toThrow(/exceptOutInterface/);
    await expect(node.nat.masquerade({ source: '10.0.0.0/24', exceptDestination: 'fd00::/64' })).rejects.toThrow(/exceptDestination/);
    expect(nftList(node).filter((o) => o.table)).toEqual([]);
  });

  it('without masquerading, the container cannot reach the internet', async () => {
    expect(await connectFrom(container)).toMatch(/^(TIMEOUT|ERR)/);
  });

  it('creates the table, chain and rule nft lists, idempotently', async () => {
    const rule = await node.nat.masquerade({ source: '10.0.0.0/24', exceptDestination: '10.0.0.0/16', exceptOutInterface: 'br0' });
    expect(rule).toMatchObject({ family: 'ip', source: '10.0.0.0/24', exceptDestination: '10.0.0.0/16', exceptOutInterface: 'br0', packets: 0, bytes: 0 });
    const again = await node.nat.masquerade({ source: '10.0.0.0/24', exceptDestination: '10.0.0.0/16', exceptOutInterface: 'br0' });
    expect(again.handle).toBe(rule.handle);
    expect(await node.nat.rules()).toHaveLength(1);

    const listed = nftList(node);
    expect(listed.filter((o) => o.table).map((o) => o.table)).toEqual([{ family: 'ip', name: NAT_TABLE, handle: expect.any(Number) }]);
    expect(listed.filter((o) => o.chain).map((o) => o.chain)).toEqual([
      { family: 'ip', table: NAT_TABLE, name: 'postrouting', handle: expect.any(Number), type: 'nat', hook: 'postrouting', prio: 100, policy: 'accept' },
    ]);
    const rules = listed.filter((o) => o.rule).map((o) => o.rule);
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({
      family: 'ip',
      table: NAT_TABLE,
      chain: 'postrouting',
      handle: rule.handle,
      comment: 'netns-rtnl 10.0.0.0/24 dst!=10.0.0.0/16 oif!=br0',
      expr: [
        { match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: { prefix: { addr: '10.0.0.0', len: 24 } } } },
        { match: { op: '!=', left: { payload: { protocol: 'ip', field: 'daddr' } }, right: { prefix: { addr: '10.0.0.0', len: 16 } } } },
        { match: { op: '!=', left: { meta: { key: 'oifname' } }, right: 'br0' } },
        { counter: { packets: 0, bytes: 0 } },
        { masquerade: null },
      ],
    });
  });

  it('the container reaches the internet, which sees the node address; the counter counts', async () => {
    expect(await connectFrom(container)).toBe('OK 192.168.56.11');
    const [rule] = await node.nat.rules();
    expect(rule!.packets).toBeGreaterThan(0);
    expect(rule!.bytes).toBeGreaterThan(0);
    const listed = nftList(node).find((o) => o.rule)!.rule.expr.find((e: Json) => e.counter).counter;
    expect(listed.packets).toBe(rule!.packets);
  });

  it('an IPv6 rule goes to table ip6, and remove(spec) removes only that one', async () => {
    const v6 = await node.nat.masquerade({ source: 'fd00:1::5/64', exceptDestination: 'fd00::/48' });
    expect(v6).toMatchObject({ family: 'ip6', source: 'fd00:1::/64', exceptDestination: 'fd00::/48' });
    expect((await node.nat.rules()).map((r) => r.family)).toEqual(['ip', 'ip6']);
    const ip6Rule = nftList(node).find((o) => o.rule?.family === 'ip6')!.rule;
    expect(ip6Rule.expr.slice(0, 2)).toEqual([
      { match: { op: '==', left: { payload: { protocol: 'ip6', field: 'saddr' } }, right: { prefix: { addr: 'fd00:1::', len: 64 } } } },
      { match: { op: '!=', left: { payload: { protocol: 'ip6', field: 'daddr' } }, right: { prefix: { addr: 'fd00::', len: 48 } } } },
    ]);
    expect(await node.nat.remove({ source: 'fd00:1::/64', exceptDestination: 'fd00::/48' })).toBe(1);
    expect(nftList(node).filter((o) => o.table).map((o) => o.table.family)).toEqual(['ip']);
    expect(await node.nat.rules()).toHaveLength(1);
  });

  it('remove() leaves rules that are not ours, and keeps the table for them', async () => {
    nft(node, 'add', 'rule', 'ip', NAT_TABLE, 'postrouting', 'ip', 'saddr', '10.9.0.0/24', 'counter');
    expect(await node.nat.rules()).toHaveLength(1);
    expect(await node.nat.remove()).toBe(1);
    const rules = nftList(node).filter((o) => o.rule);
    expect(rules).toHaveLength(1);
    expect(rules[0]!.rule.comment).toBeUndefined();
    nft(node, 'delete', 'table', 'ip', NAT_TABLE);
    // Put ours back for the next test.
    await node.nat.masquerade({ source: '10.0.0.0/24', exceptDestination: '10.0.0.0/16', exceptOutInterface: 'br0' });
  });

  it('after remove() the table is gone and the container cannot reach the internet', async () => {
    expect(await node.nat.remove()).toBe(1);
    expect(nftList(node).filter((o) => o.table || o.chain || o.rule)).toEqual([]);
    expect(await node.nat.rules()).toEqual([]);
    expect(await node.nat.remove()).toBe(0);
    const started = Date.now();
    expect(await connectFrom(container)).toMatch(/^(TIMEOUT|ERR)/);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('a batch with a bad rule is refused whole: no half-made table', async () => {
    const family = NFPROTO_IPV4;
    const table = 'it_nat_half';
    const changes = [
      newTable({ family, name: table }),
      newChain({ family, table, name: 'postrouting', type: 'nat', hook: { hooknum: NF_INET_POST_ROUTING, priority: 100 } }),
      newRule({ family, table, chain: 'postrouting', expressions: [{ name: 'counter', data: {} }, { name: 'no_such_expression', data: new Uint8Array(0) }] }),
    ];
    const error = await node.nat.nftables.commit(changes).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(NetlinkError);
    expect((error as NetlinkError).operation).toMatch(/NFT_MSG_NEWRULE/);
    expect(nftList(node).filter((o) => o.table)).toEqual([]);
    expect(await node.nat.nftables.tables()).toEqual([]);
  });

  it('kernel errors come back as NetlinkError with the extended ACK', async () => {
    const error = await node.nat.nftables
      .commit([newRule({ family: NFPROTO_IPV4, table: 'no_such_table', chain: 'c', expressions: [{ name: 'counter', data: {} }] })])
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(NetlinkError);
    expect((error as NetlinkError).code).toBe('ENOENT');
    // nf_tables points at the attribute it could not resolve (NLMSGERR_ATTR_OFFS).
    expect((error as NetlinkError).badAttributeOffset).toBeGreaterThan(0);
  });
});
