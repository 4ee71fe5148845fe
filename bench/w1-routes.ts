/**
 * W1: veth0 up with 10.0.0.1/16; add N routes 10.1.0.0+i /32 dev veth0 (one request + ACK each),
 * then delete them. Ours one by one (await each ACK) and batched (many requests per sendmsg),
 * against Go (vishvananda/netlink), Rust (rtnetlink: one at a time and a window in flight), the floor (prebuilt frames, one at a time and batched),
 * `ip -batch`, node `netlink`, and, outside the rounds, one `ip` per route (sampled and
 * extrapolated) and pyroute2.
 */
import { join } from 'node:path';
import {
  countRoutes, deleteNetns, floor, freshNetns, goNetlink, hasPyroute2, ipBatch, ipEach, nodeNetlink, ours, primaryNode, pyroute2,
  ROOT, routeAddress, routeDevice, Rows, rustRtnetlink, worker, type Row, type Setup,
} from './common.js';

const NS = 'bw1';
/** Requests the Rust peer keeps in flight in its concurrent run (within the socket's receive buffer). */
const RUST_WINDOW = 64;
type AddDel = { add: number[]; del: number[] };

export async function run(s: Setup, log: (m: string) => void): Promise<Row[]> {
  const rows = new Rows();
  const W = `W1 ${s.w1Routes.toLocaleString('en')} /32 routes`;
  const push = (tool: string, r: AddDel, extra: Partial<Row> = {}) => {
    rows.add({ workload: W, op: 'add', tool, times: r.add, ...extra });
    rows.add({ workload: W, op: 'delete', tool, times: r.del, ...extra });
  };
  freshNetns(NS);
  try {
    const dev = routeDevice(NS);
    const base = countRoutes(NS);
    const verify = (tool: string) => {
      const left = countRoutes(NS);
      if (left !== base) throw new Error(`W1 ${tool}: ${left - base} routes left behind`);
    };
    const add = Array.from({ length: s.w1Routes }, (_, i) => `route add ${routeAddress(i)}/32 dev veth0`);
    const del = Array.from({ length: s.w1Routes }, (_, i) => `route del ${routeAddress(i)}/32 dev veth0`);
    const task = { w: 'w1', netns: NS, n: s.w1Routes, reps: s.reps };

    for (let round = 1; round <= s.rounds; round++) {
      for (const node of s.nodes) {
        log(`W1 round ${round}: ours and the floor under node ${node.version}`);
        push('ours, one by one', await ours<AddDel>({ ...task, mode: 'seq' }, node), { ours: true, node });
        verify('ours seq');
        push('ours, batched', await ours<AddDel>({ ...task, mode: 'batch' }, node), {
          ours: true, node, batched: true, note: 'ns.addRoutes, ns.deleteRoutes',
        });
        verify('ours batch');
        const f = await floor<AddDel & { addBatched: number[]; delBatched: number[] }>({ ...task, dev, batch: s.w1Batch }, node);
        push('floor, one at a time', f, { role: 'floor', node, note: 'prebuilt frames, libc send + recv per request' });
        push(`floor, ${s.w1Batch} per send`, { add: f.addBatched, del: f.delBatched }, { role: 'floor', node, batched: true });
        verify('floor');
      }
      if (s.go) {
        log(`W1 round ${round}: Go`);
        push('Go vishvananda/netlink', await goNetlink<AddDel>(task, s.go), { role: 'go', note: 'RouteAdd / RouteDel, one at a time' });
        verify('go');
      }
      if (s.rust) {
        log(`W1 round ${round}: Rust`);
        const r = await rustRtnetlink<AddDel & { addConcurrent: number[]; delConcurrent: number[] }>({ ...task, window: RUST_WINDOW }, s.rust);
        push('Rust rtnetlink, one at a time', r, { role: 'rust', note: 'route().add() / route().del(), each awaited' });
        push(`Rust rtnetlink, ${RUST_WINDOW} in flight`, { add: r.addConcurrent, del: r.delConcurrent }, { note: 'for_each_concurrent: one request per datagram' });
        verify('rust');
      }
      log(`W1 round ${round}: ip -batch`);
      const batch: AddDel = { add: [], del: [] };
      for (let r = 0; r < s.reps; r++) {
        batch.add.push(ipBatch(add, NS));
        if (countRoutes(NS) !== base + s.w1Routes) throw new Error('W1 ip -batch: routes missing');
        batch.del.push(ipBatch(del, NS));
      }
      push('ip -batch', batch, { note: 'one `ip -n NS -batch FILE` process, start-up included; one request per ACK' });
      verify('ip -batch');
      log(`W1 round ${round}: node netlink`);
      push('node `netlink` rt', await nodeNetlink<AddDel>({ ...task, netns: NS }), { node: primaryNode(s) });
      verify('node netlink');
    }

    for (const node of s.nodes) {
      log(`W1: heap allocated per request under node ${node.version} (bench/tools/alloc.ts)`);
      type Phase = { bytesPerRequest: number[]; collections: Array<Record<string, number>> };
      const a = await worker<{ add: Phase; delete: Phase }>(node.path, [join(ROOT, 'dist/bench/tools/alloc.js'), JSON.stringify({ netns: NS, n: s.w1Routes, rounds: s.rounds })]);
      verify('alloc');
      const HEAP = `W1 heap allocated per request, one at a time (bytes: V8 heap in use after ${s.w1Routes.toLocaleString('en')} requests, minus before, plus what collections freed meanwhile)`;
      for (const op of ['add', 'delete'] as const) {
        rows.add({ workload: HEAP, op, tool: 'ours', times: a[op].bytesPerRequest, ours: true, node, unit: 'bytes', note: `collections per round: ${collectionsNote(a[op].collections)}` });
      }
    }

    const sample = Math.min(s.w1IpSample, s.w1Routes);
    const scale = s.w1Routes / sample;
    log(`W1: one ip per route (${sample} sampled)`);
    const each: AddDel = { add: [], del: [] };
    for (let r = 0; r < s.ipReps; r++) {
      each.add.push(ipEach(add.slice(0, sample), NS) * scale);
      each.del.push(ipEach(del.slice(0, sample), NS) * scale);
    }
    push('iproute2, one `ip` per route', each, { note: `${sample} routes timed, ×${scale} (extrapolated)` });
    verify('ip each');

    if (hasPyroute2()) {
      log('W1: pyroute2');
      push('pyroute2', await pyroute2<AddDel>({ w: 'w1', n: s.w1Routes, reps: s.slowReps }, NS));
      verify('pyroute2');
    } else {
      log('W1: pyroute2 missing, skipped');
    }
  } finally {
    deleteNetns(NS);
  }
  return rows.list;
}

/** "1 Scavenge · 2 Scavenge, 1 MarkSweepCompact · none": each round's collections by kind. */
function collectionsNote(rounds: ReadonlyArray<Record<string, number>>): string {
  return rounds.map((kinds) => Object.entries(kinds).map(([kind, count]) => `${count} ${kind}`).join(', ') || 'none').join(' · ');
}
