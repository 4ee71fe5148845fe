/**
 * Peer worker: the `netlink` npm package's rt layer (createRtNetlink), doing the same work as
 * bench/tools/ours.ts. Its socket is opened inside the benchmark namespace through our setns
 * helper (the package has no namespace support); timing covers only the work.
 *
 *   node dist/bench/tools/node-netlink.js '{"w":"w1","netns":"bw1","n":10000,"reps":5}'
 */
import { closeSync, openSync } from 'node:fs';
import { createRtNetlink, type RtNetlinkSocket } from 'netlink';
import { withNetns } from '../../lib/sys/index.js';
import { now, pairAddresses, routeAddress } from '../common.js';

type Task =
  | { w: 'w1'; netns: string; n: number; reps: number }
  | { w: 'w2'; netns: string; reps: number }
  | { w: 'w3'; netns: string; n: number; reps: number; settleMs: number };

const task = JSON.parse(process.argv[2] ?? '{}') as Task;
const NLM_F_CREATE = 0x400;
const NLM_F_EXCL = 0x200;

function open(netns: string): RtNetlinkSocket {
  const fd = openSync(`/run/netns/${netns}`, 'r');
  try {
    return withNetns(fd, () => createRtNetlink({ ref: true } as Parameters<typeof createRtNetlink>[0]));
  } finally {
    closeSync(fd);
  }
}

const ip4 = (s: string): Buffer => Buffer.from(s.split('.').map(Number));

async function indexOf(rt: RtNetlinkSocket, name: string): Promise<number> {
  const [link] = await rt.getLink({}, { ifname: name });
  if (!link?.data.index) throw new Error(`no link ${name}`);
  return link.data.index;
}

async function w1(t: Extract<Task, { w: 'w1' }>) {
  const rt = open(t.netns);
  const oif = await indexOf(rt, 'veth0');
  const dsts = Array.from({ length: t.n }, (_, i) => routeAddress(i));
  const add: number[] = [];
  const del: number[] = [];
  for (let r = 0; r < t.reps; r++) {
    let t0 = now();
    for (const d of dsts) {
      await rt.newRoute(
        { family: 2, dstLen: 32, table: 254, protocol: 'STATIC', scope: 'LINK', type: 'UNICAST' },
        { dst: ip4(d), oif },
        { flags: NLM_F_CREATE | NLM_F_EXCL },
      );
    }
    add.push(now() - t0);
    t0 = now();
    for (const d of dsts) await rt.delRoute({ family: 2, dstLen: 32, table: 254, scope: 'NOWHERE' }, { dst: ip4(d), oif });
    del.push(now() - t0);
  }
  rt.socket.close();
  return { add, del };
}

async function w2(t: Extract<Task, { w: 'w2' }>) {
  const rt = open(t.netns);
  const dump: number[] = [];
  let count = 0;
  for (let r = 0; r < t.reps; r++) {
    const t0 = now();
    const routes = await rt.getRoutes({ family: 2, table: 254 });
    count = 0;
    for (const m of routes) if (m.attrs.dst !== undefined && m.data.table === 254) count++;
    dump.push(now() - t0);
  }
  rt.socket.close();
  return { dump, count };
}

/** IFLA_LINKINFO for a veth with peer `peer`: the package takes it as raw bytes. */
function vethInfo(peer: string): Buffer {
  const attr = (type: number, payload: Buffer): Buffer => {
    const len = 4 + payload.length;
    const b = Buffer.alloc((len + 3) & ~3);
    b.writeUInt16LE(len, 0);
    b.writeUInt16LE(type, 2);
    payload.copy(b, 4);
    return b;
  };
  const ifname = attr(3, Buffer.from(`${peer}\0`));
  const peerInfo = attr(1, Buffer.concat([Buffer.alloc(16), ifname])); // VETH_INFO_PEER: ifinfomsg + attrs
  return Buffer.concat([attr(1, Buffer.from('veth\0')), attr(2, peerInfo)]); // IFLA_INFO_KIND, IFLA_INFO_DATA
}

async function w3(t: Extract<Task, { w: 'w3' }>) {
  const rt = open(t.netns);
  const out = { create: [] as number[], up: [] as number[], addr: [] as number[], del: [] as number[] };
  const idx = Array.from({ length: t.n }, (_, i) => i);
  // Before each phase, as every W3 peer does (bench/w3-veth.ts).
  const settle = () => new Promise((resolve) => setTimeout(resolve, t.settleMs));
  for (let r = 0; r < t.reps; r++) {
    await settle();
    let t0 = now();
    for (const i of idx) {
      await rt.newLink({}, { ifname: `va${i}`, linkinfo: vethInfo(`vb${i}`) }, { flags: NLM_F_CREATE | NLM_F_EXCL });
    }
    // Indexes, as ours gets them (ours reads both ends back after each create).
    const index = new Map<string, number>();
    for (const m of await rt.getLinks()) if (m.attrs.ifname !== undefined && m.data.index) index.set(m.attrs.ifname, m.data.index);
    out.create.push(now() - t0);
    await settle();
    t0 = now();
    for (const i of idx) {
      await rt.setLink({ index: index.get(`va${i}`)!, flags: { up: true }, change: { up: true } });
      await rt.setLink({ index: index.get(`vb${i}`)!, flags: { up: true }, change: { up: true } });
    }
    out.up.push(now() - t0);
    await settle();
    t0 = now();
    for (const i of idx) {
      const ends = pairAddresses(i);
      for (const [k, name] of [`va${i}`, `vb${i}`].entries()) {
        const [address, len] = ends[k]!.split('/');
        const a = ip4(address!);
        await rt.newAddress({ family: 2, prefixlen: Number(len), index: index.get(name)! }, { local: a, address: a }, { flags: NLM_F_CREATE | NLM_F_EXCL });
      }
    }
    out.addr.push(now() - t0);
    await settle();
    t0 = now();
    for (const i of idx) await rt.delLink({ index: index.get(`va${i}`)! });
    out.del.push(now() - t0);
  }
  rt.socket.close();
  return out;
}

const handlers = { w1, w2, w3 } as Record<string, (t: never) => Promise<unknown>>;
const handler = handlers[task.w];
if (!handler) throw new Error(`unknown task ${JSON.stringify(task)}`);
const result = await handler(task as never);
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
