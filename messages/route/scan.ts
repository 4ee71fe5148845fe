import { attributeType, NLA_HDRLEN, NLA_TYPE_MASK } from '../attributes/walk.js';
import { NLMSG_HDRLEN, RTM_DELROUTE, RTM_NEWROUTE } from '../constants.js';
import { RTA_DST, RTA_GATEWAY, RTA_METRICS, RTA_MULTIPATH, RTA_NH_ID, RTA_OIF, RTA_PREFSRC, RTA_PRIORITY, RTA_TABLE } from './constants.js';
import { rtmsg } from './index.js';

/**
 * What a route message says that a Route is made of, read from its bytes by scanRoute. Offsets are
 * into the scanned bytes; -1 stands for an attribute that is absent (every value present is a u32,
 * so never negative). One instance is refilled for each message: scanning allocates nothing.
 */
export class RouteScan {
  family = 0;
  dstLen = 0;
  table = 0;
  protocol = 0;
  scope = 0;
  type = 0;
  /** rtm_flags. */
  flags = 0;
  /** RTA_DST's payload: offset and length (4 or 16). */
  dstAt = -1;
  dstSize = 0;
  gatewayAt = -1;
  gatewaySize = 0;
  prefsrcAt = -1;
  prefsrcSize = 0;
  oif = -1;
  priority = -1;
  /** RTA_TABLE. */
  tableId = -1;
  nhId = -1;
}

const RTMSG_END = NLMSG_HDRLEN + rtmsg.size;

/**
 * Attribute types whose payload holds attributes of its own (RTA_METRICS, RTA_MULTIPATH): their
 * decoding can fail where their framing is fine, so a message with one is left to the decoder.
 * Every other attribute of the table is a value, which the decoder never fails on (a value of a
 * width its codec does not read is kept in `unknown`), and an attribute without an entry is kept
 * as bytes. Named rather than read from routeAttributes, whose specs would then be built at every
 * import; a unit test (route-frames) holds the two to the table's non-value codecs.
 */
export const SCAN_NESTED_TYPES: readonly number[] = [RTA_METRICS, RTA_MULTIPATH];
const NESTED = new Uint8Array(32);
for (const type of SCAN_NESTED_TYPES) NESTED[type] = 1;

function u32At(view: DataView, at: number): number {
  return view.getUint32(at, true);
}

/**
 * Reads the frame [start, end) of `view` (nlmsghdr included; its length already checked by the
 * frame walk) into `out`, and says whether the result is what decodeMessages gives for it: true
 * for an RTM_NEWROUTE or RTM_DELROUTE whose attributes are well framed, whose RTA_DST, RTA_GATEWAY
 * and RTA_PREFSRC are addresses of 4 or 16 bytes and RTA_OIF, RTA_PRIORITY, RTA_TABLE and
 * RTA_NH_ID u32s, and which has no RTA_METRICS or RTA_MULTIPATH. Anything else gives false, and
 * the caller decodes the message (which then throws the decoder's NetlinkDecodeError where the
 * message is malformed). A repeated attribute counts once, as the decoder keeps the first.
 */
export function scanRoute(view: DataView, start: number, end: number, out: RouteScan): boolean {
  const type = view.getUint16(start + 4, true);
  if ((type !== RTM_NEWROUTE && type !== RTM_DELROUTE) || end - start < RTMSG_END) return false;
  const h = start + NLMSG_HDRLEN;
  out.family = view.getUint8(h);
  out.dstLen = view.getUint8(h + 1);
  out.table = view.getUint8(h + 4);
  out.protocol = view.getUint8(h + 5);
  out.scope = view.getUint8(h + 6);
  out.type = view.getUint8(h + 7);
  out.flags = u32At(view, h + 8);
  out.dstAt = out.gatewayAt = out.prefsrcAt = -1;
  out.oif = out.priority = out.tableId = out.nhId = -1;
  for (let off = start + RTMSG_END; off < end; ) {
    if (end - off < NLA_HDRLEN) return false;
    const len = view.getUint16(off, true);
    if (len < NLA_HDRLEN || off + len > end) return false;
    const at = off + NLA_HDRLEN;
    const size = len - NLA_HDRLEN;
    const attr = attributeType(view, off) & NLA_TYPE_MASK;
    switch (attr) {
      case RTA_DST:
      case RTA_GATEWAY:
      case RTA_PREFSRC:
        if (size !== 4 && size !== 16) return false;
        if (attr === RTA_DST && out.dstAt < 0) {
          out.dstAt = at;
          out.dstSize = size;
        } else if (attr === RTA_GATEWAY && out.gatewayAt < 0) {
          out.gatewayAt = at;
          out.gatewaySize = size;
        } else if (attr === RTA_PREFSRC && out.prefsrcAt < 0) {
          out.prefsrcAt = at;
          out.prefsrcSize = size;
        }
        break;
      case RTA_OIF:
      case RTA_PRIORITY:
      case RTA_TABLE:
      case RTA_NH_ID:
        if (size !== 4) return false;
        if (attr === RTA_OIF) {
          if (out.oif < 0) out.oif = u32At(view, at);
        } else if (attr === RTA_PRIORITY) {
          if (out.priority < 0) out.priority = u32At(view, at);
        } else if (attr === RTA_TABLE) {
          if (out.tableId < 0) out.tableId = u32At(view, at);
        } else if (out.nhId < 0) {
          out.nhId = u32At(view, at);
        }
        break;
      default:
        if (attr < NESTED.length && NESTED[attr] === 1) return false;
    }
    off += (len + 3) & ~3;
  }
  return true;
}
