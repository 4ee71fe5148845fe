/**
 * W4: the article's cluster, built by this library and by one `ip` command per step.
 *
 *   node1 (netns)                           node2 (netns)
 *   br0 10.0.0.1/24 ── lan0 192.168.56.11 ═══ lan0 192.168.56.12 ── br0 10.0.1.1/24
 *    ├─ veth1 ── c1 eth0 10.0.0.11             ├─ veth3 ── c3 eth0 10.0.1.13
 *    └─ veth2 ── c2 eth0 10.0.0.12             └─ veth4 ── c4 eth0 10.0.1.14
 *
 * Six namespaces (2 nodes, 4 containers), the "LAN" a veth pair between the nodes, a bridge per
 * node, a default route in each container, a route per node to the other's container subnet,
 * ip_forward on in the nodes. Teardown deletes the six namespaces.
 */
import type { Bridge, Namespace, VethPair } from '../lib/index.js';

/**
 * The classes the cluster is built with: the package's entry as a user imports it (the bench's
 * worker, bench/tools/ours.ts), or dist/lib's modules (the examples and tests).
 */
export interface ClusterLibrary {
  Bridge: typeof Bridge;
  Namespace: typeof Namespace;
  VethPair: typeof VethPair;
}

export interface ClusterNames {
  nodes: [string, string];
  containers: [string, string, string, string];
}

export function clusterNames(prefix: string): ClusterNames {
  return {
    nodes: [`${prefix}node1`, `${prefix}node2`],
    containers: [`${prefix}c1`, `${prefix}c2`, `${prefix}c3`, `${prefix}c4`],
  };
}

const SUBNET = ['10.0.0', '10.0.1'] as const;
const LAN = ['192.168.56.11', '192.168.56.12'] as const;

export interface Cluster {
  namespaces: Namespace[];
  teardown(): Promise<void>;
}

/** Builds the cluster with this library, doing independent steps concurrently. */
export async function buildCluster(prefix: string, { Bridge, Namespace, VethPair }: ClusterLibrary): Promise<Cluster> {
  const names = clusterNames(prefix);
  const nodes = await Promise.all(names.nodes.map((n) => Namespace.create(n)));
  const containers = await Promise.all(names.containers.map((n) => Namespace.create(n)));
  const all = [...nodes, ...containers];
  const teardown = async () => {
    await Promise.all(all.map((ns) => ns.delete()));
  };
  try {
    const loUp = all.map(async (ns) => (await ns.link('lo')).up());
    const lan = (async () => {
      const pair = await VethPair.create({ name: 'lan0', namespace: nodes[0]!, up: true, peer: { name: 'lan0', namespace: nodes[1]!, up: true } });
      await Promise.all([pair.link.addAddress(`${LAN[0]}/24`), pair.peer.addAddress(`${LAN[1]}/24`)]);
      await Promise.all([
        nodes[0]!.addRoute({ dst: `${SUBNET[1]}.0/24`, via: LAN[1] }),
        nodes[1]!.addRoute({ dst: `${SUBNET[0]}.0/24`, via: LAN[0] }),
      ]);
    })();
    const perNode = nodes.map(async (node, n) => {
      node.sysctl('net.ipv4.ip_forward', 1);
      const bridge = await Bridge.create({ name: 'br0', namespace: node, up: true });
      await bridge.addAddress(`${SUBNET[n]}.1/24`);
      await Promise.all(
        [0, 1].map(async (k) => {
          const c = 2 * n + k;
          const ns = containers[c]!;
          const pair = await VethPair.create({
            name: `veth${c + 1}`,
            namespace: node,
            up: true,
            master: bridge.index,
            peer: { name: 'eth0', namespace: ns, up: true },
          });
          await pair.peer.addAddress(`${SUBNET[n]}.${11 + c}/24`);
          await ns.addRoute({ dst: 'default', via: `${SUBNET[n]}.1` });
        }),
      );
    });
    await Promise.all([...loUp, lan, ...perNode]);
  } catch (error) {
    await teardown().catch(() => undefined);
    throw error;
  }
  return { namespaces: all, teardown };
}

/** The same build as `ip` argument lists, one process each (the article's way). */
export function clusterIpBuild(prefix: string): string[][] {
  const { nodes, containers } = clusterNames(prefix);
  const cmds: string[][] = [];
  for (const ns of [...nodes, ...containers]) cmds.push(['netns', 'add', ns]);
  for (const ns of [...nodes, ...containers]) cmds.push(['-n', ns, 'link', 'set', 'lo', 'up']);
  cmds.push(['-n', nodes[0], 'link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'lan0', 'netns', nodes[1]]);
  nodes.forEach((node, n) => {
    cmds.push(['-n', node, 'addr', 'add', `${LAN[n]}/24`, 'dev', 'lan0']);
    cmds.push(['-n', node, 'link', 'set', 'lan0', 'up']);
    cmds.push(['netns', 'exec', node, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    cmds.push(['-n', node, 'link', 'add', 'br0', 'type', 'bridge']);
    cmds.push(['-n', node, 'addr', 'add', `${SUBNET[n]}.1/24`, 'dev', 'br0']);
    cmds.push(['-n', node, 'link', 'set', 'br0', 'up']);
    for (const k of [0, 1]) {
      const c = 2 * n + k;
      cmds.push(['-n', node, 'link', 'add', `veth${c + 1}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', containers[c]!]);
      cmds.push(['-n', node, 'link', 'set', `veth${c + 1}`, 'master', 'br0']);
      cmds.push(['-n', node, 'link', 'set', `veth${c + 1}`, 'up']);
      cmds.push(['-n', containers[c]!, 'addr', 'add', `${SUBNET[n]}.${11 + c}/24`, 'dev', 'eth0']);
      cmds.push(['-n', containers[c]!, 'link', 'set', 'eth0', 'up']);
      cmds.push(['-n', containers[c]!, 'route', 'add', 'default', 'via', `${SUBNET[n]}.1`]);
    }
  });
  cmds.push(['-n', nodes[0], 'route', 'add', `${SUBNET[1]}.0/24`, 'via', LAN[1]]);
  cmds.push(['-n', nodes[1], 'route', 'add', `${SUBNET[0]}.0/24`, 'via', LAN[0]]);
  return cmds;
}

export function clusterIpTeardown(prefix: string): string[][] {
  const { nodes, containers } = clusterNames(prefix);
  return [...nodes, ...containers].map((ns) => ['netns', 'del', ns]);
}
