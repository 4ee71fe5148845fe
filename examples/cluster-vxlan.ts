/**
 * The article's cluster over a VXLAN overlay (the way flannel, Calico VXLAN and Cilium join nodes):
 * the same two nodes, four containers, LAN and "internet" as examples/cluster.ts, but the
 * container subnets cross the LAN inside VXLAN 42 (UDP 4789) between the nodes' vxlan42 devices,
 * and the LAN has no route for them. The same 20 reachability checks.
 *
 *   npm run example:cluster-vxlan          (same as npm run demo -- --overlay vxlan)
 *   npm run example:cluster-vxlan -- --compare | --keep | --help
 */
import { main } from './cluster.js';
import { isEntryPoint, runAsProgram } from './common/run.js';

export { main };

if (isEntryPoint(import.meta.url)) runAsProgram(() => main(['--overlay', 'vxlan', ...process.argv.slice(2)]));
