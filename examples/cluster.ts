/**
 * The article's cluster: two nodes and four containers, where every container reaches every
 * other by IP and reaches "the internet".
 *
 * Every machine is a network namespace: "node1" and "node2" stand for the two VMs, joined by a LAN
 * 192.168.56.0/24 (a bridge in a third namespace, "lan"); "internet" sits on that LAN too and
 * holds a server at 203.0.113.10, but has no route to the container subnets, so containers reach
 * it only through the masquerade rule on their node. Nothing touches this machine's own network.
 *
 *   npm run example:cluster          (same as npm run demo)
 *   npm run demo -- --keep           leave it up until Ctrl-C and print how to look around
 *   npm run demo -- --down           remove what an earlier run left behind
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Bridge, Namespace, VethPair } from '../lib/index.js';
import { closeServer, PROBE_PORT, probe, startProbeServer } from './common/probe.js';
import { deleteAll, isEntryPoint, removeLeftovers, runAsProgram, type ExampleOptions } from './common/run.js';
import { indent, ms, table } from './common/show.js';

export const LAN_BRIDGE = 'br-lan';
export const CLUSTER_PREFIX = '10.0.0.0/16';
export const NODES = [
  {
    name: 'node1', lanIp: '192.168.56.11', subnet: '10.0.0.0/24', gateway: '10.0.0.1',
    containers: [{ name: 'c1', ip: '10.0.0.2' }, { name: 'c2', ip: '10.0.0.3' }],
  },
  {
    name: 'node2', lanIp: '192.168.56.12', subnet: '10.0.1.0/24', gateway: '10.0.1.1',
    containers: [{ name: 'c3', ip: '10.0.1.2' }, { name: 'c4', ip: '10.0.1.3' }],
  },
] as const;
export const INTERNET = { name: 'internet', lanIp: '192.168.56.100', server: '203.0.113.10', prefix: '203.0.113.0/24', port: 80 } as const;

type NodeSpec = (typeof NODES)[number];
type ContainerSpec = NodeSpec['containers'][number];

export type CheckKind = 'container' | 'internet' | 'gateway';

export interface ClusterCheck {
  kind: CheckKind;
  from: string;
  fromIp: string;
  to: string;
  address: string;
  port: number;
  /** The source address the far end should see. */
  expectSource: string;
  /** What a pass demonstrates. */
  proves: string;
  ok: boolean;
  seen?: string;
  error?: string;
  ms: number;
}

export interface ClusterResult {
  ok: boolean;
  checks: ClusterCheck[];
  nat: { ok: boolean; error?: string };
  namespaces: string[];
  error?: string;
  timings: { phases: Array<[string, number]>; buildMs: number; checksMs: number; teardownMs: number };
}

export interface ClusterOptions extends ExampleOptions {
  /** Per-check bound (connect + answer), default 1500 ms. */
  timeoutMs?: number;
  /** Called with everything up, before teardown (the --keep mode waits here). */
  whileUp?: (names: string[]) => Promise<void>;
}

/** Every namespace the cluster uses, in creation order. */
export function clusterNamespaces(prefix = ''): string[] {
  return ['lan', INTERNET.name, ...NODES.flatMap((n) => [n.name, ...n.containers.map((c) => c.name)])].map((n) => prefix + n);
}

export function topology(): string {
  return `
                      LAN 192.168.56.0/24 (bridge ${LAN_BRIDGE} in netns "lan")
      ┌────────────────────────────────┬────────────────────────────────┬──────────────────────────────┐
  eth0 192.168.56.11               eth0 192.168.56.12               eth0 192.168.56.100
┌─ node1 ──────────────────────┐ ┌─ node2 ──────────────────────┐ ┌─ internet ───────────────────┐
│ br0 10.0.0.1/24 (gateway)    │ │ br0 10.0.1.1/24 (gateway)    │ │ lo 203.0.113.10, server :80  │
│ ip_forward=1                 │ │ ip_forward=1                 │ │ routes: 192.168.56.0/24 only │
│ 10.0.1.0/24 via .12          │ │ 10.0.0.0/24 via .11          │ │ (none to 10.0.0.0/16)        │
│ 203.0.113.0/24 via .100      │ │ 203.0.113.0/24 via .100      │ └──────────────────────────────┘
│ masquerade 10.0.0.0/24       │ │ masquerade 10.0.1.0/24       │
│   except to 10.0.0.0/16      │ │   except to 10.0.0.0/16      │
└─────┬───────────────┬────────┘ └─────┬───────────────┬────────┘
  c1 10.0.0.2     c2 10.0.0.3      c3 10.0.1.2     c4 10.0.1.3        each: eth0, default via its gateway
`;
}

/** The containers' way out: masquerade on the node, except inside the cluster. */
async function setupInternetAccess(node: Namespace, spec: NodeSpec): Promise<void> {
  await node.nat.masquerade({ source: spec.subnet, exceptDestination: CLUSTER_PREFIX });
}

function plan(): Array<Omit<ClusterCheck, 'ok' | 'ms' | 'seen' | 'error'>> {
  const all: Array<{ c: ContainerSpec; node: NodeSpec }> = NODES.flatMap((node) => node.containers.map((c) => ({ c, node })));
  const checks: Array<Omit<ClusterCheck, 'ok' | 'ms' | 'seen' | 'error'>> = [];
  for (const { c, node } of all) {
    for (const { c: d, node: dnode } of all) {
      if (d === c) continue;
      checks.push({
        kind: 'container', from: c.name, fromIp: c.ip, to: d.name, address: d.ip, port: PROBE_PORT, expectSource: c.ip,
        proves: dnode === node
          ? `${node.name}'s br0 switches between its ports`
          : `${node.name} routes ${dnode.subnet} via ${dnode.lanIp}; no NAT inside ${CLUSTER_PREFIX}`,
      });
    }
  }
  for (const { c, node } of all) {
    checks.push({
      kind: 'internet', from: c.name, fromIp: c.ip, to: INTERNET.name, address: INTERNET.server, port: INTERNET.port, expectSource: node.lanIp,
      proves: `masquerade on ${node.name}: the server saw ${node.name}'s LAN address`,
    });
  }
  for (const { c, node } of all) {
    checks.push({
      kind: 'gateway', from: c.name, fromIp: c.ip, to: `${node.name} gw`, address: node.gateway, port: PROBE_PORT, expectSource: c.ip,
      proves: `veth to ${node.name}'s br0 is up; the gateway answers`,
    });
  }
  return checks;
}

export async function runCluster(options: ClusterOptions = {}): Promise<ClusterResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const prefix = options.prefix ?? '';
  const timeoutMs = options.timeoutMs ?? 1500;
  const names = clusterNamespaces(prefix);
  const created: Namespace[] = [];
  const servers: Server[] = [];
  const phases: Array<[string, number]> = [];
  const result: ClusterResult = { ok: false, checks: [], nat: { ok: false }, namespaces: names, timings: { phases, buildMs: 0, checksMs: 0, teardownMs: 0 } };
  let mark = performance.now();
  const phase = (name: string): void => {
    const now = performance.now();
    phases.push([name, now - mark]);
    mark = now;
  };

  const removed = await removeLeftovers(names);
  if (removed.length) log(`(removed what an earlier run left: ${removed.join(', ')})`);

  const t0 = performance.now();
  mark = t0;
  try {
    // ---- namespaces
    const open = async (name: string): Promise<Namespace> => {
      const ns = await Namespace.create(prefix + name);
      created.push(ns);
      return ns;
    };
    const lan = await open('lan');
    const internet = await open(INTERNET.name);
    const nodes: Namespace[] = [];
    const containers = new Map<string, Namespace>();
    for (const spec of NODES) {
      nodes.push(await open(spec.name));
      for (const c of spec.containers) containers.set(c.name, await open(c.name));
    }
    phase(`${created.length} namespaces`);

    // ---- links: the LAN bridge, each node's bridge, and one veth pair per cable, all up
    const all = [...created];
    await Promise.all(all.map(async (ns) => (await ns.link('lo')).up()));
    const brLan = await Bridge.create(lan, LAN_BRIDGE, { up: true });
    // The LAN end of each cable is made first, so IFLA_MASTER attaches it to br-lan in the same request.
    const cable = async (port: string, far: Namespace): Promise<void> => {
      (await VethPair.create({ name: port, namespace: lan, up: true, master: brLan.index, peer: { name: 'eth0', namespace: far, up: true } })).close();
    };
    await Promise.all([
      cable(INTERNET.name, internet),
      ...NODES.map(async (spec, i) => {
        const node = nodes[i]!;
        await cable(spec.name, node);
        const br0 = await Bridge.create(node, 'br0', { up: true });
        await Promise.all(
          spec.containers.map(async (c) =>
            (await VethPair.create({ name: `veth-${c.name}`, namespace: node, up: true, master: br0.index, peer: { name: 'eth0', namespace: containers.get(c.name)!, up: true } })).close(),
          ),
        );
      }),
    ]);
    phase('links (bridges, veth pairs)');

    // ---- addresses
    await Promise.all([
      internet.addAddress('eth0', `${INTERNET.lanIp}/24`),
      internet.addAddress('lo', `${INTERNET.server}/32`),
      ...NODES.flatMap((spec, i) => [
        nodes[i]!.addAddress('eth0', `${spec.lanIp}/24`),
        nodes[i]!.addAddress('br0', `${spec.gateway}/24`),
        ...spec.containers.map((c) => containers.get(c.name)!.addAddress('eth0', `${c.ip}/24`)),
      ]),
    ]);
    phase('addresses');

    // ---- routes and forwarding
    await Promise.all(
      NODES.flatMap((spec, i) => {
        const node = nodes[i]!;
        node.sysctl('net.ipv4.ip_forward', 1);
        const other = NODES[1 - i]!;
        return [
          node.addRoute({ dst: other.subnet, via: other.lanIp }),
          node.addRoute({ dst: INTERNET.prefix, via: INTERNET.lanIp }),
          ...spec.containers.map((c) => containers.get(c.name)!.addRoute({ dst: 'default', via: spec.gateway })),
        ];
      }),
    );
    phase('routes, ip_forward');

    // ---- NAT: the containers' only way to the internet
    try {
      await Promise.all(NODES.map((spec, i) => setupInternetAccess(nodes[i]!, spec)));
      result.nat.ok = true;
    } catch (error) {
      result.nat.error = (error as Error).message;
      log(`! masquerade could not be set up, so the internet checks will fail: ${result.nat.error}`);
    }
    phase('masquerade (nftables)');
    result.timings.buildMs = performance.now() - t0;

    // ---- probe servers: every container, both gateways, the internet server
    servers.push(await startProbeServer(internet, INTERNET.server, INTERNET.port));
    for (const [i, spec] of NODES.entries()) servers.push(await startProbeServer(nodes[i]!, spec.gateway));
    for (const ns of containers.values()) servers.push(await startProbeServer(ns));
    phase('probe servers');

    // ---- the matrix: all checks at once, each bounded by timeoutMs
    const t1 = performance.now();
    result.checks = await Promise.all(
      plan().map(async (p) => ({ ...p, ...(await probe(containers.get(p.from)!, p.address, p.port, { timeoutMs, expectSource: p.expectSource })) })),
    );
    result.timings.checksMs = performance.now() - t1;
    result.ok = result.checks.every((c) => c.ok);
    mark = performance.now();

    log(`built in ${ms(t0, t0 + result.timings.buildMs)}:`);
    for (const [name, d] of phases) {
      if (name === 'probe servers') log(`then started the probe servers in ${d.toFixed(1)} ms (one per container, gateway and the internet server)`);
      else log(`  ${name.padEnd(30)} ${d.toFixed(1).padStart(7)} ms`);
    }
    log('');
    log(renderMatrix(result.checks));
    const passed = result.checks.filter((c) => c.ok).length;
    log(`\n${passed}/${result.checks.length} checks passed in ${ms(t1, t1 + result.timings.checksMs)}${result.ok ? '' : ' — FAILED: ' + result.checks.filter((c) => !c.ok).map((c) => `${c.from} → ${c.to} ${c.address}:${c.port} (${c.error})`).join('; ')}`);
    if (options.whileUp) await options.whileUp(names);
  } catch (error) {
    result.ok = false;
    result.error = (error as Error).message;
    log(`\n✗ ${result.error}`);
    if (created.length === 0) throw error;
  } finally {
    const t2 = performance.now();
    await Promise.all(servers.map(closeServer));
    const errors = await deleteAll(created);
    result.timings.teardownMs = performance.now() - t2;
    log(`\ntorn down in ${ms(t2, t2 + result.timings.teardownMs)}: probe servers closed, ${names.length} namespaces deleted (${names.join(', ')})${errors.length ? ` — errors: ${errors.map((e) => e.message).join('; ')}` : ''}`);
    if (errors.length) result.ok = false;
  }
  return result;
}

export function renderMatrix(checks: readonly ClusterCheck[]): string {
  const titles: Record<CheckKind, string> = {
    container: 'container → container (TCP :7000 on the target)',
    internet: `container → internet (TCP ${INTERNET.server}:${INTERNET.port})`,
    gateway: 'container → own gateway (TCP :7000 on the bridge address)',
  };
  const out: string[] = [];
  let n = 0;
  for (const kind of ['container', 'internet', 'gateway'] as const) {
    const rows = checks.filter((c) => c.kind === kind);
    out.push(`${titles[kind]}: ${rows.filter((c) => c.ok).length}/${rows.length}`);
    out.push(
      indent(
        table(
          ['#', '', 'from', 'to', 'result', 'server saw', 'proves'],
          rows.map((c) => [
            String(++n),
            c.ok ? '✓' : '✗',
            `${c.from} ${c.fromIp}`,
            `${c.to} ${c.address}`,
            c.ok ? `${c.ms.toFixed(1)} ms` : (c.error ?? 'failed'),
            c.seen ?? '-',
            c.proves,
          ]),
        ),
        '  ',
      ),
    );
    out.push('');
  }
  return out.join('\n').trimEnd();
}

/** The program: `--keep` waits for Ctrl-C before tearing down, `--down` only removes leftovers. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<{ ok: boolean }> {
  const isolated = process.env.NETNS_RTNL_EXAMPLE_SANDBOX === '1';
  if (argv.includes('--down')) {
    const removed = await removeLeftovers(clusterNamespaces());
    console.log(
      removed.length
        ? `removed ${removed.join(', ')}`
        : isolated
          ? 'nothing to remove: every run lives in a private network namespace that vanishes when it exits'
          : 'nothing to remove',
    );
    return { ok: true };
  }
  const keep = argv.includes('--keep');
  console.log('# The article\'s cluster: 2 nodes, 4 containers, a LAN and "the internet", all network namespaces');
  console.log(topology());
  const start = performance.now();
  const result = await runCluster({
    ...(keep ? { whileUp: (names: string[]) => waitForSignal(names, isolated) } : {}),
  });
  const t = result.timings;
  const total = ms(start);
  const script = isolated && !keep && !argv.includes('--no-compare') ? compareWithIpScript() : undefined;
  console.log(
    `\ntimings: build ${t.buildMs.toFixed(1)} ms, checks ${t.checksMs.toFixed(1)} ms, teardown ${t.teardownMs.toFixed(1)} ms; total ${total}` +
      (script === undefined
        ? ''
        : 'error' in script
          ? `\n(no comparison with examples/cluster-ip.sh: ${script.error})`
          : `\nthe same cluster with ip + nft commands (examples/cluster-ip.sh, run just now): build ${script.buildMs} ms, teardown ${script.teardownMs} ms` +
            ` → the library built it ${(script.buildMs / t.buildMs).toFixed(1)}× faster`) +
      `\nresult: ${result.ok ? 'every container reaches every other container, its gateway, and the internet (through its node\'s masquerade)' : 'FAILED'}`,
  );
  return result;
}

/** Runs examples/cluster-ip.sh (same topology through `ip` and `nft`) and reads its timings. */
function compareWithIpScript(): { buildMs: number; teardownMs: number } | { error: string } {
  const script = fileURLToPath(new URL('../../examples/cluster-ip.sh', import.meta.url));
  if (!existsSync(script)) return { error: `${script} is missing` };
  const run = spawnSync('bash', [script, 'ipsh-'], { encoding: 'utf8', timeout: 60_000 });
  const match = /build_ms=(\d+) teardown_ms=(\d+)/.exec(run.stdout ?? '');
  if (run.status !== 0 || !match) return { error: `it failed (${run.error?.message ?? (run.stderr || `exit ${run.status}`).trim().split('\n').pop()})` };
  return { buildMs: Number(match[1]), teardownMs: Number(match[2]) };
}

function waitForSignal(names: string[], isolated: boolean): Promise<void> {
  const enter = isolated ? `nsenter --target ${process.pid} --net --mount ` : '';
  console.log(`\nThe cluster stays up until you press Ctrl-C (or send SIGTERM to ${process.pid}).`);
  if (isolated) console.log('It lives in a private network + mount namespace of this process; from another terminal, as root:');
  else console.log('Look around from another terminal, as root:');
  console.log(`  ${enter}ip netns list`);
  console.log(`  ${enter}ip netns exec ${names[2]} ip -br addr           # also: ip route, bridge link, nft list ruleset`);
  console.log(`  ${enter}ip netns exec ${names[3]} ip route`);
  console.log(`  ${enter}ip netns exec ${names[3]} curl -s telnet://${INTERNET.server}:${INTERNET.port} --max-time 2`);
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      console.log('\nsignal received: tearing down');
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

if (isEntryPoint(import.meta.url)) runAsProgram(() => main());
