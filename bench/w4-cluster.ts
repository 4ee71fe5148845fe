/**
 * W4: the article's cluster (bench/cluster.ts): six namespaces, a LAN, two bridges, four
 * containers, routes and forwarding; built and torn down by this library, by Go
 * (vishvananda/netlink, bench/peers/go-netlink), by the floor (prebuilt frames) and by one `ip`
 * command per step (as the article does it). Each worker builds several clusters in one process:
 * the first build and the first teardown of a fresh process (modules and JIT cold) are reported
 * apart from the warm ones.
 * Each timed build starts once the kernel has freed what the previous teardown deleted.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KERNEL_CLEANUP_SETTLE_MS, settleAfterTeardown } from '../examples/common/run.js';
import { clusterIpBuild, clusterIpTeardown, clusterNames } from './cluster.js';
import { floor, goNetlink, ipEach, ours, Rows, type Row, type Setup } from './common.js';

const W = 'W4 cluster (6 netns, LAN, 2 bridges, 4 containers)';
type BuildTeardown = { build: number[]; teardown: number[] };

export async function run(s: Setup, log: (m: string) => void): Promise<Row[]> {
  const rows = new Rows();
  const push = (tool: string, r: BuildTeardown, extra: Partial<Row> = {}) => {
    rows.add({ workload: W, op: 'build, first in a fresh process', tool, times: r.build.slice(0, 1), ...extra });
    rows.add({ workload: W, op: 'build, warm process', tool, times: r.build.slice(1), ...extra });
    // The first teardown of a process runs the delete path for the first time (V8 compiles each of
    // its functions on that first call): apart from the warm ones, as the first build is.
    rows.add({ workload: W, op: 'teardown, warm process', tool, times: r.teardown.slice(1), ...extra });
    rows.add({ workload: W, op: 'teardown, first in a fresh process', tool, times: r.teardown.slice(0, 1), ...extra });
  };
  const task = { w: 'w4', reps: s.w4Reps, settleMs: KERNEL_CLEANUP_SETTLE_MS };
  // The package's code cache (bin/code-cache.ts) holds what earlier processes of the user ran. Our
  // workers of each Node line get a cache directory made for this run, and one untimed worker runs
  // first: every timed first build is a user's second or later process of this program, whatever
  // else ran before on the machine or in this run.
  const cacheEnv = new Map(s.nodes.map((node) => [node, { ...process.env, TMPDIR: mkdtempSync(join(tmpdir(), 'netns-rtnl-bench-w4-')) }]));
  for (const node of s.nodes) {
    log(`W4: a first process under node ${node.version} (untimed)`);
    await ours({ ...task, reps: 1 }, node, cacheEnv.get(node));
  }
  for (let round = 1; round <= s.rounds; round++) {
    for (const node of s.nodes) {
      log(`W4 round ${round}: ours and the floor under node ${node.version}`);
      push('ours', await ours<BuildTeardown>(task, node, cacheEnv.get(node)), { ours: true, node });
      push('floor, one at a time', await floor<BuildTeardown>({ ...task, prefix: 'f' }, node), {
        role: 'floor', node, note: 'prebuilt frames, indexes chosen at creation',
      });
    }
    if (s.go) {
      log(`W4 round ${round}: Go`);
      push('Go vishvananda/netlink', await goNetlink<BuildTeardown>({ ...task, prefix: 'g' }, s.go), { role: 'go', note: 'one call at a time' });
    }
    log(`W4 round ${round}: ip script`);
    const ip: BuildTeardown = { build: [], teardown: [] };
    for (let r = 0; r < s.w4Reps; r++) {
      const prefix = `i${r}`;
      try {
        await settleAfterTeardown();
        ip.build.push(ipEach(clusterIpBuild(prefix)));
        ip.teardown.push(ipEach(clusterIpTeardown(prefix)));
      } finally {
        const { nodes, containers } = clusterNames(prefix);
        for (const ns of [...nodes, ...containers]) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      }
    }
    // Every build of the script starts new `ip` processes: all of them count as warm builds.
    const note = `${clusterIpBuild('x').length} \`ip\` processes to build`;
    rows.add({ workload: W, op: 'build, warm process', tool: 'iproute2 script, one `ip` per step', times: ip.build, note });
    rows.add({ workload: W, op: 'teardown, warm process', tool: 'iproute2 script, one `ip` per step', times: ip.teardown });
  }
  for (const env of cacheEnv.values()) rmSync(env.TMPDIR, { recursive: true, force: true });
  return rows.list;
}
