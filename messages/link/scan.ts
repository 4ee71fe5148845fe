import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_HDRLEN, NLA_TYPE_MASK } from '../attributes/walk.js';
import { NLMSG_HDRLEN, RTM_NEWLINK } from '../constants.js';
import {
  IFLA_ADDRESS, IFLA_IFNAME, IFLA_LINK, IFLA_LINK_NETNSID, IFLA_LINKINFO, IFLA_MASTER, IFLA_MTU, IFLA_OPERSTATE,
} from './attribute-types.js';
import { ifinfomsg } from './header.js';
import { IFLA_INFO_KIND } from './linkinfo.js';

/**
 * What a link message says that a LinkState is made of, read from its bytes by scanLink. Offsets
 * are into the scanned frame; -1 stands for an attribute that is absent (every u32 value is kept
 * as a non-negative number). One instance is refilled for each frame: scanning allocates nothing.
 */
export class LinkScan {
  /** ifi_index (signed, as the decoder reads it) and ifi_flags. */
  index = 0;
  flags = 0;
  /** IFLA_IFNAME's payload [ifnameAt, ifnameEnd). */
  ifnameAt = -1;
  ifnameEnd = 0;
  /** IFLA_ADDRESS's payload [addressAt, addressEnd). */
  addressAt = -1;
  addressEnd = 0;
  /** IFLA_INFO_KIND's payload inside IFLA_LINKINFO [kindAt, kindEnd). */
  kindAt = -1;
  kindEnd = 0;
  mtu = -1;
  operstate = -1;
  master = -1;
  link = -1;
  /** IFLA_LINK_NETNSID's payload (an s32, so kept as an offset). */
  linkNetnsidAt = -1;
}

// The IFLA_* numbers of the attributes a LinkState is made of.
export { IFLA_ADDRESS, IFLA_IFNAME, IFLA_LINK, IFLA_LINK_NETNSID, IFLA_LINKINFO, IFLA_MASTER, IFLA_MTU, IFLA_OPERSTATE };
const HEADERS_LEN = NLMSG_HDRLEN + ifinfomsg.size;

// What the loop does with each attribute type: most are skipped (0); the others by a dense number.
const SKIP = 0;
const IFNAME = 1;
const ADDRESS = 2;
const MTU = 3;
const OPERSTATE = 4;
const MASTER = 5;
const LINK = 6;
const LINK_NETNSID = 7;
const LINKINFO = 8;
/**
 * The role of every nla_type as it is on the wire, flag bits (NLA_F_NESTED, NLA_F_NET_BYTEORDER)
 * included, so that the loop indexes it with the u16 it read: no mask and no range test an attribute.
 */
const ROLE_OF_WIRE_TYPE = new Uint8Array(0x10000);
for (const [type, role] of [
  [IFLA_IFNAME, IFNAME], [IFLA_ADDRESS, ADDRESS], [IFLA_MTU, MTU], [IFLA_OPERSTATE, OPERSTATE],
  [IFLA_MASTER, MASTER], [IFLA_LINK, LINK], [IFLA_LINK_NETNSID, LINK_NETNSID], [IFLA_LINKINFO, LINKINFO],
] as const) {
  for (const flags of [0, NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_F_NESTED | NLA_F_NET_BYTEORDER]) ROLE_OF_WIRE_TYPE[type | flags] = role;
}

/** The last buffer scanned, as u16s in host (little-endian) order: frames come from one receive buffer. */
let halvesBuffer: ArrayBufferLike | undefined;
let halves16: Uint16Array<ArrayBufferLike> = new Uint16Array(0);

/** `buffer` as u16s, covering its bytes up to `end` at least (a resizable buffer may have grown since). */
function halvesOf(buffer: ArrayBufferLike, end: number): Uint16Array<ArrayBufferLike> {
  if (buffer !== halvesBuffer || halves16.length * 2 + 1 < end) {
    halves16 = new Uint16Array(buffer, 0, buffer.byteLength >>> 1);
    halvesBuffer = buffer;
  }
  return halves16;
}

/**
 * Reads one RTM_NEWLINK frame (nlmsghdr included, the message first in `b`) into `out`, and says
 * whether it is one decodeLinkSummary reads without an error: true when nlmsg_len covers nlmsghdr
 * and ifinfomsg and fits in `b`, the type is RTM_NEWLINK, the top-level attributes are well framed,
 * the first IFLA_MTU, IFLA_MASTER, IFLA_LINK and IFLA_LINK_NETNSID are 4 bytes and the first
 * IFLA_OPERSTATE 1, and the attributes inside the first IFLA_LINKINFO are well framed. Anything
 * else gives false, and the caller reads the frame with decodeLinkSummary, which then throws its
 * NetlinkDecodeError. Only first occurrences count, as there (the decoder keeps a repeat as unknown).
 * Bytes are read one by one (little-endian, as the host writes them): no DataView to make per frame.
 * A frame at an odd offset of its buffer (never one the kernel sent: its messages are 4-aligned) is
 * left to decodeLinkSummary too, so that attribute headers are read as u16s.
 */
export function scanLink(b: Uint8Array, out: LinkScan): boolean {
  const size = b.length;
  if (size < HEADERS_LEN || (b.byteOffset & 1) !== 0) return false;
  const end = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  if (end < HEADERS_LEN || end > size || (b[4]! | (b[5]! << 8)) !== RTM_NEWLINK) return false;
  out.index = b[20]! | (b[21]! << 8) | (b[22]! << 16) | (b[23]! << 24);
  out.flags = (b[24]! | (b[25]! << 8) | (b[26]! << 16) | (b[27]! << 24)) >>> 0;
  out.ifnameAt = out.addressAt = out.kindAt = out.linkNetnsidAt = -1;
  out.mtu = out.operstate = out.master = out.link = -1;
  let linkinfoSeen = false;
  // Attribute headers are read as two u16s of a view of the whole buffer (one load each, where
  // bytes are two loads, a shift and an or). The loop runs about 40 times a link, mostly in
  // baseline code where each operation is a call, so a skipped attribute's path is kept to the
  // fewest: `at` and `stop` are offsets in the buffer, and a header that runs past the frame
  // leaves `len` undefined or too long, which the one test below refuses.
  const base = b.byteOffset;
  const stop = base + end;
  const halves = halvesOf(b.buffer, stop);
  for (let at = base + HEADERS_LEN; at < stop; ) {
    const h = at >>> 1;
    const len = halves[h]!;
    if (!(len >= NLA_HDRLEN && at + len <= stop)) return false;
    const role = ROLE_OF_WIRE_TYPE[halves[h + 1]!]!;
    if (role !== SKIP) {
      const off = at - base;
      const value = off + NLA_HDRLEN;
      switch (role) {
        case IFNAME:
          if (out.ifnameAt < 0) {
            out.ifnameAt = value;
            out.ifnameEnd = off + len;
          }
          break;
        case ADDRESS:
          if (out.addressAt < 0) {
            out.addressAt = value;
            out.addressEnd = off + len;
          }
          break;
        case OPERSTATE:
          if (out.operstate < 0) {
            if (len !== NLA_HDRLEN + 1) return false;
            out.operstate = b[value]!;
          }
          break;
        case LINKINFO:
          if (!linkinfoSeen) {
            linkinfoSeen = true;
            if (!scanLinkinfo(b, value, off + len, out)) return false;
          }
          break;
        default: {
          // The u32s and IFLA_LINK_NETNSID's s32.
          if (len !== NLA_HDRLEN + 4) {
            if (role === MTU ? out.mtu < 0 : role === MASTER ? out.master < 0 : role === LINK ? out.link < 0 : out.linkNetnsidAt < 0) return false;
            break;
          }
          const u32 = (b[value]! | (b[value + 1]! << 8) | (b[value + 2]! << 16) | (b[value + 3]! << 24)) >>> 0;
          if (role === MTU) {
            if (out.mtu < 0) out.mtu = u32;
          } else if (role === MASTER) {
            if (out.master < 0) out.master = u32;
          } else if (role === LINK) {
            if (out.link < 0) out.link = u32;
          } else if (out.linkNetnsidAt < 0) {
            out.linkNetnsidAt = value;
          }
        }
      }
    }
    at += (len + 3) & -4;
  }
  return true;
}

/** IFLA_INFO_KIND's place in an IFLA_LINKINFO payload [start, end) into `out`; false if an attribute in it is badly framed. */
function scanLinkinfo(b: Uint8Array, start: number, end: number, out: LinkScan): boolean {
  for (let off = start; off < end; ) {
    if (end - off < NLA_HDRLEN) return false;
    const len = b[off]! | (b[off + 1]! << 8);
    if (len < NLA_HDRLEN || off + len > end) return false;
    if (out.kindAt < 0 && ((b[off + 2]! | (b[off + 3]! << 8)) & NLA_TYPE_MASK) === IFLA_INFO_KIND) {
      out.kindAt = off + NLA_HDRLEN;
      out.kindEnd = off + len;
    }
    off += (len + 3) & ~3;
  }
  return true;
}

/**
 * nlmsg_len of an RTM_NEWLINK frame (nlmsghdr first in `b`) whose headers scanLink and the decoder
 * take: at least nlmsghdr and ifinfomsg, within `b`, of type RTM_NEWLINK. -1 for any other frame.
 * Its ifi_index and ifi_flags are then linkIndexOf and linkFlagsOf.
 */
export function linkFrameLength(b: Uint8Array): number {
  if (b.length < HEADERS_LEN) return -1;
  const end = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  return end < HEADERS_LEN || end > b.length || (b[4]! | (b[5]! << 8)) !== RTM_NEWLINK ? -1 : end;
}

/** ifi_index of a frame linkFrameLength takes (signed, as the decoder reads it). */
export function linkIndexOf(b: Uint8Array): number {
  return b[20]! | (b[21]! << 8) | (b[22]! << 16) | (b[23]! << 24);
}

/** ifi_type (an ARPHRD_* value) of a frame linkFrameLength takes. */
export function linkTypeOf(b: Uint8Array): number {
  return b[18]! | (b[19]! << 8);
}

/** ifi_flags of a frame linkFrameLength takes. */
export function linkFlagsOf(b: Uint8Array): number {
  return (b[24]! | (b[25]! << 8) | (b[26]! << 16) | (b[27]! << 24)) >>> 0;
}

/**
 * Whether the name scanLink would read from a link frame of length `end` (linkFrameLength's) is
 * `name`, told from the first attribute alone when that is IFLA_IFNAME (the kernel puts it first)
 * and `name` is ASCII: true or false. undefined when that cannot be told without the whole scan
 * (another first attribute, a header running past the frame, a name with other characters).
 * The rest of the frame is not read: whether it is well formed is left to the scan.
 */
export function firstIfnameIs(b: Uint8Array, end: number, name: string): boolean | undefined {
  const at = HEADERS_LEN;
  if (end - at < NLA_HDRLEN) return undefined;
  const len = b[at]! | (b[at + 1]! << 8);
  if (len < NLA_HDRLEN || at + len > end || ((b[at + 2]! | (b[at + 3]! << 8)) & NLA_TYPE_MASK) !== IFLA_IFNAME) return undefined;
  const payloadEnd = at + len;
  let p = at + NLA_HDRLEN;
  for (let i = 0; i < name.length; i++, p++) {
    const c = name.charCodeAt(i);
    if (c >= 0x80) return undefined;
    // A payload that ends, or a byte that differs (a NUL, any other byte), reads as another name.
    if (p >= payloadEnd || b[p] !== c) return false;
  }
  return p === payloadEnd || b[p] === 0;
}
