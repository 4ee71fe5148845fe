/**
 * W3: N veth pairs va<i>/vb<i>: create, both ends up (2N), a /30 on each end (2N), delete.
 * Every tool pauses W3_SETTLE_MS before each phase: the kernel goes on working after a phase's
 * last answer (the link-ups' link-watch events and IPv6 address setup, the previous namespace's
 * cleanup), and without the pause that work falls into the next phase of a tool that is quick to
 * start or quick to finish, and not of a slower one (bench/results/w3-2026-12-03-d.md).
 * Ours one by one and concurrent (the concurrent run deletes with one RTM_DELLINK by IFLA_GROUP),
 * against Go (vishvananda/netlink), Rust (rtnetlink, one at a time), the floor (prebuilt frames, one
 * at a time and batched: FLOOR_BATCHED), `ip -batch`, node `netlink`, and,
 * outside the rounds, one `ip` per op and pyroute2. Every tool starts in a fresh namespace.
 * Ours (both modes), Go, the floor and `ip -batch` then make the pairs once more with one transmit
 * and one receive queue on each end (`numTxQueues: 1, numRxQueues: 1`; ONE_QUEUE_OP), timed, and
 * delete them by their device group untimed: what the option saves against the same peers doing the
 * same. It follows the default phases in the same process, so our create path has run once already.
 */
import { join } from 'node:path';
import {
  deleteNetns, floor, freshNetns, goNetlink, hasPyroute2, ipBatch, ipEach, nodeNetlink, ours, pairAddresses, primaryNode, pyroute2,
  Rows, rustRtnetlink, type Row, type Setup, worker,
} from './common.js';

/** W3 also runs another build's worker (its root: dist/bench/tools/ours.js under it) in the same rounds: a change measured before/after. */
export const W3_OTHER_BUILD_ENV = 'NETNS_RTNL_BENCH_W3_OTHER';

const NS = 'bw3';
/** The device group of the one-queue pairs (the workers use the same), deleted at once after the phase. */
const ONE_QUEUE_GROUP = 77;
export const W3_SETTLE_MS = 250;
/** The extra phase's operation (its name must not begin with 'create': rows are looked up by prefix). */
export const ONE_QUEUE_OP = 'one-queue create';
/** The floor's frames batched: what the kernel allows the concurrent rows, with no library at all. */
export const FLOOR_BATCHED = 'floor, batched';
type Phases = { create: number[]; up: number[]; addr: number[]; del: number[]; oneQueue?: number[] };

export async function run(s: Setup, log: (m: string) => void): Promise<Row[]> {
  const rows = new Rows();
  const n = s.w3Pairs;
  // A quick run (a smoke test of the scripts) passes the pause on as 0.
  const settleMs = s.quick ? 0 : W3_SETTLE_MS;
  const pause = () => new Promise((resolve) => setTimeout(resolve, settleMs));
  const W = `W3 ${n} veth pairs`;
  // A phase a tool does not time (the batched floor's delete) has no row.
  const push = (tool: string, p: Phases, extra: Partial<Row> = {}, delTool = tool) => {
    const add = (op: string, times: number[] | undefined, name = tool) => {
      if (times?.length) rows.add({ workload: W, op, tool: name, times, ...extra });
    };
    add('create', p.create);
    add(`up (${2 * n})`, p.up);
    add(`addr (${2 * n})`, p.addr);
    add('delete', p.del, delTool);
    add(ONE_QUEUE_OP, p.oneQueue);
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
    oneQueue: idx.map((i) => `link add va${i} group ${ONE_QUEUE_GROUP} numtxqueues 1 numrxqueues 1 type veth peer name vb${i} numtxqueues 1 numrxqueues 1`),
  };
  const task = { w: 'w3', netns: NS, n, reps: s.w3Reps, settleMs, oneQueue: true };
  const other = process.env[W3_OTHER_BUILD_ENV];
  const runOther = async (node: Setup['nodes'][number]) => {
    if (!other) return;
    for (const mode of ['seq', 'concurrent'] as const) {
      fresh();
      const p = await worker<Phases>(node.path, [join(other, 'dist/bench/tools/ours.js'), JSON.stringify({ ...task, mode })]);
      push(`build ${other}, ${mode === 'seq' ? 'one by one' : 'concurrent'}`, p, { node });
    }
  };
  try {
    for (let round = 1; round <= s.rounds; round++) {
      for (const node of s.nodes) {
        log(`W3 round ${round}: ours and the floor under node ${node.version}`);
        // The other build goes first in even rounds, so that neither build always follows the same tool.
        if (round % 2 === 0) await runOther(node);
        fresh();
        push('ours, one by one', await ours<Phases>({ ...task, mode: 'seq' }, node), { ours: true, node });
        fresh();
        push('ours, concurrent', await ours<Phases>({ ...task, mode: 'concurrent' }, node), { ours: true, node },
          'ours, group delete: ns.deleteLinkGroup, one RTM_DELLINK by IFLA_GROUP');
        if (round % 2 === 1) await runOther(node);
        fresh();
        push('floor, one at a time', await floor<Phases>(task, node), { role: 'floor', node, note: 'prebuilt frames, indexes chosen at creation, each peer read back as Go and ours do' });
        fresh();
        const batched = await floor<Phases & { sends: Record<string, number> }>({ ...task, batched: true }, node);
        push(FLOOR_BATCHED, batched, {
          role: 'floor', batched: true, node,
          note: `the same frames, as many to a send as the socket takes (sends a phase: ${Object.entries(batched.sends).map(([k, v]) => `${k} ${v}`).join(', ')}), every answer read; its delete untimed`,
        });
      }
      if (s.go) {
        log(`W3 round ${round}: Go`);
        fresh();
        push('Go vishvananda/netlink', await goNetlink<Phases>(task, s.go), { role: 'go', note: 'one call at a time' });
      }
      if (s.rust) {
        log(`W3 round ${round}: Rust`);
        fresh();
        push('Rust rtnetlink, one at a time', await rustRtnetlink<Phases>(task, s.rust), { role: 'rust', note: 'one call at a time' });
      }
      log(`W3 round ${round}: ip -batch`);
      fresh();
      const batch: Phases = { create: [], up: [], addr: [], del: [], oneQueue: [] };
      for (let r = 0; r < s.w3Reps; r++) {
        for (const k of ['create', 'up', 'addr', 'del', 'oneQueue'] as const) {
          await pause();
          batch[k]!.push(ipBatch(cmds[k], NS));
        }
        ipBatch([`link delete group ${ONE_QUEUE_GROUP}`], NS);
      }
      push('ip -batch', batch, { note: 'one `ip -batch` process per phase, start-up included' });
      log(`W3 round ${round}: node netlink`);
      fresh();
      push('node `netlink` rt', await nodeNetlink<Phases>(task), { node: primaryNode(s) });
    }

    fresh();
    log('W3: one ip per op');
    const each: Phases = { create: [], up: [], addr: [], del: [] };
    for (let r = 0; r < s.ipReps; r++) {
      for (const k of ['create', 'up', 'addr', 'del'] as const) {
        await pause();
        each[k].push(ipEach(cmds[k], NS));
      }
    }
    push('iproute2, one `ip` per op', each);

    if (hasPyroute2()) {
      fresh();
      log('W3: pyroute2');
      push('pyroute2', await pyroute2<Phases>({ w: 'w3', n, reps: s.slowReps, settleMs }, NS));
    }
  } finally {
    deleteNetns(NS);
  }
  return rows.list;
}
