/**
 * Namespaces: create and delete a named namespace, open a socket in one, run a process in one;
 * ours against `ip netns add/del` and `ip netns exec NS true`. Times are per operation.
 */
import { spawnSync } from 'node:child_process';
import { now, ours, Rows, sh, type Row, type Setup } from './common.js';

export async function run(s: Setup, log: (m: string) => void): Promise<Row[]> {
  const W = 'Namespaces (ms per operation)';
  const reps = s.slowReps;
  const rows = new Rows();
  for (const node of s.nodes) {
    log(`netns: ours under node ${node.version}`);
    const o = await ours<{ create: number[]; del: number[]; open: number[]; spawn: number[] }>({ w: 'netns', n: s.netnsOps, reps }, node);
    rows.add({ workload: W, op: 'create', tool: 'ours, Namespace.create', times: o.create, ours: true, node });
    rows.add({ workload: W, op: 'delete', tool: 'ours, ns.delete()', times: o.del, ours: true, node });
    rows.add({ workload: W, op: 'socket in a namespace', tool: 'ours, Namespace.open + netlink socket + one RTM_GETLINK', times: o.open, ours: true, node });
    rows.add({ workload: W, op: 'socket in a namespace', tool: 'ours, ns.spawn(`true`) to exit', times: o.spawn, ours: true, node });
  }
  log('netns: ip');
  const names = Array.from({ length: s.netnsOps }, (_, i) => `bi${i}`);
  const ip = { add: [] as number[], exec: [] as number[], del: [] as number[] };
  const per = (f: (name: string) => void) => {
    const t0 = now();
    for (const name of names) f(name);
    return (now() - t0) / names.length;
  };
  try {
    for (let r = 0; r < reps; r++) {
      ip.add.push(per((name) => sh('ip', ['netns', 'add', name])));
      ip.exec.push(per((name) => sh('ip', ['netns', 'exec', name, 'true'])));
      ip.del.push(per((name) => sh('ip', ['netns', 'del', name])));
    }
  } finally {
    for (const name of names) spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
  }
  rows.add({ workload: W, op: 'create', tool: '`ip netns add`', times: ip.add });
  rows.add({ workload: W, op: 'delete', tool: '`ip netns del`', times: ip.del });
  rows.add({ workload: W, op: 'socket in a namespace', tool: '`ip netns exec NS true`', times: ip.exec });
  return rows.list;
}
