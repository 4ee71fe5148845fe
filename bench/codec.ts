/**
 * Codec benchmark (`npm run bench:codec`): decodes a kernel-format dump of 100,000 IPv4 routes and
 * encodes 100,000 RTM_NEWROUTE requests, printing messages per second.
 *
 * The dump is what `ip route show table main` receives for 100,000 routes added with
 * `ip route add 10.1.x.y/32 dev veth0 table main proto static scope link`: each RTM_NEWROUTE is
 * 52 bytes (nlmsghdr, rtmsg, then RTA_TABLE, RTA_DST, RTA_OIF in that order, as captured from
 * Linux 6.18), packed as many per 32 KiB datagram as fit, NLMSG_DONE after the last.
 */
import { decodeMessages, encodeMessage, encodeMessages, type NetlinkMessage, type RouteMessage } from '../messages/message.js';
import {
  AF_INET,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_EXCL,
  NLM_F_MULTI,
  NLM_F_REQUEST,
  NLMSG_DONE,
  RTM_NEWROUTE,
} from '../messages/constants.js';
import { RTA_DST, RTA_OIF, RTA_TABLE, RTN_UNICAST, RTPROT_STATIC, RT_TABLE_MAIN } from '../messages/route/index.js';
import { RT_SCOPE_LINK } from '../messages/address/index.js';

const ROUTES = 100_000;
const DATAGRAM = 32 * 1024;
const ROUTE_LEN = 52;
const DONE_LEN = 20;
const IFINDEX = 2;
const PID = 4242;
const SEQ = 1_700_000_000;

function routeAddress(i: number): [number, number, number, number] {
  return [10, 1 + (i >> 16), (i >> 8) & 0xff, i & 0xff];
}

/** Writes one RTM_NEWROUTE exactly as the kernel lays it out; returns the offset after it. */
function putRoute(view: DataView, at: number, i: number): number {
  view.setUint32(at, ROUTE_LEN, true); // nlmsg_len
  view.setUint16(at + 4, RTM_NEWROUTE, true);
  view.setUint16(at + 6, NLM_F_MULTI, true);
  view.setUint32(at + 8, SEQ, true);
  view.setUint32(at + 12, PID, true);
  // struct rtmsg
  view.setUint8(at + 16, AF_INET);
  view.setUint8(at + 17, 32); // rtm_dst_len
  view.setUint8(at + 18, 0); // rtm_src_len
  view.setUint8(at + 19, 0); // rtm_tos
  view.setUint8(at + 20, RT_TABLE_MAIN);
  view.setUint8(at + 21, RTPROT_STATIC);
  view.setUint8(at + 22, RT_SCOPE_LINK);
  view.setUint8(at + 23, RTN_UNICAST);
  view.setUint32(at + 24, 0, true); // rtm_flags
  // RTA_TABLE
  view.setUint16(at + 28, 8, true);
  view.setUint16(at + 30, RTA_TABLE, true);
  view.setUint32(at + 32, RT_TABLE_MAIN, true);
  // RTA_DST
  view.setUint16(at + 36, 8, true);
  view.setUint16(at + 38, RTA_DST, true);
  const [a, b, c, d] = routeAddress(i);
  view.setUint8(at + 40, a);
  view.setUint8(at + 41, b);
  view.setUint8(at + 42, c);
  view.setUint8(at + 43, d);
  // RTA_OIF
  view.setUint16(at + 44, 8, true);
  view.setUint16(at + 46, RTA_OIF, true);
  view.setUint32(at + 48, IFINDEX, true);
  return at + ROUTE_LEN;
}

function buildDump(): Uint8Array[] {
  const perDatagram = Math.floor(DATAGRAM / ROUTE_LEN);
  const datagrams: Uint8Array[] = [];
  for (let first = 0; first < ROUTES; first += perDatagram) {
    const count = Math.min(perDatagram, ROUTES - first);
    const last = first + count === ROUTES;
    const withDone = last && count * ROUTE_LEN + DONE_LEN <= DATAGRAM;
    const bytes = new Uint8Array(count * ROUTE_LEN + (withDone ? DONE_LEN : 0));
    const view = new DataView(bytes.buffer);
    let at = 0;
    for (let i = first; i < first + count; i++) at = putRoute(view, at, i);
    if (withDone) {
      view.setUint32(at, DONE_LEN, true);
      view.setUint16(at + 4, NLMSG_DONE, true);
      view.setUint16(at + 6, NLM_F_MULTI, true);
      view.setUint32(at + 8, SEQ, true);
      view.setUint32(at + 12, PID, true);
      view.setInt32(at + 16, 0, true);
    }
    datagrams.push(bytes);
  }
  return datagrams;
}

function request(i: number): RouteMessage {
  return {
    kind: 'route',
    type: RTM_NEWROUTE,
    flags: NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE,
    seq: i,
    pid: 0,
    body: {
      family: AF_INET,
      dstLen: 32,
      srcLen: 0,
      tos: 0,
      table: RT_TABLE_MAIN,
      protocol: RTPROT_STATIC,
      scope: RT_SCOPE_LINK,
      type: RTN_UNICAST,
      flags: 0,
      attrs: { dst: routeAddress(i).join('.'), oif: IFINDEX },
    },
  };
}

interface Timing {
  min: number;
  median: number;
}

function time(runs: number, warmup: number, fn: () => number): Timing {
  let sink = 0;
  for (let i = 0; i < warmup; i++) sink += fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    sink += fn();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  if (sink === -1) console.log('unreachable');
  ms.sort((x, y) => x - y);
  return { min: ms[0]!, median: ms[Math.floor(ms.length / 2)]! };
}

function rate(count: number, t: Timing): string {
  const per = (ms: number) => Math.round(count / (ms / 1000)).toLocaleString('en-US');
  return `best ${t.min.toFixed(1)} ms (${per(t.min)}/s), median ${t.median.toFixed(1)} ms (${per(t.median)}/s)`;
}

function main(): void {
  const dump = buildDump();
  const bytes = dump.reduce((n, d) => n + d.length, 0);

  // Sanity: the hand-laid bytes decode to the expected route and re-encode identically.
  const first = decodeMessages(dump[0]!)[0] as RouteMessage;
  if (first.kind !== 'route' || first.body.attrs.dst !== '10.1.0.0' || first.body.attrs.oif !== IFINDEX || first.body.attrs.table !== RT_TABLE_MAIN) {
    throw new Error('benchmark dump does not decode as expected');
  }
  const again = encodeMessages(decodeMessages(dump[0]!));
  if (Buffer.compare(Buffer.from(again), Buffer.from(dump[0]!)) !== 0) throw new Error('benchmark dump does not re-encode byte for byte');

  console.log(`node ${process.version}, ${ROUTES.toLocaleString('en-US')} IPv4 routes in ${dump.length} datagrams (${bytes.toLocaleString('en-US')} bytes, ${Math.floor(DATAGRAM / ROUTE_LEN)} routes per datagram)`);

  const decode = time(15, 5, () => {
    let n = 0;
    for (const d of dump) n += decodeMessages(d).length;
    return n;
  });
  console.log(`decodeMessages: ${rate(ROUTES, decode)}`);

  const requests: NetlinkMessage[] = [];
  for (let i = 0; i < ROUTES; i++) requests.push(request(i));
  const encode = time(15, 5, () => {
    let n = 0;
    for (const m of requests) n += encodeMessage(m).length;
    return n;
  });
  console.log(`encodeMessage (RTM_NEWROUTE requests): ${rate(ROUTES, encode)}`);

  const decoded: NetlinkMessage[] = dump.flatMap((d) => decodeMessages(d)).filter((m) => m.kind === 'route');
  const reencode = time(5, 2, () => {
    let n = 0;
    for (const m of decoded) n += encodeMessage(m).length;
    return n;
  });
  console.log(`encodeMessage (decoded routes, byte-exact path): ${rate(ROUTES, reencode)}`);
}

main();
