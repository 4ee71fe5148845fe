import { formatHardwareAddress } from '../attributes/addresses.js';
import { readCString } from '../attributes/scalars.js';
import { attributeLength, attributeType, type DecodeErrorAt, NLA_HDRLEN, NLA_TYPE_MASK } from '../attributes/walk.js';
import { NLMSG_HDRLEN, RTM_NEWLINK } from '../constants.js';
import { NetlinkDecodeError } from '../errors.js';
import { FrameCursor, NLMSG_TYPE_OFFSET } from '../framing.js';
import type { LinkBody } from './attributes.js';
import { ifinfomsg } from './header.js';
import { IFLA_INFO_KIND } from './linkinfo.js';
import { IFLA_ADDRESS, IFLA_IFNAME, IFLA_LINK, IFLA_LINK_NETNSID, IFLA_LINKINFO, IFLA_MASTER, IFLA_MTU, IFLA_OPERSTATE } from './scan.js';

/**
 * What most callers want of a link, read from one RTM_NEWLINK frame without decoding the rest:
 * a link message carries some forty attributes (statistics, per-family settings, the kind's own
 * data), and decoding them all costs many times more than these few. The values are the ones
 * decodeMessages gives for the same attributes (decodeMessages gives the whole message).
 */
export interface LinkSummary {
  index: number;
  /** IFF_* bits. */
  flags: number;
  ifname?: string;
  mtu?: number;
  address?: string;
  /** IF_OPER_*. */
  operstate?: number;
  master?: number;
  link?: number;
  linkNetnsid?: number;
  /** IFLA_INFO_KIND inside IFLA_LINKINFO. */
  kind?: string;
}

const HEADERS_LEN = NLMSG_HDRLEN + ifinfomsg.size;
const IFI_INDEX_OFFSET = NLMSG_HDRLEN + 4;
const IFI_FLAGS_OFFSET = NLMSG_HDRLEN + 8;

/** A little-endian u32 at `at` (the caller checked the bytes are there). */
function u32At(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/** A NetlinkDecodeError under RTM_NEWLINK, with the attribute's kernel name when there is one. */
function fail(offset: number, reason: string, attribute?: string): NetlinkDecodeError {
  return new NetlinkDecodeError(attribute === undefined ? 'RTM_NEWLINK' : `RTM_NEWLINK > ${attribute}`, offset, reason);
}

/** Throws unless the attribute payload [start, end) is `size` bytes, worded as the scalar codecs word it. */
function expectSize(start: number, end: number, size: number, label: string, attribute: string): void {
  if (end - start !== size) throw fail(start, `${label} needs ${size} bytes, got ${end - start}`, attribute);
}

/** A 4-byte attribute payload [start, end) as a u32 (`label` words its size error as the scalar codecs do). */
function u32Attribute(b: Uint8Array, start: number, end: number, label: string, attribute: string): number {
  expectSize(start, end, 4, label, attribute);
  return u32At(b, start);
}

/** Where a bad attribute header is reported: at the top level, and inside IFLA_LINKINFO. */
const TOP_LEVEL: DecodeErrorAt = { error: (offset, reason) => fail(offset, reason) };
const IN_LINKINFO: DecodeErrorAt = { error: (offset, reason) => fail(offset, reason, 'IFLA_LINKINFO') };

/** IFLA_INFO_KIND of an IFLA_LINKINFO payload [start, end), every attribute's length checked; undefined if there is none. */
function kindIn(b: Uint8Array, view: DataView, start: number, end: number): string | undefined {
  let kind: string | undefined;
  for (let off = start; off < end; ) {
    const len = attributeLength(view, off, end, IN_LINKINFO, 'IFLA_INFO attribute');
    if (kind === undefined && (attributeType(view, off) & NLA_TYPE_MASK) === IFLA_INFO_KIND) kind = readCString(b, off + NLA_HDRLEN, off + len);
    off += (len + 3) & ~3;
  }
  return kind;
}

/**
 * Reads the summary of one RTM_NEWLINK frame (nlmsghdr included). The frame's own lengths, and
 * those of its top-level attributes and of IFLA_LINKINFO's, are checked as decodeMessages checks
 * them: a malformed frame throws NetlinkDecodeError. Attributes nested deeper than IFLA_LINKINFO's
 * kind are not looked at. Only the first occurrence of an attribute counts (decodeMessages keeps a
 * repeat as unknown). The values are the link codecs' (same checks, same words for errors), read
 * in one pass over the bytes: this runs for every link a creation or a lookup reads back.
 */
export function decodeLinkSummary(frame: Uint8Array): LinkSummary {
  const frames = new FrameCursor(frame);
  if (!frames.next() || frames.length < HEADERS_LEN) {
    throw fail(0, `${frames.length || frame.length} bytes, too short for nlmsghdr and ifinfomsg`);
  }
  if (frames.type !== RTM_NEWLINK) throw fail(NLMSG_TYPE_OFFSET, `message type ${frames.type} is not RTM_NEWLINK`);
  const b = frame;
  const view = frames.view;
  const end = frames.end;
  let ifname: string | undefined;
  let mtu: number | undefined;
  let address: string | undefined;
  let operstate: number | undefined;
  let master: number | undefined;
  let link: number | undefined;
  let linkNetnsid: number | undefined;
  let kind: string | undefined;
  let linkinfoSeen = false;
  for (let off = HEADERS_LEN; off < end; ) {
    const len = attributeLength(view, off, end, TOP_LEVEL, 'IFLA attribute');
    const start = off + NLA_HDRLEN;
    const stop = off + len;
    switch (attributeType(view, off) & NLA_TYPE_MASK) {
      case IFLA_IFNAME:
        ifname ??= readCString(b, start, stop);
        break;
      case IFLA_MTU:
        mtu ??= u32Attribute(b, start, stop, 'u32', 'IFLA_MTU');
        break;
      case IFLA_ADDRESS:
        address ??= formatHardwareAddress(b, start, stop);
        break;
      case IFLA_OPERSTATE:
        if (operstate === undefined) {
          expectSize(start, stop, 1, 'u8', 'IFLA_OPERSTATE');
          operstate = b[start]!;
        }
        break;
      case IFLA_MASTER:
        master ??= u32Attribute(b, start, stop, 'u32', 'IFLA_MASTER');
        break;
      case IFLA_LINK:
        link ??= u32Attribute(b, start, stop, 'u32', 'IFLA_LINK');
        break;
      case IFLA_LINK_NETNSID:
        linkNetnsid ??= u32Attribute(b, start, stop, 's32', 'IFLA_LINK_NETNSID') | 0;
        break;
      case IFLA_LINKINFO:
        if (!linkinfoSeen) {
          linkinfoSeen = true;
          kind = kindIn(b, view, start, stop);
        }
        break;
    }
    off += (len + 3) & ~3;
  }
  const out: LinkSummary = { index: u32At(b, IFI_INDEX_OFFSET) | 0, flags: u32At(b, IFI_FLAGS_OFFSET) };
  if (ifname !== undefined) out.ifname = ifname;
  if (mtu !== undefined) out.mtu = mtu;
  if (address !== undefined) out.address = address;
  if (operstate !== undefined) out.operstate = operstate;
  if (master !== undefined) out.master = master;
  if (link !== undefined) out.link = link;
  if (linkNetnsid !== undefined) out.linkNetnsid = linkNetnsid;
  if (kind !== undefined) out.kind = kind;
  return out;
}

/** The same fields taken from a fully decoded link body. */
export function linkSummaryOf(body: LinkBody): LinkSummary {
  const a = body.attrs;
  const out: LinkSummary = { index: body.index, flags: body.flags };
  if (a.ifname !== undefined) out.ifname = a.ifname;
  if (a.mtu !== undefined) out.mtu = a.mtu;
  if (a.address !== undefined) out.address = a.address;
  if (a.operstate !== undefined) out.operstate = a.operstate;
  if (a.master !== undefined) out.master = a.master;
  if (a.link !== undefined) out.link = a.link;
  if (a.linkNetnsid !== undefined) out.linkNetnsid = a.linkNetnsid;
  if (a.linkinfo?.kind !== undefined) out.kind = a.linkinfo.kind;
  return out;
}
