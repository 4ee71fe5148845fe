import type { Codec } from '../attributes/codec.js';
import { decodeSkimmed, skimAttributes } from '../attributes/skim.js';
import { NLMSG_HDRLEN, RTM_NEWLINK } from '../constants.js';
import { Source } from '../source.js';
import { FrameCursor, NLMSG_TYPE_OFFSET } from '../framing.js';
import { linkAttributes, type LinkBody } from './attributes.js';
import { kindName } from './codecs.js';
import { ifinfomsg } from './header.js';
import { IFLA_INFO_KIND } from './linkinfo.js';

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

type SummaryField = Exclude<keyof LinkSummary, 'index' | 'flags' | 'kind'>;
const SUMMARY_FIELDS: readonly SummaryField[] = ['address', 'ifname', 'mtu', 'link', 'master', 'operstate', 'linkNetnsid'];

/** IFLA_* number → the field, kernel name and codec decodeMessages uses for it: the link table's own entries. */
const FIELDS: ReadonlyMap<number, readonly [SummaryField, string, Codec<unknown>]> = new Map(
  SUMMARY_FIELDS.map((field) => {
    const spec = linkAttributes.specs[linkAttributes.byName.get(field)!]!;
    return [spec.type, [field, spec.kernelName, spec.codec] as const];
  }),
);
const IFLA_LINKINFO = linkAttributes.specs[linkAttributes.byName.get('linkinfo')!]!.type;
const HEADERS_LEN = NLMSG_HDRLEN + ifinfomsg.size;

/**
 * Reads the summary of one RTM_NEWLINK frame (nlmsghdr included). The frame's own lengths, and
 * those of its top-level attributes, are checked as decodeMessages checks them: a malformed frame
 * throws NetlinkDecodeError. Attributes nested deeper than IFLA_LINKINFO's kind are not looked at.
 */
export function decodeLinkSummary(frame: Uint8Array): LinkSummary {
  const src = new Source(frame);
  const frames = new FrameCursor(src.bytes, src.view);
  src.path.push('RTM_NEWLINK');
  if (!frames.next() || frames.length < HEADERS_LEN) {
    throw src.error(0, `${frames.length || frame.length} bytes, too short for nlmsghdr and ifinfomsg`);
  }
  if (frames.type !== RTM_NEWLINK) throw src.error(NLMSG_TYPE_OFFSET, `message type ${frames.type} is not RTM_NEWLINK`);
  const header = ifinfomsg.decode(src, frames.bodyStart, frames.end);
  const out: LinkSummary = { index: header.index, flags: header.flags };
  // Only the first occurrence of an attribute counts: decodeMessages keeps a repeat as unknown.
  let linkinfoSeen = false;
  skimAttributes(src, HEADERS_LEN, frames.end, (attrType, start, end) => {
    if (attrType === IFLA_LINKINFO) {
      if (linkinfoSeen) return;
      linkinfoSeen = true;
      src.path.push('IFLA_LINKINFO');
      skimAttributes(src, start, end, (infoType, infoStart, infoEnd) => {
        if (infoType === IFLA_INFO_KIND && out.kind === undefined) out.kind = decodeSkimmed(src, 'IFLA_INFO_KIND', kindName, infoStart, infoEnd) as string;
      });
      src.path.pop();
      return;
    }
    const field = FIELDS.get(attrType);
    if (field && out[field[0]] === undefined) (out as unknown as Record<string, unknown>)[field[0]] = decodeSkimmed(src, field[1], field[2], start, end);
  });
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
