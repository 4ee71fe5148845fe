/**
 * Depth bombs for the decoder fuzzer and the unit tests: frames whose attributes nest as deep as a
 * 64 KiB frame allows, through the two attributes that recurse without an end of their own
 * (VETH_INFO_PEER: a link inside a link; RTA_MULTIPATH: route attributes inside a next hop), and
 * any attribute wrapped in copies of itself. Built iteratively: a builder that recursed would
 * overflow the stack itself.
 */
import { AF_INET, NLM_F_REQUEST, RTM_NEWLINK, RTM_NEWROUTE } from '../messages/constants.js';
import { beginFrame, endFrame } from '../messages/framing.js';
import { Writer } from '../messages/writer.js';

/** The largest nlmsg_len a frame can have and still sit in a 64 KiB datagram. */
export const FRAME_LIMIT = 0xffff;

const VETH = new TextEncoder().encode('veth');

/**
 * An RTM_NEWLINK whose veth peer is a veth whose peer is ... `levels` deep, or as deep as fits in
 * `limit` bytes. `inner` (IFLA attributes) goes inside the innermost peer.
 */
export function vethBomb(levels: number, inner: Uint8Array = new Uint8Array(0), limit = FRAME_LIMIT): Uint8Array {
  const w = new Writer(1024);
  const start = beginFrame(w, RTM_NEWLINK, NLM_F_REQUEST, 1, 0);
  const open: number[] = []; // attributes begun, ended innermost first
  w.zeros(16); // ifinfomsg
  for (let i = 0; i < levels && w.length + 36 + inner.length <= limit; i++) {
    open.push(w.beginAttr(18)); // IFLA_LINKINFO
    const kind = w.beginAttr(1); // IFLA_INFO_KIND
    w.bytes(VETH);
    w.endAttr(kind);
    open.push(w.beginAttr(2)); // IFLA_INFO_DATA
    open.push(w.beginAttr(1)); // VETH_INFO_PEER
    w.zeros(16); // the peer's ifinfomsg
  }
  w.bytes(inner);
  while (open.length > 0) w.endAttr(open.pop()!);
  endFrame(w, start);
  return w.finish();
}

/**
 * An RTM_NEWROUTE with one next hop whose RTA_MULTIPATH has one next hop whose ... `levels` deep,
 * or as deep as fits in `limit` bytes. `inner` (RTA attributes) goes inside the innermost next hop.
 */
export function multipathBomb(levels: number, inner: Uint8Array = new Uint8Array(0), limit = FRAME_LIMIT): Uint8Array {
  const w = new Writer(1024);
  const start = beginFrame(w, RTM_NEWROUTE, NLM_F_REQUEST, 1, 0);
  w.bytes(Uint8Array.of(AF_INET, 0, 0, 0, 254, 4, 0, 1, 0, 0, 0, 0)); // rtmsg
  const open: Array<[attribute: number, hop: number]> = [];
  for (let i = 0; i < levels && w.length + 12 + inner.length <= limit; i++) {
    const attribute = w.beginAttr(9); // RTA_MULTIPATH
    open.push([attribute, w.length]);
    w.zeros(8); // rtnexthop
  }
  w.bytes(inner);
  while (open.length > 0) {
    const [attribute, hop] = open.pop()!;
    w.setU16(hop, w.length - hop); // rtnh_len
    w.endAttr(attribute);
  }
  endFrame(w, start);
  return w.finish();
}

/**
 * `frame` with the attribute at [start, end) wrapped in `levels` copies of its own header (type and
 * a fixed-up nla_len), as deep as fits in `limit`; `parents` are the offsets and sizes of the length
 * fields enclosing it, fixed up too. Where the attribute's codec reads itself again (the two above)
 * this nests; elsewhere the copies are unknown attributes kept as bytes.
 */
export function selfNest(
  frame: Uint8Array,
  start: number,
  end: number,
  parents: ReadonlyArray<{ offset: number; size: 2 | 4 }>,
  levels: number,
  limit = FRAME_LIMIT,
): Uint8Array {
  const type = frame[start + 2]! | (frame[start + 3]! << 8);
  const depth = Math.max(0, Math.min(levels, Math.floor((limit - frame.length) / 4)));
  const added = depth * 4;
  const out = new Uint8Array(frame.length + added);
  out.set(frame.subarray(0, start), 0);
  const view = new DataView(out.buffer);
  const inner = end - start;
  for (let i = 0; i < depth; i++) {
    const at = start + i * 4;
    const len = inner + (depth - i) * 4;
    if (len > 0xffff) return frame.slice(); // nla_len cannot say it: leave the frame as it was
    view.setUint16(at, len, true);
    view.setUint16(at + 2, type, true);
  }
  out.set(frame.subarray(start, end), start + added);
  out.set(frame.subarray(end), end + added);
  for (const p of parents) {
    if (p.offset >= start) continue;
    if (p.size === 2) view.setUint16(p.offset, Math.min(0xffff, view.getUint16(p.offset, true) + added), true);
    else view.setUint32(p.offset, view.getUint32(p.offset, true) + added, true);
  }
  return out;
}
