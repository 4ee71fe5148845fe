/**
 * One node, one bridge, three containers (the article's part 2 idea): bridge br0 with the
 * gateway 10.0.0.1/24 in a namespace "node" standing for the VM, and containers c1..c3 each
 * attached through a veth pair whose outer end is a port of br0. Every container then reaches
 * the others and the gateway, with no veth pair per pair of containers.
 *
 *   npm run example:bridge
 */
import type { Server } from 'node:net';
import { Bridge, Namespace, VethPair } from '../lib/index.js';
import { closeServer, PROBE_PORT, probe, startProbeServer, type ProbeResult } from './common/probe.js';
import { deleteAll, isEntryPoint, removeLeftovers, runAsProgram, type ExampleOptions } from './common/run.js';
import { formatAddresses, formatRoutes, indent, ms, table } from './common/show.js';

export const GATEWAY = '10.0.0.1';
export const CONTAINERS = [
  { name: 'c1', ip: '10.0.0.2' },
  { name: 'c2', ip: '10.0.0.3' },
  { name: 'c3', ip: '10.0.0.4' },
] as const;

export interface BridgeCheck extends ProbeResult {
  from: string;
  to: string;
  address: string;
}

export interface BridgeResult {
  ok: boolean;
  checks: BridgeCheck[];
  namespaces: string[];
  error?: string;
  timings: { buildMs: number; checksMs: number; teardownMs: number };
}

export async function main(options: ExampleOptions = {}): Promise<BridgeResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const prefix = options.prefix ?? '';
  const nodeName = `${prefix}node`;
  const names = [nodeName, ...CONTAINERS.map((c) => `${prefix}${c.name}`)];
  const created: Namespace[] = [];
  const servers: Server[] = [];
  const result: BridgeResult = { ok: false, checks: [], namespaces: names, timings: { buildMs: 0, checksMs: 0, teardownMs: 0 } };

  const removed = await removeLeftovers(names);
  if (removed.length) log(`(removed what an earlier run left: ${removed.join(', ')})`);

  log('# One node, bridge br0, three containers');
  log(`
        ${nodeName}: br0 ${GATEWAY}/24
        ┌────────┼──────────┐
   veth-c1    veth-c2    veth-c3        (ports of br0)
       │          │          │
   c1 eth0    c2 eth0    c3 eth0
   10.0.0.2   10.0.0.3   10.0.0.4     default via ${GATEWAY}
`);
  const t0 = performance.now();
  try {
    const node = await Namespace.create(nodeName);
    created.push(node);
    const containers: Namespace[] = [];
    for (const c of CONTAINERS) {
      const ns = await Namespace.create(`${prefix}${c.name}`);
      created.push(ns);
      containers.push(ns);
    }
    log(`$ ip link add br0 type bridge; ip addr add ${GATEWAY}/24 dev br0; ip link set br0 up      (in ${nodeName})`);
    const br0 = await Bridge.create({ name: 'br0', namespace: node, up: true });
    await br0.addAddress(`${GATEWAY}/24`);
    await (await node.link('lo')).up();

    await Promise.all(
      CONTAINERS.map(async (c, i) => {
        const ns = containers[i]!;
        // ip link add veth-cN master br0 up type veth peer name eth0 netns cN: one request.
        // (The kernel honours IFLA_MASTER only on the first end of a new veth, not on the peer.)
        const pair = await VethPair.create({ name: `veth-${c.name}`, namespace: node, up: true, master: br0, peer: { name: 'eth0', namespace: ns, up: true } });
        pair.close();
        await ns.addAddress('eth0', `${c.ip}/24`);
        await (await ns.link('lo')).up();
        await ns.addRoute({ dst: 'default', via: GATEWAY });
      }),
    );
    for (const c of CONTAINERS) log(`$ ip link add veth-${c.name} type veth peer name eth0 netns ${prefix}${c.name}; ip link set veth-${c.name} master br0 up; ip -n ${prefix}${c.name} addr add ${c.ip}/24 dev eth0; ... route add default via ${GATEWAY}`);
    result.timings.buildMs = performance.now() - t0;
    log(`\nbuilt in ${ms(t0)}`);

    log(`\n## ${nodeName}: the bridge and its ports`);
    log(indent(await formatAddresses(node)));
    log(`\n## c1`);
    log(indent(await formatAddresses(containers[0]!)));
    log(indent(await formatRoutes(containers[0]!)));

    // A probe server in every container and on the gateway address.
    servers.push(await startProbeServer(node, GATEWAY));
    for (const ns of containers) servers.push(await startProbeServer(ns));

    const t1 = performance.now();
    const plan: Array<{ from: number; to: string; address: string }> = [];
    CONTAINERS.forEach((src, i) => {
      CONTAINERS.forEach((dst) => dst !== src && plan.push({ from: i, to: dst.name, address: dst.ip }));
      plan.push({ from: i, to: `${nodeName} (gateway)`, address: GATEWAY });
    });
    result.checks = await Promise.all(
      plan.map(async (p) => ({
        from: CONTAINERS[p.from]!.name,
        to: p.to,
        address: p.address,
        ...(await probe(containers[p.from]!, p.address, PROBE_PORT, { expectSource: CONTAINERS[p.from]!.ip })),
      })),
    );
    result.timings.checksMs = performance.now() - t1;
    result.ok = result.checks.every((c) => c.ok);
    log(`\n## Reachability: TCP to port ${PROBE_PORT}, each server answers with the source address it saw\n`);
    log(
      table(
        ['', 'from', 'to', 'result', 'source seen'],
        result.checks.map((c) => [c.ok ? '✓' : '✗', c.from, `${c.to} ${c.address}`, c.ok ? `${c.ms.toFixed(1)} ms` : c.error ?? 'failed', c.seen ?? '-']),
      ),
    );
    log(`\n${result.checks.filter((c) => c.ok).length}/${result.checks.length} checks passed in ${ms(t1)}`);
  } catch (error) {
    result.error = (error as Error).message;
    log(`\n✗ ${result.error}`);
    if (created.length === 0) throw error;
  } finally {
    const t2 = performance.now();
    await Promise.all(servers.map(closeServer));
    const errors = await deleteAll(created);
    result.timings.teardownMs = performance.now() - t2;
    log(`torn down in ${ms(t2)}: namespaces ${names.join(', ')} deleted${errors.length ? ` (errors: ${errors.map((e) => e.message).join('; ')})` : ''}`);
    if (errors.length) result.ok = false;
  }
  return result;
}

export const USAGE =
  'usage: npm run example:bridge\n' +
  '  one node, a bridge br0 and three containers on it, each reaching the others and the gateway; no flags.\n' +
  '  It runs in a private network namespace that vanishes when it exits: nothing is left behind.';

if (isEntryPoint(import.meta.url)) runAsProgram(() => main(), USAGE);
