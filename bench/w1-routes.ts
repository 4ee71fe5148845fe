/**
 * W1: veth0 up with 10.0.0.1/16; add N routes 10.1.0.0+i /32 dev veth0 (one request + ACK each),
 * then delete them. Ours one by one (await each ACK) and batched (many requests per sendmsg),
 * against one `ip` per route (sampled and extrapolated), `ip -batch`, pyroute2 and node `netlink`.
 */
import {
  countRoutes, deleteNetns, freshNetns, hasPyroute2, ipBatch, ipEach, nodeNetlink, ours, pyroute2, routeAddress, routeDevice,
  type Row, type Sizes,
} from './common.js';

const NS = 'bw1';
type AddDel = { add: number[]; del: number[] };

export async function run(s: Sizes, log: (m: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  const W = `W1 ${s.w1Routes.toLocaleString('en')} /32 routes`;
  const push = (tool: string, r: AddDel, extra: Partial<Row> = {}) => {
    rows.push({ workload: W, op: 'add', tool, times: r.add, ...extra });
    rows.push({ workload: W, op: 'delete', tool, times: r.del, ...extra });
  };
  freshNetns(NS);
  try {
    routeDevice(NS);
    const base = countRoutes(NS);
    const verify = (tool: string) => {
      const left = countRoutes(NS);
      if (left !== base) throw new Error(`W1 ${tool}: ${left - base} routes left behind`);
    };

    log('W1: ours, one by one');
    push('ours, one by one', await ours<AddDel>({ w: 'w1', netns: NS, n: s.w1Routes, reps: s.reps, mode: 'seq' }), { ours: true });
    verify('ours seq');
    log('W1: ours, batched');
    push('ours, batched', await ours<AddDel>({ w: 'w1', netns: NS, n: s.w1Routes, reps: s.reps, mode: 'batch' }), { ours: true });
    verify('ours batch');

    log('W1: ip -batch');
    const add = Array.from({ length: s.w1Routes }, (_, i) => `route add ${routeAddress(i)}/32 dev veth0`);
    const del = Array.from({ length: s.w1Routes }, (_, i) => `route del ${routeAddress(i)}/32 dev veth0`);
    const batch: AddDel = { add: [], del: [] };
    for (let r = 0; r < s.reps; r++) {
      batch.add.push(ipBatch(add, NS));
      if (countRoutes(NS) !== base + s.w1Routes) throw new Error('W1 ip -batch: routes missing');
      batch.del.push(ipBatch(del, NS));
    }
    push('ip -batch', batch, { note: 'one `ip -n NS -batch FILE` process, start-up included' });
    verify('ip -batch');

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
    log('W1: node netlink');
    push('node `netlink` rt', await nodeNetlink<AddDel>({ w: 'w1', netns: NS, n: s.w1Routes, reps: s.reps }));
    verify('node netlink');
  } finally {
    deleteNetns(NS);
  }
  return rows;
}
