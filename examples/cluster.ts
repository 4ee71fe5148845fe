/**
 * The article's cluster: two nodes and four containers, where every container reaches every
 * other by IP and reaches "the internet".
 *
 * Every machine is a network namespace: "node1" and "node2" stand for the two VMs, joined by a LAN
 * 192.168.56.0/24 (a bridge in a third namespace, "lan"); "internet" sits on that LAN too and
 * holds a server at 203.0.113.10, but has no route to the container subnets, so containers reach
 * it only through the masquerade rule on their node. Nothing touches this machine's own network.
 *
 * Two ways to join the container subnets across nodes:
 * - routed (the article's part 3, the default): node1 routes 10.0.1.0/24 via node2's LAN address
 *   and the other way round;
 * - overlay (`--overlay vxlan`, as flannel, Calico VXLAN or Cilium do): each node has a vxlan device
 *   (VNI 42, UDP 4789, local = its LAN address) with an FDB entry sending to the other node, and
 *   routes the other node's container subnet through it; the LAN has no route for container subnets.
 *
 *   npm run example:cluster            (same as npm run demo)
 *   npm run example:cluster-vxlan      (same as npm run demo -- --overlay vxlan)
 *   npm run demo -- --overlay vxlan    the overlay instead of LAN routes
 *   npm run demo -- --compare          then build it 3 more times with the library and 3 times with
 *                                      bench/cluster-ip.sh (ip + nft commands), and print the times
 *                                      (examples/cluster-compare.ts)
 *   npm run demo -- --keep             leave it up until Ctrl-C and print how to look around
 *   npm run demo -- --help             the flags
 *
 * Run through npm (examples/run-isolated.mjs), everything lives in a private network + mount
 * namespace that vanishes with the process, so no run can leave anything behind for the next.
 *
 * Without --compare the demo runs no other program: namespaces, links, addresses, routes, FDB
 * entries, sysctls and the nftables masquerade are all made by this process over netlink.
 */
import type { Server } from 'node:net';
import { Bridge, Namespace, VethPair, Vxlan, type Link, type Neighbor } from '../lib/index.js';
import { compareBuildTimes, renderComparison, type CompareResult } from './cluster-compare.js';
import { closeServer, PROBE_PORT, probe, startProbeServer } from './common/probe.js';
import {
  CLUSTER_PREFIX6, containerIp6, INTERNET6, ipv6Addresses, ipv6InternetAccess, ipv6ProbeServers, ipv6Routes, NODES6, withoutDad, type DualStackParts,
} from './cluster-dual-stack.js';
import { deleteAll, isEntryPoint, parseFlags, removeLeftovers, runAsProgram, settleAfterTeardown, UsageError, type ExampleOptions } from './common/run.js';
import { indent, ms, table } from './common/show.js';

export const LAN_BRIDGE = 'br-lan';
export const CLUSTER_PREFIX = '10.0.0.0/16';
export const NODES = [
  {
    name: 'node1', lanIp: '192.168.56.11', subnet: '10.0.0.0/24', gateway: '10.0.0.1', overlayIp: '172.16.42.1',
    containers: [{ name: 'c1', ip: '10.0.0.2' }, { name: 'c2', ip: '10.0.0.3' }],
  },
  {
    name: 'node2', lanIp: '192.168.56.12', subnet: '10.0.1.0/24', gateway: '10.0.1.1', overlayIp: '172.16.42.2',
    containers: [{ name: 'c3', ip: '10.0.1.2' }, { name: 'c4', ip: '10.0.1.3' }],
  },
] as const;
export const INTERNET = { name: 'internet', lanIp: '192.168.56.100', server: '203.0.113.10', prefix: '203.0.113.0/24', port: 80 } as const;
/** The overlay: one vxlan device per node, on the node's LAN interface, with a small subnet of its own. */
export const VXLAN = { name: 'vxlan42', vni: 42, port: 4789, lowerDev: 'eth0', prefixLen: 24, subnet: '172.16.42.0/24' } as const;
const ALL_ZERO_MAC = '00:00:00:00:00:00';

/** 'routes': container subnets routed over the LAN (the article); 'vxlan': through a VXLAN overlay. */
export type ClusterMode = 'routes' | 'vxlan';

type NodeSpec = (typeof NODES)[number];
type ContainerSpec = NodeSpec['containers'][number];

export type CheckKind = 'container' | 'internet' | 'gateway';

export interface ClusterCheck {
  kind: CheckKind;
  /** The address family the check runs over. */
  family: 4 | 6;
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

export interface PacketCounters {
  rxPackets: number;
  txPackets: number;
  rxBytes: number;
  txBytes: number;
}

/** One node's vxlan device and FDB entries, as read back from the kernel. */
export interface OverlayDevice {
  node: string;
  name: string;
  index: number;
  vni?: number;
  port?: number;
  local?: string;
  /** The underlying (LAN) device's name. */
  lowerDev?: string;
  mtu?: number;
  operstate: string;
  address: string;
  /** `bridge fdb show dev vxlan42` entries: lladdr → remote tunnel endpoint. */
  fdb: Array<{ lladdr: string; dst?: string; state: string[] }>;
  /** IFLA_STATS64 right before the reachability checks, and right after. */
  counters: { before?: PacketCounters; after?: PacketCounters };
}

export interface ClusterResult {
  ok: boolean;
  mode: ClusterMode;
  /** IPv6 beside IPv4: addresses, routes, masquerade and checks in both families. */
  dualStack: boolean;
  checks: ClusterCheck[];
  nat: { ok: boolean; error?: string };
  /** In 'vxlan' mode: each node's vxlan device, its FDB, and its counters around the checks. */
  overlay?: OverlayDevice[];
  namespaces: string[];
  error?: string;
  /** What the teardown could not delete, when it could not. */
  teardownErrors?: string[];
  timings: { phases: Array<[string, number]>; buildMs: number; checksMs: number; teardownMs: number };
}

export interface ClusterOptions extends ExampleOptions {
  /** 'vxlan' joins the container subnets through a VXLAN overlay instead of LAN routes. */
  overlay?: 'vxlan';
  /** IPv6 as well (examples/cluster-dual-stack.ts): a /64 per node, and every check in both families. */
  dualStack?: boolean;
  /** Per-check bound (connect + answer), default 1500 ms. */
  timeoutMs?: number;
  /** Called with everything up, before teardown (the --keep mode waits here). */
  whileUp?: (names: string[]) => Promise<void>;
}

/** Every namespace the cluster uses, in creation order. */
export function clusterNamespaces(prefix = ''): string[] {
  return ['lan', INTERNET.name, ...NODES.flatMap((n) => [n.name, ...n.containers.map((c) => c.name)])].map((n) => prefix + n);
}

export function modeLine(mode: ClusterMode): string {
  return mode === 'vxlan'
    ? `mode: overlay (vxlan): container subnets cross the LAN inside VXLAN ${VXLAN.vni} (UDP ${VXLAN.port}); the LAN has no route for them`
    : 'mode: routed: each node routes the other node\'s container subnet via its LAN address (try --overlay vxlan)';
}

/** The title, the mode, and the diagram: the first thing the demo prints. */
export function topology(mode: ClusterMode = 'routes'): string {
  const W = 28;
  const box = (title: string, lines: string[], bottom: string, height: number): string[] => [
    `┌─ ${title} ${'─'.repeat(W - title.length - 1)}┐`,
    ...lines.map((l) => `│ ${l.padEnd(W)} │`),
    bottom,
    ...Array.from({ length: height - lines.length }, () => ''),
  ];
  const short = (ip: string): string => `.${ip.split('.').pop()}`;
  const nodeLines = (spec: NodeSpec, other: NodeSpec): string[] => [
    `br0 ${spec.gateway}/24 (gateway)`,
    'ip_forward=1',
    ...(mode === 'vxlan'
      ? [
          `${VXLAN.name} ${spec.overlayIp}/${VXLAN.prefixLen}`,
          `  VNI ${VXLAN.vni}, UDP ${VXLAN.port}, dev ${VXLAN.lowerDev}`,
          `  local ${spec.lanIp}`,
          `  fdb ${ALL_ZERO_MAC}`,
          `    dst ${other.lanIp}`,
          `${other.subnet} via ${other.overlayIp}`,
          `  dev ${VXLAN.name} (the overlay)`,
        ]
      : [`${other.subnet} via ${short(other.lanIp)}`]),
    `${INTERNET.prefix} via ${short(INTERNET.lanIp)}`,
    `masquerade ${spec.subnet}`,
    `  except to ${CLUSTER_PREFIX}`,
  ];
  const n1 = nodeLines(NODES[0], NODES[1]);
  const n2 = nodeLines(NODES[1], NODES[0]);
  const inet = [`lo ${INTERNET.server}, server :${INTERNET.port}`, 'routes: 192.168.56.0/24 only', `(none to ${CLUSTER_PREFIX})`];
  const height = Math.max(n1.length, inet.length);
  const nodeBottom = `└─────┬───────────────┬${'─'.repeat(W - 20)}┘`;
  const columns = [
    box(NODES[0].name, n1, nodeBottom, height),
    box(NODES[1].name, n2, nodeBottom, height),
    box(INTERNET.name, inet, `└${'─'.repeat(W + 2)}┘`, height),
  ];
  const rows = columns[0]!.map((_, i) => columns.map((c) => (c[i] || ' '.repeat(W + 4))).join(' ').trimEnd());
  const title = '# The article\'s cluster: 2 nodes, 4 containers, a LAN and "the internet", all network namespaces';
  const overlayNote =
    mode === 'vxlan'
      ? `\n  c1 → c3: node1 br0 → route ${NODES[1].subnet} dev ${VXLAN.name} → UDP ${NODES[0].lanIp} → ${NODES[1].lanIp}:${VXLAN.port} on the LAN → node2 ${VXLAN.name} → br0 → c3`
      : '';
  return `${title}
# ${modeLine(mode)}

                      LAN 192.168.56.0/24 (bridge ${LAN_BRIDGE} in netns "lan")
      ┌────────────────────────────────┬────────────────────────────────┬──────────────────────────────┐
  eth0 ${NODES[0].lanIp}               eth0 ${NODES[1].lanIp}               eth0 ${INTERNET.lanIp}
${rows.join('\n')}
  c1 10.0.0.2     c2 10.0.0.3      c3 10.0.1.2     c4 10.0.1.3        each: eth0, default via its gateway${overlayNote}
`;
}

/** The containers' way out: masquerade on the node, except inside the cluster. */
async function setupInternetAccess(node: Namespace, spec: NodeSpec): Promise<void> {
  await node.nat.masquerade({ source: spec.subnet, exceptDestination: CLUSTER_PREFIX });
}

type PlannedCheck = Omit<ClusterCheck, 'ok' | 'ms' | 'seen' | 'error'>;

function plan(mode: ClusterMode, dualStack = false): PlannedCheck[] {
  const all: Array<{ c: ContainerSpec; node: NodeSpec }> = NODES.flatMap((node) => node.containers.map((c) => ({ c, node })));
  const checks: PlannedCheck[] = [];
  for (const { c, node } of all) {
    for (const { c: d, node: dnode } of all) {
      if (d === c) continue;
      checks.push({
        kind: 'container', family: 4, from: c.name, fromIp: c.ip, to: d.name, address: d.ip, port: PROBE_PORT, expectSource: c.ip,
        proves: dnode === node
          ? `${node.name}'s br0 switches between its ports`
          : mode === 'vxlan'
            ? `${node.name} routes ${dnode.subnet} through ${VXLAN.name} (VXLAN to ${dnode.lanIp}); no NAT`
            : `${node.name} routes ${dnode.subnet} via ${dnode.lanIp}; no NAT inside ${CLUSTER_PREFIX}`,
      });
    }
  }
  for (const { c, node } of all) {
    checks.push({
      kind: 'internet', family: 4, from: c.name, fromIp: c.ip, to: INTERNET.name, address: INTERNET.server, port: INTERNET.port, expectSource: node.lanIp,
      proves: `masquerade on ${node.name}: the server saw ${node.name}'s LAN address`,
    });
  }
  for (const { c, node } of all) {
    checks.push({
      kind: 'gateway', family: 4, from: c.name, fromIp: c.ip, to: `${node.name} gw`, address: node.gateway, port: PROBE_PORT, expectSource: c.ip,
      proves: `veth to ${node.name}'s br0 is up; the gateway answers`,
    });
  }
  return dualStack ? [...checks, ...checks.map(overIpv6)] : checks;
}

/** The same check over IPv6: every address its IPv6 twin. */
function overIpv6(check: PlannedCheck): PlannedCheck {
  const node = NODES.findIndex((n) => n.containers.some((c) => c.name === check.from));
  const spec6 = NODES6[node]!;
  const fromIp = containerIp6(check.from);
  const to6 = (address: string): string => {
    if (address === INTERNET.server) return INTERNET6.server;
    const gateway = NODES.findIndex((n) => n.gateway === address);
    if (gateway >= 0) return NODES6[gateway]!.gateway;
    const containers: readonly ContainerSpec[] = NODES.flatMap((n): readonly ContainerSpec[] => n.containers);
    return containerIp6(containers.find((c) => c.ip === address)!.name);
  };
  const expectSource = check.kind === 'internet' ? spec6.lanIp : fromIp;
  let proves = check.proves.replaceAll(CLUSTER_PREFIX, CLUSTER_PREFIX6);
  NODES.forEach((n, i) => {
    proves = proves.replaceAll(n.subnet, NODES6[i]!.subnet).replaceAll(`via ${n.lanIp}`, `via ${NODES6[i]!.lanIp}`);
  });
  return { ...check, family: 6, fromIp, address: to6(check.address), expectSource, proves };
}

function counters(link: Link): PacketCounters | undefined {
  const s = link.raw.attrs.stats64;
  if (!s) return undefined;
  return { rxPackets: Number(s.rxPackets), txPackets: Number(s.txPackets), rxBytes: Number(s.rxBytes), txBytes: Number(s.txBytes) };
}

/** Reads a node's vxlan device and its FDB back from the kernel. */
async function readOverlay(node: Namespace, spec: NodeSpec): Promise<OverlayDevice> {
  const links = await node.links();
  const vx = links.find((l) => l.name === VXLAN.name);
  if (!vx) throw new Error(`${spec.name}: ${VXLAN.name} is missing`);
  const info = vx.raw.attrs.linkinfo;
  const data = (info && 'data' in info && info.kind === 'vxlan' ? info.data : undefined) as
    | { id?: number; port?: number; local?: string; link?: number }
    | undefined;
  const fdb: Neighbor[] = await node.fdb({ dev: VXLAN.name });
  return {
    node: spec.name,
    name: vx.name,
    index: vx.index,
    ...(data?.id !== undefined ? { vni: data.id } : {}),
    ...(data?.port !== undefined ? { port: data.port } : {}),
    ...(data?.local !== undefined ? { local: data.local } : {}),
    ...(data?.link !== undefined ? { lowerDev: links.find((l) => l.index === data.link)?.name ?? String(data.link) } : {}),
    ...(vx.mtu !== undefined ? { mtu: vx.mtu } : {}),
    operstate: vx.operstate,
    address: `${spec.overlayIp}/${VXLAN.prefixLen}`,
    fdb: fdb.map((e) => ({ lladdr: e.lladdr ?? '?', ...(e.dst !== undefined ? { dst: e.dst } : {}), state: e.stateNames })),
    counters: {},
  };
}

export function renderOverlay(devices: readonly OverlayDevice[]): string {
  const out = [`the overlay, read back from the kernel (ns.links(), ns.fdb({ dev: '${VXLAN.name}' })):`];
  out.push(
    indent(
      table(
        ['node', 'device', 'kind', 'VNI', 'UDP port', 'local', 'dev', 'mtu', 'state', 'address'],
        devices.map((d) => [d.node, `${d.name} (#${d.index})`, 'vxlan', String(d.vni ?? '?'), String(d.port ?? '?'), d.local ?? '?', d.lowerDev ?? '?', String(d.mtu ?? '?'), d.operstate, d.address]),
      ),
      '  ',
    ),
  );
  out.push('');
  out.push(
    indent(
      table(
        ['node', 'bridge fdb entry'],
        devices.flatMap((d) => d.fdb.map((e) => [d.node, `${e.lladdr} dev ${d.name} dst ${e.dst ?? '-'} self ${e.state.join(',')}`])),
      ),
      '  ',
    ),
  );
  return out.join('\n');
}

export async function runCluster(options: ClusterOptions = {}): Promise<ClusterResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const prefix = options.prefix ?? '';
  const mode: ClusterMode = options.overlay === 'vxlan' ? 'vxlan' : 'routes';
  const timeoutMs = options.timeoutMs ?? 1500;
  const names = clusterNamespaces(prefix);
  const created: Namespace[] = [];
  const servers: Server[] = [];
  const phases: Array<[string, number]> = [];
  const dualStack = options.dualStack === true;
  const result: ClusterResult = { ok: false, mode, dualStack, checks: [], nat: { ok: false }, namespaces: names, timings: { phases, buildMs: 0, checksMs: 0, teardownMs: 0 } };
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
    if (dualStack) withoutDad(created);
    phase(`${created.length} namespaces${dualStack ? ' (IPv6 DAD off)' : ''}`);

    // ---- links: the LAN bridge, each node's bridge, one veth pair per cable (and the vxlan devices), all up
    // Each namespace has a socket of its own: independent work runs concurrently, and what is
    // issued on one socket in the same tick goes out in one datagram.
    const vxlans: Vxlan[] = [];
    // lo is always index 1 in a new namespace: brought up by index, no lookup first.
    const loUp = created.map((ns) => ns.rtnl.setLink(1, { up: true }));
    const ends = new Map<string, Link>(); // eth0 of 'internet', each node and each container: the far end of its cable
    // The LAN end of each cable is made first, so IFLA_MASTER attaches it to br-lan in the same request.
    const cable = async (port: string, far: Namespace, farName: string, master: number): Promise<void> => {
      const pair = await VethPair.create({ name: port, namespace: lan, up: true, master, peer: { name: 'eth0', namespace: far, up: true } });
      ends.set(farName, pair.peer);
      pair.close();
    };
    const bridges: Bridge[] = [];
    const lanReady = Bridge.create({ name: LAN_BRIDGE, namespace: lan, up: true });
    await Promise.all([
      ...loUp,
      lanReady.then((brLan) => cable(INTERNET.name, internet, INTERNET.name, brLan.index)),
      ...NODES.map(async (spec, i) => {
        const node = nodes[i]!;
        // The node's bridge and containers do not need the LAN: built alongside it.
        const uplink = lanReady.then((brLan) => cable(spec.name, node, spec.name, brLan.index));
        uplink.catch(() => undefined); // awaited below; this only keeps an early failure of br0 from leaving it unhandled
        const br0 = await Bridge.create({ name: 'br0', namespace: node, up: true });
        bridges[i] = br0;
        await Promise.all([
          uplink,
          ...spec.containers.map(async (c) => {
            const pair = await VethPair.create({ name: `veth-${c.name}`, namespace: node, up: true, master: br0, peer: { name: 'eth0', namespace: containers.get(c.name)!, up: true } });
            ends.set(c.name, pair.peer);
            pair.close();
          }),
          // The overlay's tunnel endpoint: encapsulates in UDP from the node's LAN address, on eth0.
          ...(mode === 'vxlan'
            ? [
                uplink.then(async () => {
                  vxlans[i] = await Vxlan.create({ name: VXLAN.name, namespace: node, vni: VXLAN.vni, port: VXLAN.port, local: spec.lanIp, dev: ends.get(spec.name)!.index, learning: false, up: true });
                }),
              ]
            : []),
        ]);
      }),
    ]);
    phase(mode === 'vxlan' ? 'links (bridges, veth pairs, vxlan)' : 'links (bridges, veth pairs)');

    // ---- addresses (by the indexes the links were created with: no lookups)
    const eth0 = (name: string): number => ends.get(name)!.index;
    const v6: DualStackParts = { overlay: mode === 'vxlan', internet, nodes, containers, bridges, vxlans, eth0, nodeNames: NODES.map((n) => n.name) };
    await Promise.all([
      ...(dualStack ? ipv6Addresses(v6) : []),
      internet.addAddress(eth0(INTERNET.name), `${INTERNET.lanIp}/24`),
      internet.addAddress(1, `${INTERNET.server}/32`), // lo
      ...NODES.flatMap((spec, i) => [
        nodes[i]!.addAddress(eth0(spec.name), `${spec.lanIp}/24`),
        nodes[i]!.addAddress(bridges[i]!.index, `${spec.gateway}/24`),
        ...(mode === 'vxlan' ? [nodes[i]!.addAddress(vxlans[i]!.index, `${spec.overlayIp}/${VXLAN.prefixLen}`)] : []),
        ...spec.containers.map((c) => containers.get(c.name)!.addAddress(eth0(c.name), `${c.ip}/24`)),
      ]),
    ]);
    phase(dualStack ? 'addresses (IPv4, IPv6)' : 'addresses');

    // ---- routes and forwarding: the other node's container subnet via the LAN, or through the overlay
    await Promise.all(
      NODES.flatMap((spec, i) => {
        const node = nodes[i]!;
        node.sysctl('net.ipv4.ip_forward', 1);
        const other = NODES[1 - i]!;
        return [
          ...(mode === 'vxlan'
            ? [
                // Frames for unknown MACs (ARP broadcasts included) go to the other node's tunnel endpoint.
                node.appendFdb({ lladdr: ALL_ZERO_MAC, dev: vxlans[i]!.index, dst: other.lanIp }),
                node.addRoute({ dst: other.subnet, via: other.overlayIp, dev: vxlans[i]!.index }),
              ]
            : [node.addRoute({ dst: other.subnet, via: other.lanIp })]),
          node.addRoute({ dst: INTERNET.prefix, via: INTERNET.lanIp }),
          ...spec.containers.map((c) => containers.get(c.name)!.addRoute({ dst: 'default', via: spec.gateway })),
        ];
      }).concat(dualStack ? ipv6Routes(v6) : []),
    );
    phase((mode === 'vxlan' ? 'routes, FDB, ip_forward' : 'routes, ip_forward') + (dualStack ? ' (IPv4, IPv6)' : ''));

    // ---- NAT: the containers' only way to the internet
    try {
      await Promise.all([...NODES.map((spec, i) => setupInternetAccess(nodes[i]!, spec)), ...(dualStack ? ipv6InternetAccess(v6) : [])]);
      result.nat.ok = true;
    } catch (error) {
      result.nat.error = (error as Error).message;
      log(`! masquerade could not be set up, so the internet checks will fail: ${result.nat.error}`);
    }
    phase(dualStack ? 'masquerade (nftables, ip and ip6)' : 'masquerade (nftables)');
    result.timings.buildMs = performance.now() - t0;

    log(`built in ${ms(t0, t0 + result.timings.buildMs)} (${mode === 'vxlan' ? 'overlay: vxlan' : 'routed'}${dualStack ? ', dual stack' : ''}):`);
    for (const [name, d] of phases) log(`  ${name.padEnd(34)} ${d.toFixed(1).padStart(7)} ms`);

    // ---- the overlay as the kernel now has it
    if (mode === 'vxlan') {
      result.overlay = await Promise.all(NODES.map((spec, i) => readOverlay(nodes[i]!, spec)));
      log('');
      log(renderOverlay(result.overlay));
    }
    mark = performance.now();

    // ---- probe servers: every container, both gateways, the internet server
    servers.push(await startProbeServer(internet, INTERNET.server, INTERNET.port));
    for (const [i, spec] of NODES.entries()) servers.push(await startProbeServer(nodes[i]!, spec.gateway));
    for (const ns of containers.values()) servers.push(await startProbeServer(ns));
    if (dualStack) servers.push(...(await ipv6ProbeServers(v6, INTERNET.port)));
    phase('probe servers');
    log(`\nstarted the probe servers in ${phases.at(-1)![1].toFixed(1)} ms (one per container, gateway and the internet server)`);

    // ---- the matrix: all checks at once, each bounded by timeoutMs
    const readCounters = async (key: 'before' | 'after'): Promise<void> => {
      if (!result.overlay) return;
      await Promise.all(
        vxlans.map(async (vx, i) => {
          const c = counters(await vx.refresh());
          if (c) result.overlay![i]!.counters[key] = c;
        }),
      );
    };
    await readCounters('before');
    const t1 = performance.now();
    result.checks = await Promise.all(
      plan(mode, dualStack).map(async (p) => ({ ...p, ...(await probe(containers.get(p.from)!, p.address, p.port, { timeoutMs, expectSource: p.expectSource })) })),
    );
    result.timings.checksMs = performance.now() - t1;
    await readCounters('after');
    result.ok = result.checks.every((c) => c.ok);

    log('');
    log(renderMatrix(result.checks));
    const passed = result.checks.filter((c) => c.ok).length;
    log(`\n${passed}/${result.checks.length} checks passed in ${ms(t1, t1 + result.timings.checksMs)}${result.ok ? '' : ` — FAILED: ${failedChecks(result.checks)}`}`);
    if (result.overlay) {
      log(
        `overlay traffic during the checks (IFLA_STATS64 of ${VXLAN.name}): ` +
          result.overlay
            .map((d) => {
              const { before: b, after: a } = d.counters;
              return b && a ? `${d.node} rx +${a.rxPackets - b.rxPackets} tx +${a.txPackets - b.txPackets} packets` : `${d.node} (no counters)`;
            })
            .join(', '),
      );
    }
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
    if (errors.length) {
      result.ok = false;
      result.teardownErrors = errors.map((e) => e.message);
    }
  }
  return result;
}

/** Why a run is not ok, in one line: the error that stopped it, the failed checks, the teardown's errors. */
export function clusterFailure(result: ClusterResult): string {
  const failed = result.checks.filter((c) => !c.ok);
  const parts = [
    ...(result.error !== undefined ? [result.error] : []),
    ...(!result.nat.ok && result.nat.error !== undefined ? [`masquerade not set up: ${result.nat.error}`] : []),
    ...(failed.length ? [`${failed.length}/${result.checks.length} checks failed: ${failedChecks(result.checks)}`] : []),
    ...(result.teardownErrors?.length ? [`teardown: ${result.teardownErrors.join('; ')}`] : []),
  ];
  return parts.join('; ') || 'not ok, with no error recorded';
}

function failedChecks(checks: readonly ClusterCheck[]): string {
  return checks
    .filter((c) => !c.ok)
    .map((c) => `${c.from} → ${c.to} ${c.address}:${c.port}${c.family === 6 ? ' (IPv6)' : ''} (${c.error ?? 'failed'})`)
    .join('; ');
}

export function renderMatrix(checks: readonly ClusterCheck[]): string {
  const titles: Record<CheckKind, string> = {
    container: 'container → container (TCP :7000 on the target)',
    internet: `container → internet (TCP ${INTERNET.server}:${INTERNET.port})`,
    gateway: 'container → own gateway (TCP :7000 on the bridge address)',
  };
  const titles6: Record<CheckKind, string> = { ...titles, internet: `container → internet (TCP [${INTERNET6.server}]:${INTERNET.port})` };
  const dual = checks.some((c) => c.family === 6);
  const out: string[] = [];
  let n = 0;
  for (const [kind, family] of (['container', 'internet', 'gateway'] as const).flatMap((k) => (dual ? [[k, 4], [k, 6]] : [[k, 4]]) as Array<[CheckKind, 4 | 6]>)) {
    const rows = checks.filter((c) => c.kind === kind && c.family === family);
    out.push(`${dual ? `IPv${family}: ` : ''}${(family === 6 ? titles6 : titles)[kind]}: ${rows.filter((c) => c.ok).length}/${rows.length}`);
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

export interface DemoArgs {
  mode: ClusterMode;
  dualStack: boolean;
  keep: boolean;
  compare: boolean;
  /** Prepended to every namespace name (the tests use it to keep runs apart). */
  prefix?: string;
}

export const USAGE =
  'usage: npm run demo -- [--overlay vxlan] [--dual-stack] [--compare] [--keep]\n' +
  '  --overlay vxlan   join the nodes through a VXLAN overlay (VNI 42, UDP 4789) instead of LAN routes\n' +
  '  --dual-stack      IPv6 too: a /64 per node, IPv6 routes and masquerade, every check in both families;\n' +
  '                    prints its build time beside an IPv4-only build made just before in the same run\n' +
  '  --compare         then build it 3 more times, and 3 times with bench/cluster-ip.sh (ip + nft), and print the times\n' +
  '  --keep            leave the cluster up until Ctrl-C and print how to look around\n' +
  '  --prefix NAME     prepend NAME to every namespace name\n' +
  '  --help            this text\n' +
  'Each run lives in a private network namespace that vanishes when it exits: nothing is left behind.';

/** Parses the demo's flags (undefined for --help); throws a UsageError, with the usage, on anything else. */
export function parseDemoArgs(argv: readonly string[]): DemoArgs | undefined {
  const fail = (message: string): never => {
    throw new UsageError(`${message}\n${USAGE}`);
  };
  let flags;
  try {
    // --demo is what `npm run demo` passes: the same program.
    flags = parseFlags(argv, { demo: { type: 'boolean' }, overlay: { type: 'string' }, 'dual-stack': { type: 'boolean' }, compare: { type: 'boolean' }, keep: { type: 'boolean' }, prefix: { type: 'string' } });
  } catch (error) {
    return fail((error as Error).message);
  }
  if (flags === undefined) return undefined;
  const args: DemoArgs = { mode: 'routes', dualStack: flags['dual-stack'] === true, keep: flags.keep === true, compare: flags.compare === true };
  if (flags.overlay === 'vxlan') args.mode = 'vxlan';
  else if (flags.overlay !== undefined && flags.overlay !== 'none' && flags.overlay !== 'routes') fail(`--overlay: unknown overlay ${JSON.stringify(flags.overlay)} (only vxlan)`);
  if (flags.prefix !== undefined) {
    if (!/^[A-Za-z0-9_.-]{1,32}$/.test(flags.prefix)) fail('--prefix: expected a short namespace name prefix');
    args.prefix = flags.prefix;
  }
  return args;
}

export interface MainOptions extends ExampleOptions {
  /** Namespace name prefix for the bench/cluster-ip.sh comparison run (default 'ipsh-'). */
  comparePrefix?: string;
}

/**
 * The program: prints the topology, builds, checks, tears down; `--overlay vxlan`, `--compare`,
 * `--keep` (waits for Ctrl-C before tearing down), `--help`. A bad flag throws a UsageError.
 */
/** With --dual-stack: the IPv4-only builds made first (a warm-up, then the one timed) and the dual-stack one. */
export interface DualStackBuildTimes {
  warmupMs: number;
  ipv4Ms: number;
  dualStackMs: number;
}

export async function main(
  argv: readonly string[] = process.argv.slice(2),
  options: MainOptions = {},
): Promise<{ ok: boolean; result?: ClusterResult; compare?: CompareResult; dualStackBuild?: DualStackBuildTimes }> {
  const log = options.log ?? ((line: string) => console.log(line));
  let prefix = options.prefix ?? '';
  const isolated = process.env.NETNS_RTNL_EXAMPLE_SANDBOX === '1' || process.env.NETNS_RTNL_SANDBOX === '1';
  const args = parseDemoArgs(argv);
  if (args === undefined) {
    log(USAGE);
    return { ok: true };
  }
  if (args.prefix !== undefined) prefix = args.prefix;
  log(topology(args.mode));
  // The dual-stack build is timed beside an IPv4-only build of the same mode made just before it,
  // quietly, in this process. A first build also pays for V8 compiling the library as it runs, so
  // one more IPv4-only build comes first as a warm-up: compared with a first build, the dual-stack
  // one looked faster than IPv4 alone.
  const ipv4Builds: number[] = [];
  if (args.dualStack) {
    log(dualStackLine(args.mode));
    for (const tag of ['warm', 'v4']) {
      const ipv4 = await runCluster({ log: () => undefined, prefix: `${prefix}${tag}-`, ...(args.mode === 'vxlan' ? { overlay: 'vxlan' as const } : {}) });
      if (ipv4.ok) ipv4Builds.push(ipv4.timings.buildMs);
      await settleAfterTeardown();
    }
  }
  const start = performance.now();
  const result = await runCluster({
    log,
    prefix,
    ...(args.dualStack ? { dualStack: true } : {}),
    ...(args.mode === 'vxlan' ? { overlay: 'vxlan' as const } : {}),
    ...(args.keep ? { whileUp: (names: string[]) => waitForSignal(lookAround(names, args.mode, isolated ? process.pid : undefined), log) } : {}),
  });
  const t = result.timings;
  const total = ms(start);
  const lines = [`\ntimings (${args.mode === 'vxlan' ? 'overlay: vxlan' : 'routed'}${args.dualStack ? ', dual stack' : ''}): build ${t.buildMs.toFixed(1)} ms, checks ${t.checksMs.toFixed(1)} ms, teardown ${t.teardownMs.toFixed(1)} ms; total ${total}`];
  let dualStackBuild: DualStackBuildTimes | undefined;
  if (args.dualStack) {
    const [warmupMs, ipv4Ms] = ipv4Builds;
    if (warmupMs === undefined || ipv4Ms === undefined) {
      lines.push('build time, IPv4 only: an IPv4-only build made first did not pass its checks');
    } else {
      dualStackBuild = { warmupMs, ipv4Ms, dualStackMs: t.buildMs };
      lines.push(
        `build time: dual stack ${t.buildMs.toFixed(1)} ms beside IPv4 only ${ipv4Ms.toFixed(1)} ms (${(t.buildMs / ipv4Ms).toFixed(2)}×; ` +
          `the IPv4-only build just before, in this process, after a warm-up build of ${warmupMs.toFixed(1)} ms)`,
      );
    }
  }
  let compare: CompareResult | undefined;
  if (args.compare) {
    compare = isolated
      ? await compareBuildTimes(args.mode, options.comparePrefix ?? `${prefix}ipsh-`, t.buildMs, async (run) => {
          const again = await runCluster({ log: () => undefined, prefix: `${prefix}again${run}-`, ...(args.mode === 'vxlan' ? { overlay: 'vxlan' as const } : {}) });
          return again.ok ? { buildMs: again.timings.buildMs } : { failed: clusterFailure(again) };
        })
      : { error: 'it runs only inside the private namespace examples/run-isolated.mjs creates (npm run demo -- --compare does that)' };
    if ('error' in compare) lines.push(`no comparison with bench/cluster-ip.sh: ${compare.error}`);
    else lines.push(...renderComparison(compare));
  } else {
    lines.push(`(to compare with the same cluster built by ip + nft commands, in the same run: npm run demo -- ${args.mode === 'vxlan' ? '--overlay vxlan ' : ''}--compare)`);
  }
  lines.push(
    `result: ${
      result.ok
        ? `every container reaches every other container${args.mode === 'vxlan' ? ' (through the vxlan overlay)' : ''}, its gateway, and the internet (through its node's masquerade)${args.dualStack ? ', over IPv4 and over IPv6' : ''}`
        : 'FAILED'
    }`,
  );
  log(lines.join('\n'));
  return { ok: result.ok, result, ...(compare ? { compare } : {}), ...(dualStackBuild ? { dualStackBuild } : {}) };
}

/** The demo's note on the IPv6 half: addresses, and why the internet is reached through a masquerade. */
export function dualStackLine(mode: ClusterMode): string {
  return (
    `# dual stack: containers get an address of their node's /64 (${NODES6.map((n) => n.subnet).join(', ')}) beside the IPv4 one; ` +
    `the nodes forward IPv6 and route each other's /64 ${mode === 'vxlan' ? 'through the overlay' : 'over the LAN'}.\n` +
    `# IPv6 to the internet is masqueraded on the node, as IPv4 is: the container addresses are ULAs (fd00::/8), not routed on the internet, ` +
    `and the internet host has no route to the nodes' /64s (routed global addresses would need a delegated prefix and routes upstream).`
  );
}

/**
 * What --keep prints: how to look around the cluster from another terminal (through nsenter into
 * this process's private namespaces when `sandboxPid` is given), naming only devices `mode` made.
 */
export function lookAround(names: readonly string[], mode: ClusterMode, sandboxPid?: number): string[] {
  const enter = sandboxPid !== undefined ? `nsenter --target ${sandboxPid} --net --mount ` : '';
  const [, , node1, c1] = names;
  const alsoOnNode = mode === 'vxlan' ? `ip route, ip -d link show ${VXLAN.name}, bridge fdb show dev ${VXLAN.name}, nft list ruleset` : 'ip route, bridge link, nft list ruleset';
  return [
    `\nThe cluster stays up until you press Ctrl-C (or send SIGTERM to ${process.pid}).`,
    sandboxPid !== undefined ? 'It lives in a private network + mount namespace of this process; from another terminal, as root:' : 'Look around from another terminal, as root:',
    `  ${enter}ip netns list`,
    `  ${enter}ip netns exec ${node1} ip -br addr           # also: ${alsoOnNode}`,
    `  ${enter}ip netns exec ${c1} ip route`,
    `  ${enter}ip netns exec ${c1} curl -s telnet://${INTERNET.server}:${INTERNET.port} --max-time 2`,
  ];
}

function waitForSignal(lines: readonly string[], log: (line: string) => void): Promise<void> {
  for (const line of lines) log(line);
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      log('\nsignal received: tearing down');
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

if (isEntryPoint(import.meta.url)) runAsProgram(() => main());
