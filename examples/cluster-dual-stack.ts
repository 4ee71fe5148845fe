/**
 * The IPv6 half of the cluster example's dual stack (`npm run demo -- --dual-stack`): every
 * machine gets an IPv6 address beside its IPv4 one, each node's containers a /64 of their own, the
 * nodes forward IPv6 and route each other's /64 (over the LAN, or through the vxlan overlay), and
 * the containers reach "the internet" over IPv6 through a masquerade on their node.
 *
 * Why a masquerade and not routed addresses: the containers' addresses are ULAs (fd00::/8), which
 * are not routed on the internet, and the simulated internet, like the real one, has no route to
 * the nodes' container prefixes (it knows only the LAN, as for IPv4). Routed addresses would need
 * a global prefix delegated to the cluster and a route for each node's /64 at the upstream router;
 * that is the better design where an operator has both, but it changes the upstream, which the
 * IPv4 half of this example does not either. So IPv6 leaves each node masqueraded to the node's LAN
 * address, as IPv4 does, and the internet server sees the node's address in both families.
 */
import type { Server } from 'node:net';
import type { Bridge, Namespace, Vxlan } from '../lib/index.js';
import { PROBE_PORT, startProbeServer } from './common/probe.js';

export const CLUSTER_PREFIX6 = 'fd00:10::/48';
export const LAN6 = { prefixLen: 64 } as const;
export const OVERLAY6 = { prefixLen: 64 } as const;
/** Per node, by position in NODES: LAN address, the containers' /64, its gateway, the overlay address, each container's address. */
export const NODES6 = [
  { lanIp: 'fd00:56::11', subnet: 'fd00:10::/64', gateway: 'fd00:10::1', overlayIp: 'fd00:42::1', containers: { c1: 'fd00:10::2', c2: 'fd00:10::3' } },
  { lanIp: 'fd00:56::12', subnet: 'fd00:10:0:1::/64', gateway: 'fd00:10:0:1::1', overlayIp: 'fd00:42::2', containers: { c3: 'fd00:10:0:1::2', c4: 'fd00:10:0:1::3' } },
] as const;
/** The internet's LAN address and its server, in the documentation prefix 2001:db8::/32. */
export const INTERNET6 = { lanIp: 'fd00:56::100', server: '2001:db8:113::10', prefix: '2001:db8:113::/64' } as const;

/** A container's IPv6 address. */
export function containerIp6(name: string): string {
  for (const node of NODES6) {
    const ip = (node.containers as Readonly<Record<string, string>>)[name];
    if (ip !== undefined) return ip;
  }
  throw new Error(`no IPv6 address for container ${name}`);
}

/** What the build has made that the IPv6 steps use. */
export interface DualStackParts {
  overlay: boolean;
  internet: Namespace;
  nodes: readonly Namespace[];
  containers: ReadonlyMap<string, Namespace>;
  bridges: readonly Bridge[];
  vxlans: readonly Vxlan[];
  /** The index of eth0 of 'internet', a node or a container, by name. */
  eth0(name: string): number;
  /** Node names, in NODES order. */
  nodeNames: readonly string[];
}

/**
 * Duplicate address detection off in every namespace, before any link exists: IPv6 addresses
 * (link-local ones too) are usable at once, rather than after a second or two of probing.
 */
export function withoutDad(namespaces: readonly Namespace[]): void {
  for (const ns of namespaces) {
    ns.sysctl('net.ipv6.conf.all.accept_dad', 0);
    ns.sysctl('net.ipv6.conf.default.accept_dad', 0);
  }
}

export function ipv6Addresses(p: DualStackParts): Array<Promise<void>> {
  const noDad = { noDad: true };
  return [
    p.internet.addAddress(p.eth0('internet'), `${INTERNET6.lanIp}/${LAN6.prefixLen}`, noDad),
    p.internet.addAddress(1, `${INTERNET6.server}/128`, noDad), // lo
    ...NODES6.flatMap((spec, i) => [
      p.nodes[i]!.addAddress(p.eth0(p.nodeNames[i]!), `${spec.lanIp}/${LAN6.prefixLen}`, noDad),
      p.nodes[i]!.addAddress(p.bridges[i]!.index, `${spec.gateway}/64`, noDad),
      ...(p.overlay ? [p.nodes[i]!.addAddress(p.vxlans[i]!.index, `${spec.overlayIp}/${OVERLAY6.prefixLen}`, noDad)] : []),
      ...Object.entries(spec.containers).map(([name, ip]) => p.containers.get(name)!.addAddress(p.eth0(name), `${ip}/64`, noDad)),
    ]),
  ];
}

/** IPv6 forwarding on the nodes, each other's /64 over the LAN (or the overlay), the internet's prefix, and the containers' default route. */
export function ipv6Routes(p: DualStackParts): Array<Promise<void>> {
  return NODES6.flatMap((spec, i) => {
    const node = p.nodes[i]!;
    node.sysctl('net.ipv6.conf.all.forwarding', 1);
    const other = NODES6[1 - i]!;
    return [
      p.overlay ? node.addRoute({ dst: other.subnet, via: other.overlayIp, dev: p.vxlans[i]!.index }) : node.addRoute({ dst: other.subnet, via: other.lanIp }),
      node.addRoute({ dst: INTERNET6.prefix, via: INTERNET6.lanIp }),
      ...Object.keys(spec.containers).map((name) => p.containers.get(name)!.addRoute({ dst: 'default', via: spec.gateway, family: 6 })),
    ];
  });
}

/** The IPv6 masquerade of each node's /64, except inside the cluster (see the file comment for why). */
export function ipv6InternetAccess(p: DualStackParts): Array<Promise<unknown>> {
  return NODES6.map((spec, i) => p.nodes[i]!.nat.masquerade({ source: spec.subnet, exceptDestination: CLUSTER_PREFIX6 }));
}

/** Probe servers on the IPv6 addresses: the internet server, each gateway, each container. */
export async function ipv6ProbeServers(p: DualStackParts, port: number): Promise<Server[]> {
  const servers = [await startProbeServer(p.internet, INTERNET6.server, port)];
  for (const [i, spec] of NODES6.entries()) servers.push(await startProbeServer(p.nodes[i]!, spec.gateway));
  for (const spec of NODES6) for (const [name, ip] of Object.entries(spec.containers)) servers.push(await startProbeServer(p.containers.get(name)!, ip, PROBE_PORT));
  return servers;
}
