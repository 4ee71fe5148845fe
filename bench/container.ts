/**
 * Per-container setup, as a container runtime's ADD: a namespace, a veth pair with one end in it,
 * an address, both ends up, a default route. Ours against the same with `ip` commands.
 * Times are per container (min and median over the containers).
 */
import { spawnSync } from 'node:child_process';
import { CONTAINER_GATEWAY, containerAddress, deleteNetns, freshNetns, now, ours, Rows, sh, type Row, type Setup } from './common.js';

const HOST = 'bhost';

export async function run(s: Setup, log: (m: string) => void): Promise<Row[]> {
  const W = 'Per-container setup (ms per container)';
  const n = s.containers;
  freshNetns(HOST);
  try {
    const rows = new Rows();
    for (const node of s.nodes) {
      log(`container: ours under node ${node.version}`);
      // Names of its own per Node line: the kernel removes a deleted namespace's devices (the host
      // ends of its pairs) asynchronously, after the previous worker has exited.
      const o = await ours<{ setup: number[] }>({ w: 'container', n, host: HOST, tag: node.major }, node);
      rows.add({ workload: W, op: 'setup', tool: 'ours', times: o.setup, ours: true, node });
    }
    log('container: ip');
    const ip: number[] = [];
    const names = Array.from({ length: n }, (_, i) => `bk${i}`);
    try {
      for (const [i, ct] of names.entries()) {
        const t0 = now();
        sh('ip', ['netns', 'add', ct]);
        sh('ip', ['-n', HOST, 'link', 'add', `hk${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ct]);
        sh('ip', ['-n', HOST, 'link', 'set', `hk${i}`, 'up']);
        sh('ip', ['-n', ct, 'link', 'set', 'eth0', 'up']);
        sh('ip', ['-n', ct, 'addr', 'add', containerAddress(i), 'dev', 'eth0']);
        sh('ip', ['-n', ct, 'route', 'add', 'default', 'via', CONTAINER_GATEWAY]);
        ip.push(now() - t0);
      }
    } finally {
      for (const ct of names) spawnSync('ip', ['netns', 'del', ct], { stdio: 'ignore' });
    }
    rows.add({ workload: W, op: 'setup', tool: 'iproute2, 6 `ip` commands', times: ip });
    return rows.list;
  } finally {
    deleteNetns(HOST);
  }
}
