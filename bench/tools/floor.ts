/**
 * The floor: what a Node process pays at least for the benchmark's requests. Every frame is
 * encoded once, before the clock starts, by the few lines below (no library: neither ours nor any
 * other); the timed loops only hand them to libc `send` and read each ACK with a blocking libc
 * `recv`, both through koffi. Indexes are chosen at creation (ifi_index), so no request waits on
 * a lookup. What is left is the kernel's work plus one FFI call each way. W1 and W3 also run
 * batched: the same frames, as many to a send as the socket takes, every answer read.
 *
 *   node dist/bench/tools/floor.js '{"w":"w1","netns":"bw1","n":10000,"reps":5,"batch":64}'
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import koffi from 'koffi';
import { now } from '../common.js';

type Task =
  | { w: 'w1'; netns: string; dev: number; n: number; reps: number; batch: number }
  | { w: 'w3'; netns: string; n: number; reps: number; settleMs: number; oneQueue?: boolean; batched?: boolean; snapshots?: string }
  | { w: 'w4'; reps: number; prefix: string; settleMs: number };

// <linux/netlink.h>, <linux/rtnetlink.h>, <linux/if_link.h>, <linux/veth.h>, <sched.h>, <sys/mount.h>
const AF_NETLINK = 16, SOCK_RAW = 3, SOCK_CLOEXEC = 0x80000, NETLINK_ROUTE = 0;
const NLMSG_ERROR = 2, NLMSG_DONE = 3, NLM_F_DUMP = 0x300, NLM_F_REQUEST = 1, NLM_F_ACK = 4, NLM_F_EXCL = 0x200, NLM_F_CREATE = 0x400;
const RTM_NEWLINK = 16, RTM_DELLINK = 17, RTM_GETLINK = 18, RTM_NEWADDR = 20, RTM_NEWROUTE = 24, RTM_DELROUTE = 25, RTM_GETROUTE = 26;
const IFLA_IFNAME = 3, IFLA_MASTER = 10, IFLA_LINKINFO = 18, IFLA_GROUP = 27, IFLA_NET_NS_FD = 28, IFLA_EXT_MASK = 29;
const IFLA_NUM_TX_QUEUES = 31, IFLA_NUM_RX_QUEUES = 32;
const RTEXT_FILTER_SKIP_STATS = 8;
const IFLA_INFO_KIND = 1, IFLA_INFO_DATA = 2, VETH_INFO_PEER = 1;
const IFA_ADDRESS = 1, IFA_LOCAL = 2, RTA_DST = 1, RTA_OIF = 4, RTA_GATEWAY = 5;
const IFF_UP = 1, AF_INET = 2, RT_TABLE_MAIN = 254, RTPROT_BOOT = 3, RTN_UNICAST = 1;
const RT_SCOPE_UNIVERSE = 0, RT_SCOPE_LINK = 253;
const CLONE_NEWNET = 0x40000000, MS_BIND = 4096, MNT_DETACH = 2;
const SOL_SOCKET = 1, SO_SNDBUF = 7, SO_RCVBUF = 8, SO_RCVBUFFORCE = 33;
const CREATE = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
const CHANGE = NLM_F_REQUEST | NLM_F_ACK;

const libc = koffi.load('libc.so.6');
const sys = {
  socket: libc.func('int socket(int domain, int type, int protocol)') as (d: number, t: number, p: number) => number,
  send: libc.func('long send(int fd, const void *buf, unsigned long len, int flags)') as (fd: number, b: Uint8Array, n: number, f: number) => number,
  recv: libc.func('long recv(int fd, void *buf, unsigned long len, int flags)') as (fd: number, b: Uint8Array, n: number, f: number) => number,
  setns: libc.func('int setns(int fd, int nstype)') as (fd: number, t: number) => number,
  unshare: libc.func('int unshare(int flags)') as (f: number) => number,
  mount: libc.func('int mount(const char *s, const char *t, const char *f, unsigned long fl, const void *d)') as (s: string, t: string, f: null, fl: number, d: null) => number,
  umount2: libc.func('int umount2(const char *target, int flags)') as (t: string, f: number) => number,
  close: libc.func('int close(int fd)') as (fd: number) => number,
  unlink: libc.func('int unlink(const char *path)') as (p: string) => number,
  setsockopt: libc.func('int setsockopt(int fd, int level, int name, const void *value, unsigned int len)') as (fd: number, l: number, n: number, v: Uint8Array, len: number) => number,
  getsockopt: libc.func('int getsockopt(int fd, int level, int name, void *value, void *len)') as (fd: number, l: number, n: number, v: Uint8Array, len: Uint8Array) => number,
};

function ok(result: number, what: string): number {
  if (result < 0) throw new Error(`${what}: errno ${koffi.errno()}`);
  return result;
}

// ---- encoding, once, before any clock starts

type Attr = [type: number, payload: Uint8Array | Attr[]];
const u32 = (v: number) => new Uint8Array(Uint32Array.of(v).buffer);
const str = (s: string) => new TextEncoder().encode(`${s}\0`);
const ipv4 = (s: string) => Uint8Array.from(s.split('.').map(Number));

function attrs(list: Attr[]): Uint8Array {
  const parts = list.map(([type, payload]) => {
    const body = payload instanceof Uint8Array ? payload : attrs(payload);
    const out = new Uint8Array((4 + body.length + 3) & ~3);
    new DataView(out.buffer).setUint16(0, 4 + body.length, true);
    new DataView(out.buffer).setUint16(2, type, true);
    out.set(body, 4);
    return out;
  });
  return concat(parts);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

let seq = 0;
/** One netlink message: nlmsghdr, the family's fixed header, attributes. */
function frame(type: number, flags: number, fixed: Uint8Array, list: Attr[]): Uint8Array {
  const body = concat([fixed, attrs(list)]);
  const out = new Uint8Array(16 + body.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, out.length, true);
  v.setUint16(4, type, true);
  v.setUint16(6, flags, true);
  v.setUint32(8, ++seq, true);
  out.set(body, 16);
  return out;
}

function ifinfomsg(index: number, up = false): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setInt32(4, index, true);
  v.setUint32(8, up ? IFF_UP : 0, true);
  v.setUint32(12, up ? IFF_UP : 0, true);
  return b;
}

const rtmsg = (dstLen: number, scope: number) => Uint8Array.of(AF_INET, dstLen, 0, 0, RT_TABLE_MAIN, RTPROT_BOOT, scope, RTN_UNICAST, 0, 0, 0, 0);

interface VethFrameOptions {
  up?: boolean;
  peerNetnsFd?: number;
  master?: number;
  /** IFLA_GROUP of this end. */
  group?: number;
  /** IFLA_NUM_TX_QUEUES and IFLA_NUM_RX_QUEUES, both ends. */
  queues?: number;
}

/** A veth pair; `up` brings up this end only (the kernel refuses a peer created up: ENOTCONN). */
function veth(index: number, name: string, peerIndex: number, peer: string, opts: VethFrameOptions = {}): Uint8Array {
  const queues = (): Attr[] => (opts.queues === undefined ? [] : [[IFLA_NUM_TX_QUEUES, u32(opts.queues)], [IFLA_NUM_RX_QUEUES, u32(opts.queues)]]);
  const peerAttrs: Attr[] = [[IFLA_IFNAME, str(peer)], ...queues()];
  if (opts.peerNetnsFd !== undefined) peerAttrs.push([IFLA_NET_NS_FD, u32(opts.peerNetnsFd)]);
  const list: Attr[] = [[IFLA_IFNAME, str(name)], ...queues()];
  if (opts.group !== undefined) list.push([IFLA_GROUP, u32(opts.group)]);
  if (opts.master !== undefined) list.push([IFLA_MASTER, u32(opts.master)]);
  list.push([IFLA_LINKINFO, [[IFLA_INFO_KIND, str('veth')], [IFLA_INFO_DATA, [[VETH_INFO_PEER, concat([ifinfomsg(peerIndex), attrs(peerAttrs)])]]]]]);
  return frame(RTM_NEWLINK, CREATE, ifinfomsg(index, opts.up), list);
}

const bridge = (index: number, name: string) => frame(RTM_NEWLINK, CREATE, ifinfomsg(index, true), [[IFLA_IFNAME, str(name)], [IFLA_LINKINFO, [[IFLA_INFO_KIND, str('bridge')]]]]);
const up = (index: number) => frame(RTM_NEWLINK, CHANGE, ifinfomsg(index, true), []);
const delLink = (index: number) => frame(RTM_DELLINK, CHANGE, ifinfomsg(index), []);
/** RTM_DELLINK of every device of one group (IFLA_GROUP, no index). */
const delGroup = (group: number) => frame(RTM_DELLINK, CHANGE, ifinfomsg(0), [[IFLA_GROUP, u32(group)]]);
/** RTM_GETLINK of one link by name, without statistics, answered by the link alone (no ACK). */
const getLink = (name: string) => frame(RTM_GETLINK, NLM_F_REQUEST, ifinfomsg(0), [[IFLA_IFNAME, str(name)], [IFLA_EXT_MASK, u32(RTEXT_FILTER_SKIP_STATS)]]);

function address(index: number, cidr: string): Uint8Array {
  const [ip, len] = cidr.split('/') as [string, string];
  const fixed = Uint8Array.of(AF_INET, Number(len), 0, RT_SCOPE_UNIVERSE, ...u32(index));
  return frame(RTM_NEWADDR, CREATE, fixed, [[IFA_LOCAL, ipv4(ip)], [IFA_ADDRESS, ipv4(ip)]]);
}

function route(dst: string, gateway: string): Uint8Array {
  const [ip, len] = dst === 'default' ? ['', '0'] : (dst.split('/') as [string, string]);
  const list: Attr[] = ip ? [[RTA_DST, ipv4(ip)]] : [];
  list.push([RTA_GATEWAY, ipv4(gateway)]);
  return frame(RTM_NEWROUTE, CREATE, rtmsg(Number(len), RT_SCOPE_UNIVERSE), list);
}

/** Many frames in one buffer; `at[i]` is frame i as a view, made before the clock starts. */
function pack(frames: Uint8Array[]): { all: Uint8Array; at: Uint8Array[] } {
  const all = concat(frames);
  const at: Uint8Array[] = [];
  let o = 0;
  for (const f of frames) {
    at.push(all.subarray(o, o + f.length));
    o += f.length;
  }
  return { all, at };
}

// ---- the timed part: send, then read ACKs

const reply = new Uint8Array(65536);
const replyView = new DataView(reply.buffer);

/** Reads `count` ACKs from `fd`; any error reply throws. */
function acks(fd: number, count: number): void {
  for (let k = 0; k < count; k++) {
    ok(sys.recv(fd, reply, reply.length, 0), 'recv');
    if (replyView.getUint16(4, true) !== NLMSG_ERROR) throw new Error(`unexpected reply type ${replyView.getUint16(4, true)}`);
    const error = replyView.getInt32(16, true);
    if (error !== 0) throw new Error(`kernel error ${-error} for seq ${replyView.getUint32(28, true)}`);
  }
}

/** Sends a GET and reads its one reply; an error reply throws. */
function lookup(fd: number, f: Uint8Array): void {
  ok(sys.send(fd, f, f.length, 0), 'send');
  ok(sys.recv(fd, reply, reply.length, 0), 'recv');
  if (replyView.getUint16(4, true) !== RTM_NEWLINK) throw new Error(`unexpected reply type ${replyView.getUint16(4, true)}`);
}

function request(fd: number, f: Uint8Array): void {
  ok(sys.send(fd, f, f.length, 0), 'send');
  acks(fd, 1);
}

function socketHere(): number {
  return ok(sys.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), 'socket');
}

/** A netlink socket inside the named namespace (this thread goes there and back). */
function socketIn(name: string, home: number): number {
  const nsFd = openSync(`/run/netns/${name}`, 'r');
  try {
    ok(sys.setns(nsFd, CLONE_NEWNET), 'setns');
    return socketHere();
  } finally {
    ok(sys.setns(home, CLONE_NEWNET), 'setns home');
    closeSync(nsFd);
  }
}

const home = openSync('/proc/thread-self/ns/net', 'r');

function w1(t: Extract<Task, { w: 'w1' }>) {
  const fd = socketIn(t.netns, home);
  const dst = (i: number) => {
    const n = (10 << 24) + (1 << 16) + i;
    return Uint8Array.of((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
  };
  const routes = (type: number, flags: number) =>
    pack(Array.from({ length: t.n }, (_, i) => frame(type, flags, rtmsg(32, RT_SCOPE_LINK), [[RTA_DST, dst(i)], [RTA_OIF, u32(t.dev)]])));
  const add = routes(RTM_NEWROUTE, CREATE);
  const del = routes(RTM_DELROUTE, CHANGE);
  // Every route frame has the same length: a batch is one slice of the packed buffer.
  const chunks = (p: ReturnType<typeof pack>) => {
    const out: Array<[Uint8Array, number]> = [];
    const size = p.at[0]!.length;
    for (let i = 0; i < t.n; i += t.batch) {
      const count = Math.min(t.batch, t.n - i);
      out.push([p.all.subarray(i * size, (i + count) * size), count]);
    }
    return out;
  };
  const addChunks = chunks(add);
  const delChunks = chunks(del);
  const one = (frames: Uint8Array[]) => {
    const t0 = now();
    for (const f of frames) request(fd, f);
    return now() - t0;
  };
  const batched = (list: Array<[Uint8Array, number]>) => {
    const t0 = now();
    for (const [chunk, count] of list) {
      ok(sys.send(fd, chunk, chunk.length, 0), 'send');
      acks(fd, count);
    }
    return now() - t0;
  };
  const result = { add: [] as number[], del: [] as number[], addBatched: [] as number[], delBatched: [] as number[] };
  for (let r = 0; r < t.reps; r++) {
    result.add.push(one(add.at));
    result.del.push(one(del.at));
    result.addBatched.push(batched(addChunks));
    result.delBatched.push(batched(delChunks));
  }
  closeSync(fd);
  return result;
}

/** An int socket option (SOL_SOCKET) as the kernel holds it. */
function socketOption(fd: number, name: number): number {
  const value = new Uint8Array(4);
  ok(sys.getsockopt(fd, SOL_SOCKET, name, value, new Uint8Array(Uint32Array.of(4).buffer)), 'getsockopt');
  return new DataView(value.buffer).getInt32(0, true);
}

/** One sendmsg of a batch: its bytes, and per frame the answer's sequence number and kind. */
interface Send {
  bytes: Uint8Array;
  seqs: Uint32Array;
  /** 1 where the answer is an ACK, 0 where it is the link a GET asked for. */
  acks: Uint8Array;
}

// What an answer is charged in the receive buffer (its skb's truesize): 832 bytes for an ACK and
// 2304 for a veth's RTM_NEWLINK reply, measured on Linux 6.18 (lib/answer-cost.ts); the reply is
// budgeted at the next bucket up.
const ACK_CHARGE = 832, LINK_CHARGE = 4352;

/**
 * Frames in as few sends as the socket takes: a send holds at most SO_SNDBUF - 32 bytes (the
 * kernel refuses a bigger one), and the answers to one send must fit in the receive buffer at
 * once, since the kernel answers every request of a send before the first read and drops what
 * does not fit.
 */
function batches(frames: Uint8Array[], fd: number): Send[] {
  const sendLimit = socketOption(fd, SO_SNDBUF) - 32;
  const answerLimit = socketOption(fd, SO_RCVBUF);
  const out: Send[] = [];
  let group: Uint8Array[] = [];
  let bytes = 0, charge = 0;
  let acks: number[] = [];
  const flush = () => {
    if (group.length === 0) return;
    const seqs = Uint32Array.from(group, (f) => new DataView(f.buffer, f.byteOffset).getUint32(8, true));
    out.push({ bytes: concat(group), seqs, acks: Uint8Array.from(acks) });
    group = [];
    acks = [];
    bytes = charge = 0;
  };
  for (const f of frames) {
    const ack = new DataView(f.buffer, f.byteOffset).getUint16(6, true) & NLM_F_ACK ? 1 : 0;
    const cost = ack ? ACK_CHARGE : LINK_CHARGE;
    if (group.length > 0 && (bytes + f.length > sendLimit || charge + cost > answerLimit)) flush();
    group.push(f);
    acks.push(ack);
    bytes += f.length;
    charge += cost;
  }
  flush();
  return out;
}

/**
 * Sends each batch and reads every answer to it, in order: each must be the answer to the next
 * frame sent (its sequence number), an ACK with no error or the link a GET asked for; anything
 * else throws (an error answer fails the run, never skipped).
 */
function sendBatches(fd: number, list: Send[]): void {
  for (const { bytes, seqs, acks } of list) {
    ok(sys.send(fd, bytes, bytes.length, 0), 'send');
    let next = 0;
    while (next < seqs.length) {
      const size = ok(sys.recv(fd, reply, reply.length, 0), 'recv');
      // A datagram may hold several messages: each is one answer.
      for (let at = 0; at < size && next < seqs.length; next++) {
        const length = replyView.getUint32(at, true);
        const type = replyView.getUint16(at + 4, true);
        const seq = replyView.getUint32(at + 8, true);
        if (seq !== seqs[next]) throw new Error(`answer for seq ${seq}, expected ${seqs[next]}`);
        if (type === NLMSG_ERROR) {
          const error = replyView.getInt32(at + 16, true);
          if (error !== 0 || acks[next] === 0) throw new Error(`kernel error ${-error} for seq ${seq}`);
        } else if (type !== RTM_NEWLINK || acks[next] === 1) {
          throw new Error(`unexpected reply type ${type} for seq ${seq}`);
        }
        at += (length + 3) & ~3;
      }
    }
  }
}

/** The namespace's links and addresses as `ip -j` prints them (a dev check of what a phase made, untimed). */
function snapshot(netns: string, path: string): void {
  const ip = (...args: string[]) => JSON.parse(execFileSync('ip', ['-n', netns, '-d', '-j', ...args], { encoding: 'utf8' })) as unknown;
  writeFileSync(path, JSON.stringify({ links: ip('link', 'show'), addrs: ip('addr', 'show') }));
}

async function w3(t: Extract<Task, { w: 'w3' }>) {
  const fd = socketIn(t.netns, home);
  // The batched mode's answers wait in the receive buffer: as large as ours asks for (lib/namespace-handles.ts).
  if (t.batched) ok(sys.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, u32(1 << 20), 4), 'setsockopt SO_RCVBUFFORCE');
  const idx = Array.from({ length: t.n }, (_, i) => i);
  const a = (i: number) => 1000 + 2 * i;
  const b = (i: number) => 1001 + 2 * i;
  const quad = (x: number) => `${(x >>> 24) & 255}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}/30`;
  const base = (i: number) => (10 << 24) + (100 << 16) + 4 * i;
  // oneQueue, W3's extra phase (bench/w3-veth.ts): the pairs again with one queue each way on each
  // end, in a group for the untimed delete after it.
  const GROUP = 77;
  // Each peer is read back after its creation, as Go's LinkByName and our VethPair.create read it:
  // without that read the kernel sets up IPv6 on each end inside the later link-up request instead
  // of in its link-watch worker, and the floor's up phase would be doing more kernel work than theirs
  // (bench/results/w3-2026-12-03-d.md).
  const creates = idx.map((i) => veth(a(i), `va${i}`, b(i), `vb${i}`));
  const oneQueue = idx.map((i) => veth(a(i), `va${i}`, b(i), `vb${i}`, { group: GROUP, queues: 1 }));
  const peers = idx.map((i) => getLink(`vb${i}`));
  const phases = {
    create: creates,
    up: idx.flatMap((i) => [up(a(i)), up(b(i))]),
    addr: idx.flatMap((i) => [address(a(i), quad(base(i) + 1)), address(b(i), quad(base(i) + 2))]),
    del: idx.map((i) => delLink(a(i))),
    oneQueue,
  };
  const one = Object.fromEntries(Object.entries(phases).map(([k, frames]) => [k, pack(frames).at])) as Record<keyof typeof phases, Uint8Array[]>;
  const peersOne = pack(peers).at;
  // Batched, a create's frame is followed by its peer's lookup in the same send, and the pairs are
  // deleted untimed, in one request: each va end put in a group first.
  const withPeers = (list: Uint8Array[]) => list.flatMap((f, i) => [f, peers[i]!]);
  const DEL_GROUP = 78;
  const sent = t.batched
    ? {
        create: batches(withPeers(creates), fd),
        up: batches(phases.up, fd),
        addr: batches(phases.addr, fd),
        del: batches([...idx.map((i) => frame(RTM_NEWLINK, CHANGE, ifinfomsg(a(i)), [[IFLA_GROUP, u32(DEL_GROUP)]])), delGroup(DEL_GROUP)], fd),
        oneQueue: batches(withPeers(oneQueue), fd),
      }
    : undefined;
  const out = { create: [] as number[], up: [] as number[], addr: [] as number[], del: [] as number[], oneQueue: [] as number[], sends: {} as Record<string, number> };
  const kinds = t.oneQueue ? (['create', 'up', 'addr', 'del', 'oneQueue'] as const) : (['create', 'up', 'addr', 'del'] as const);
  for (let r = 0; r < t.reps; r++) {
    for (const k of kinds) {
      // Before each phase, as every W3 peer does (bench/w3-veth.ts).
      await new Promise((resolve) => setTimeout(resolve, t.settleMs));
      if (sent) {
        const list = sent[k];
        const t0 = now();
        sendBatches(fd, list);
        // The batched delete is untimed: no row (bench/w3-veth.ts).
        if (k !== 'del') {
          out[k].push(now() - t0);
          out.sends[k] = list.length;
        }
      } else {
        const creates = k === 'create' || k === 'oneQueue';
        const t0 = now();
        const frames = one[k];
        for (let i = 0; i < frames.length; i++) {
          request(fd, frames[i]!);
          if (creates) lookup(fd, peersOne[i]!);
        }
        out[k].push(now() - t0);
      }
      if (t.snapshots) snapshot(t.netns, `${t.snapshots}-${t.batched ? 'batched' : 'one'}-${k}-${r}.json`);
      if (k === 'oneQueue') request(fd, delGroup(GROUP));
    }
  }
  closeSync(fd);
  return out;
}

const SUBNET = ['10.0.0', '10.0.1'] as const;
const LAN = ['192.168.56.11', '192.168.56.12'] as const;
// Indexes the frames give the new devices: in each node lan0 2, br0 3, veth<c+1> 4 and 5; eth0 2.
const LAN0 = 2, BR0 = 3, ETH0 = 2;
const vethIndex = (c: number) => 4 + (c % 2);

/**
 * The cluster of bench/cluster.ts as frames, per socket in the order they are sent. A veth whose
 * peer goes to another namespace carries that namespace's fd as its last 4 bytes (IFLA_NET_NS_FD
 * ends the frame), known only once the namespace exists: `peerIn` names which, patched in place.
 */
interface Step {
  ns: number;
  frame: Uint8Array;
  peerIn?: number;
}

function clusterSteps(): Step[] {
  const steps: Step[] = [];
  for (let ns = 0; ns < 6; ns++) steps.push({ ns, frame: up(1) });
  steps.push({ ns: 0, frame: veth(LAN0, 'lan0', LAN0, 'lan0', { up: true, peerNetnsFd: 0 }), peerIn: 1 });
  steps.push({ ns: 1, frame: up(LAN0) });
  for (const n of [0, 1]) {
    steps.push({ ns: n, frame: address(LAN0, `${LAN[n]}/24`) });
    steps.push({ ns: n, frame: bridge(BR0, 'br0') });
    steps.push({ ns: n, frame: address(BR0, `${SUBNET[n]}.1/24`) });
    for (const k of [0, 1]) {
      const c = 2 * n + k;
      steps.push({ ns: n, frame: veth(vethIndex(c), `veth${c + 1}`, ETH0, 'eth0', { up: true, master: BR0, peerNetnsFd: 0 }), peerIn: 2 + c });
      steps.push({ ns: 2 + c, frame: up(ETH0) });
      steps.push({ ns: 2 + c, frame: address(ETH0, `${SUBNET[n]}.${11 + c}/24`) });
      steps.push({ ns: 2 + c, frame: route('default', `${SUBNET[n]}.1`) });
    }
  }
  steps.push({ ns: 0, frame: route(`${SUBNET[1]}.0/24`, LAN[1]) });
  steps.push({ ns: 1, frame: route(`${SUBNET[0]}.0/24`, LAN[0]) });
  return steps;
}

/** RTM_GETROUTE dump of IPv4 routes. */
const routeDump = () => frame(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, rtmsg(0, RT_SCOPE_UNIVERSE), []);

/** Dumps the socket's namespace's IPv4 routes; true if the main table has a default route. */
function hasDefaultRoute(fd: number, request: Uint8Array): boolean {
  ok(sys.send(fd, request, request.length, 0), 'send');
  let found = false;
  for (;;) {
    const size = ok(sys.recv(fd, reply, reply.length, 0), 'recv');
    for (let at = 0; at < size; ) {
      const type = replyView.getUint16(at + 4, true);
      if (type === NLMSG_DONE) return found;
      if (type === NLMSG_ERROR) throw new Error(`route dump: kernel error ${-replyView.getInt32(at + 16, true)}`);
      // rtmsg: family, dst_len, src_len, tos, table
      if (type === RTM_NEWROUTE && reply[at + 17] === 0 && reply[at + 20] === RT_TABLE_MAIN) found = true;
      at += (replyView.getUint32(at, true) + 3) & ~3;
    }
  }
}

async function w4(t: Extract<Task, { w: 'w4' }>) {
  const steps = clusterSteps();
  const build: number[] = [];
  const teardown: number[] = [];
  for (let r = 0; r < t.reps; r++) {
    const paths = ['node1', 'node2', 'c1', 'c2', 'c3', 'c4'].map((n) => `/run/netns/${t.prefix}${r}${n}`);
    await new Promise((resolve) => setTimeout(resolve, t.settleMs));
    let t0 = now();
    const sockets: number[] = [];
    const nsFds: number[] = [];
    for (const [i, path] of paths.entries()) {
      closeSync(openSync(path, 'wx'));
      ok(sys.unshare(CLONE_NEWNET), 'unshare');
      ok(sys.mount('/proc/thread-self/ns/net', path, null, MS_BIND, null), 'mount');
      sockets.push(socketHere());
      nsFds.push(openSync('/proc/thread-self/ns/net', 'r'));
      if (i < 2) writeFileSync('/proc/sys/net/ipv4/ip_forward', '1');
      ok(sys.setns(home, CLONE_NEWNET), 'setns home');
    }
    for (const s of steps) {
      if (s.peerIn !== undefined) new DataView(s.frame.buffer, s.frame.byteOffset).setUint32(s.frame.length - 4, nsFds[s.peerIn]!, true);
      request(sockets[s.ns]!, s.frame);
    }
    build.push(now() - t0);
    // Untimed, as Go and ours do between build and teardown: every container has its default route.
    for (let c = 2; c < 6; c++) if (!hasDefaultRoute(sockets[c]!, routeDump())) throw new Error(`w4: no default route in ${paths[c]}`);
    t0 = now();
    for (const [i, path] of paths.entries()) {
      // libc's own calls, as Go makes them: Node's closeSync and unlinkSync add their JavaScript
      // (validation, path handling) and its warm-up to a row under half a millisecond.
      ok(sys.close(sockets[i]!), 'close');
      ok(sys.close(nsFds[i]!), 'close');
      ok(sys.umount2(path, MNT_DETACH), 'umount2');
      ok(sys.unlink(path), 'unlink');
    }
    teardown.push(now() - t0);
  }
  return { build, teardown };
}

const task = JSON.parse(process.argv[2] ?? '{}') as Task;
const handlers = { w1, w3, w4 } as Record<string, (t: never) => unknown>;
const handler = handlers[task.w];
if (!handler) throw new Error(`unknown task ${JSON.stringify(task)}`);
process.stdout.write(`${JSON.stringify(await handler(task as never))}\n`);
process.exit(0);
