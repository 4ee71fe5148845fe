/**
 * W3: N veth pairs va<i>/vb<i>: create, both ends up (2N), a /30 on each end (2N), delete.
 * Ours one by one and concurrent (the concurrent run deletes with one RTM_DELLINK by IFLA_GROUP),
 * against one `ip` per op, `ip -batch`, pyroute2 and node `netlink`.
 */
import {
  deleteNetns, freshNetns, hasPyroute2, ipBatch, ipEach, nodeNetlink, ours, pairAddresses, pyroute2, type Row, type Sizes,
} from './common.js';

const NS = 'bw3';
type Phases = { create: number[]; up: number[]; addr: number[]; del: number[] };

export async function run(s: Sizes, log: (m: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  const n = s.w3Pairs;
  const W = `W3 ${n} veth pairs`;
  const push = (tool: string, p: Phases, extra: Partial<Row> = {}, delTool = tool) => {
    rows.push({ workload: W, op: 'create', tool, times: p.create, ...extra });
    rows.push({ workload: W, op: `up (${2 * n})`, tool, times: p.up, ...extra });
    rows.push({ workload: W, op: `addr (${2 * n})`, tool, times: p.addr, ...extra });
    rows.push({ workload: W, op: 'delete', tool: delTool, times: p.del, ...extra });
  };
  const fresh = () => freshNetns(NS);
  const idx = Array.from({ length: n }, (_, i) => i);
  const cmds = {
    create: idx.map((i) => `link add va${i} type veth peer name vb${i}`),
    up: idx.flatMap((i) => [`link set va${i} up`, `link set vb${i} up`]),
    addr: idx.flatMap((i) => {
      const [a, b] = pairAddresses(i);
      return [`addr add ${a} dev va${i}`, `addr add ${b} dev vb${i}`];
    }),
    del: idx.map((i) => `link del va${i}`),
  };
  try {
    fresh();
    log('W3: ours, one by one');
    push('ours, one by one', await ours<Phases>({ w: 'w3', netns: NS, n, reps: s.slowReps, mode: 'seq' }), { ours: true });
    fresh();
    log('W3: ours, concurrent');
    push('ours, concurrent', await ours<Phases>({ w: 'w3', netns: NS, n, reps: s.slowReps, mode: 'concurrent' }), { ours: true },
      'ours, group delete: ns.deleteLinkGroup, one RTM_DELLINK by IFLA_GROUP');

    fresh();
    log('W3: ip -batch');
    const batch: Phases = { create: [], up: [], addr: [], del: [] };
    for (let r = 0; r < s.slowReps; r++) {
      for (const k of ['create', 'up', 'addr', 'del'] as const) batch[k].push(ipBatch(cmds[k], NS));
    }
    push('ip -batch', batch, { note: 'one `ip -batch` process per phase, start-up included' });

    fresh();
    log('W3: one ip per op');
    const each: Phases = { create: [], up: [], addr: [], del: [] };
    for (let r = 0; r < s.ipReps; r++) {
      for (const k of ['create', 'up', 'addr', 'del'] as const) each[k].push(ipEach(cmds[k], NS));
    }
    push('iproute2, one `ip` per op', each);

    if (hasPyroute2()) {
      fresh();
      log('W3: pyroute2');
      push('pyroute2', await pyroute2<Phases>({ w: 'w3', n, reps: s.slowReps }, NS));
    }
    fresh();
    log('W3: node netlink');
    push('node `netlink` rt', await nodeNetlink<Phases>({ w: 'w3', netns: NS, n, reps: s.slowReps }));
  } finally {
    deleteNetns(NS);
  }
  return rows;
}
