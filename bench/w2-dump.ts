/**
 * W2: N /32 routes installed (with `ip -batch`), then one full IPv4 dump of the main table into
 * objects. Ours as decoded messages (Connection.dump) and as typed Route objects (ns.routes),
 * against Go (vishvananda/netlink), `ip route show` / `ip -j route show` printing to /dev/null,
 * pyroute2 and node `netlink`.
 */
import { closeSync, openSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import {
  countRoutes, deleteNetns, freshNetns, goNetlink, hasPyroute2, ipBatch, nodeNetlink, now, ours, primaryNode, pyroute2, routeAddress,
  routeDevice, Rows, type Row, type Setup,
} from './common.js';

const NS = 'bw2';

function ipShow(args: string[]): number {
  const devnull = openSync('/dev/null', 'w');
  try {
    const t0 = now();
    const r = spawnSync('ip', ['-n', NS, ...args], { stdio: ['ignore', devnull, 'pipe'] });
    const ms = now() - t0;
    if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${String(r.stderr)}`);
    return ms;
  } finally {
    closeSync(devnull);
  }
}

export async function run(s: Setup, log: (m: string) => void): Promise<Row[]> {
  const rows = new Rows();
  const W = `W2 dump ${s.w2Routes.toLocaleString('en')} routes`;
  freshNetns(NS);
  try {
    routeDevice(NS);
    log(`W2: installing ${s.w2Routes} routes with ip -batch`);
    ipBatch(Array.from({ length: s.w2Routes }, (_, i) => `route add ${routeAddress(i)}/32 dev veth0`), NS);
    const total = countRoutes(NS);
    if (total < s.w2Routes) throw new Error(`W2: only ${total} routes installed`);

    for (let round = 1; round <= s.rounds; round++) {
      for (const node of s.nodes) {
        log(`W2 round ${round}: ours under node ${node.version}`);
        const o = await ours<{ raw: number[]; typed: number[]; counts: number[] }>({ w: 'w2', netns: NS, reps: s.reps }, node);
        if (o.counts.some((c) => c < s.w2Routes)) throw new Error(`W2 ours: dumped ${o.counts.join('/')} of ${total}`);
        rows.add({ workload: W, op: 'dump', tool: 'ours, ns.routes() → Route objects', times: o.typed, ours: true, node });
        rows.add({ workload: W, op: 'dump', tool: 'ours, Connection.dump → decoded messages', times: o.raw, ours: true, node });
      }
      if (s.go) {
        log(`W2 round ${round}: Go`);
        const g = await goNetlink<{ dump: number[]; count: number }>({ w: 'w2', netns: NS, reps: s.reps }, s.go);
        if (g.count < s.w2Routes) throw new Error(`W2 Go: ${g.count} routes`);
        rows.add({ workload: W, op: 'dump', tool: 'Go vishvananda/netlink', times: g.dump, role: 'go', note: 'RouteListFiltered(table main) → []Route' });
      }
      log(`W2 round ${round}: ip route show`);
      const show: number[] = [];
      const json: number[] = [];
      for (let r = 0; r < s.reps; r++) {
        show.push(ipShow(['-4', 'route', 'show', 'table', 'main']));
        json.push(ipShow(['-j', '-4', 'route', 'show', 'table', 'main']));
      }
      rows.add({ workload: W, op: 'dump', tool: '`ip route show` > /dev/null', times: show, note: 'process start-up included' });
      rows.add({ workload: W, op: 'dump', tool: '`ip -j route show` > /dev/null', times: json, note: 'process start-up included' });
      log(`W2 round ${round}: node netlink`);
      const n = await nodeNetlink<{ dump: number[]; count: number }>({ w: 'w2', netns: NS, reps: s.reps });
      if (n.count < s.w2Routes) throw new Error(`W2 node netlink: ${n.count} routes`);
      rows.add({ workload: W, op: 'dump', tool: 'node `netlink` rt', times: n.dump, node: primaryNode(s) });
    }

    if (hasPyroute2()) {
      log('W2: pyroute2');
      const p = await pyroute2<{ dump: number[]; count: number }>({ w: 'w2', reps: s.slowReps }, NS);
      if (p.count < s.w2Routes) throw new Error(`W2 pyroute2: ${p.count} routes`);
      rows.add({ workload: W, op: 'dump', tool: 'pyroute2', times: p.dump });
    }
  } finally {
    deleteNetns(NS);
  }
  return rows.list;
}
