/**
 * The README's diagrams of what the examples build (### What the examples build) name the same
 * namespaces, devices, addresses and ports as the examples' own constants, so an example that
 * changes its topology fails here until its picture does too.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTAINER_IP, HTTP_PORT, VM_IP } from '../../examples/part1.js';
import { CONTAINERS, GATEWAY } from '../../examples/bridge.js';
import { CLUSTER_PREFIX, INTERNET, LAN_BRIDGE, NODES, VXLAN } from '../../examples/cluster.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('### What the examples build'));
const diagrams = [...section.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map((m) => m[1]!);

function expectAll(diagram: string, words: ReadonlyArray<string | number>): void {
  for (const word of words) expect(diagram, String(word)).toContain(String(word));
}

describe('README diagrams match the examples', () => {
  it('has one diagram per example: part 1, the bridge, the cluster', () => {
    expect(diagrams).toHaveLength(3);
  });

  it('part 1: vm and containerns joined by veth1/veth0, the addresses and the HTTP port', () => {
    expectAll(diagrams[0]!, ['netns vm', 'netns containerns', 'veth1', `veth0 ${CONTAINER_IP}/24`, `lo ${VM_IP}/32`, `${CONTAINER_IP}/32 dev veth1`, 'default dev veth0', `http.server ${HTTP_PORT}`]);
  });

  it('the bridge: br0 with the gateway, each container with its port, address and default route', () => {
    expectAll(diagrams[1]!, ['netns node', `bridge br0 ${GATEWAY}/24`]);
    for (const c of CONTAINERS) expectAll(diagrams[1]!, [`veth-${c.name}`, `netns ${c.name}<br/>eth0 ${c.ip}/24<br/>default via ${GATEWAY}`]);
  });

  it('the cluster: the LAN, the internet, both nodes with their routes, masquerade and overlay, the containers', () => {
    const d = diagrams[2]!;
    expectAll(d, [`bridge ${LAN_BRIDGE}`, `netns ${INTERNET.name}`, `eth0 ${INTERNET.lanIp}/24`, `lo ${INTERNET.server}/32`, `:${INTERNET.port}`, `no route to ${CLUSTER_PREFIX}`]);
    NODES.forEach((node, i) => {
      const other = NODES[1 - i]!;
      expectAll(d, [
        `netns ${node.name}: ip_forward=1`,
        `eth0 ${node.lanIp}/24`,
        `bridge br0 ${node.gateway}/24`,
        `${other.subnet} via ${other.lanIp}`,
        `${INTERNET.prefix} via ${INTERNET.lanIp}`,
        `masquerade ${node.subnet} except to ${CLUSTER_PREFIX}`,
        `${VXLAN.name} ${node.overlayIp}/${VXLAN.prefixLen}, VNI ${VXLAN.vni}, dev ${VXLAN.lowerDev}`,
        `overlay: ${other.subnet} via ${other.overlayIp}`,
      ]);
      for (const c of node.containers) expectAll(d, [`netns ${c.name}<br/>eth0 ${c.ip}/24`, `veth-${c.name}`]);
    });
    expectAll(d, [`UDP ${VXLAN.port} from ${NODES[0].lanIp} to ${NODES[1].lanIp}`]);
  });
});
