import type { Codec } from '../attributes/codec.js';
import { lladdr } from '../attributes/addresses.js';
import { ifname, s32, u32, u8 } from '../attributes/scalars.js';
import { decodeSkimmed, skimAttributes } from '../attributes/skim.js';
import { NLMSG_HDRLEN, RTM_NEWLINK } from '../constants.js';
import { Source } from '../source.js';
import type { LinkBody } from './attributes.js';
import { kindName } from './codecs.js';

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

const IFINFOMSG_LEN = 16;
const IFLA_LINKINFO = 18;
const IFLA_INFO_KIND = 1;

type SummaryField = Exclude<keyof LinkSummary, 'index' | 'flags' | 'kind'>;

/** IFLA_* number → the field and codec decodeMessages uses for it (messages/link/attributes.ts). */
const FIELDS: ReadonlyMap<number, readonly [SummaryField, string, Codec<unknown>]> = new Map<number, readonly [SummaryField, string, Codec<unknown>]>([
  [1, ['address', 'IFLA_ADDRESS', lladdr]],
  [3, ['ifname', 'IFLA_IFNAME', ifname]],
  [4, ['mtu', 'IFLA_MTU', u32]],
  [5, ['link', 'IFLA_LINK', u32]],
  [10, ['master', 'IFLA_MASTER', u32]],
  [16, ['operstate', 'IFLA_OPERSTATE', u8]],
  [37, ['linkNetnsid', 'IFLA_LINK_NETNSID', s32]],
]);

/**
 * Reads the summary of one RTM_NEWLINK frame (nlmsghdr included). The frame's own lengths, and
 * those of its top-level attributes, are checked as decodeMessages checks them: a malformed frame
 * throws NetlinkDecodeError. Attributes nested deeper than IFLA_LINKINFO's kind are not looked at.
 */
export function decodeLinkSummary(frame: Uint8Array): LinkSummary {
  const src = new Source(frame);
  const view = src.view;
  src.path.push('RTM_NEWLINK');
  if (frame.length < NLMSG_HDRLEN + IFINFOMSG_LEN) throw src.error(0, `${frame.length} bytes, too short for nlmsghdr and ifinfomsg`);
  const length = view.getUint32(0, true);
  if (length < NLMSG_HDRLEN + IFINFOMSG_LEN || length > frame.length) throw src.error(0, `nlmsg_len ${length} does not fit the ${frame.length}-byte frame`);
  const type = view.getUint16(4, true);
  if (type !== RTM_NEWLINK) throw src.error(4, `message type ${type} is not RTM_NEWLINK`);
  const out: LinkSummary = { index: view.getInt32(NLMSG_HDRLEN + 4, true), flags: view.getUint32(NLMSG_HDRLEN + 8, true) };
  // Only the first occurrence of an attribute counts: decodeMessages keeps a repeat as unknown.
  let linkinfoSeen = false;
  skimAttributes(src, NLMSG_HDRLEN + IFINFOMSG_LEN, length, (attrType, start, end) => {
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
