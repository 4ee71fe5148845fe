/**
 * W4: the article's cluster (bench/cluster.ts): six namespaces, a LAN, two bridges, four
 * containers, routes and forwarding; built and torn down by this library and by one `ip`
 * command per step (as the article does it). Each timed build starts once the kernel has freed what
 * the previous teardown deleted, on both sides.
 */
import { spawnSync } from 'node:child_process';
import { settleAfterTeardown } from '../examples/common/run.js';
import { clusterIpBuild, clusterIpTeardown, clusterNames } from './cluster.js';
import { ipEach, ours, type Row, type Sizes } from './common.js';

export async function run(s: Sizes, log: (m: string) => void): Promise<Row[]> {
  const W = 'W4 cluster (6 netns, LAN, 2 bridges, 4 containers)';
  log('W4: ours');
  const o = await ours<{ build: number[]; teardown: number[] }>({ w: 'w4', reps: s.reps });
  log('W4: ip script');
  const build: number[] = [];
  const teardown: number[] = [];
  for (let r = 0; r < s.reps; r++) {
    const prefix = `i${r}`;
    try {
      await settleAfterTeardown();
      build.push(ipEach(clusterIpBuild(prefix)));
      teardown.push(ipEach(clusterIpTeardown(prefix)));
    } finally {
      const { nodes, containers } = clusterNames(prefix);
      for (const ns of [...nodes, ...containers]) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    }
  }
  const note = `${clusterIpBuild('x').length} \`ip\` processes to build`;
  return [
    { workload: W, op: 'build', tool: 'ours', times: o.build, ours: true },
    { workload: W, op: 'teardown', tool: 'ours', times: o.teardown, ours: true },
    { workload: W, op: 'build', tool: 'iproute2 script, one `ip` per step', times: build, note },
    { workload: W, op: 'teardown', tool: 'iproute2 script, one `ip` per step', times: teardown },
  ];
}
