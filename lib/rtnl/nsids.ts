import { AF_UNSPEC, NLM_F_CREATE, NLM_F_EXCL, RTM_DELNSID, RTM_NEWNSID } from '../../messages/constants.js';
import type { NetlinkMessage, NsidMessage } from '../../messages/message.js';
import { NETNSA_NSID_NOT_ASSIGNED } from '../../messages/nsid/index.js';
import { checkInteger } from '../validate.js';

/** One netns id: the id this namespace uses for another namespace. */
export interface NsidEntry {
  nsid: number;
}

/** RTM_NEWNSID giving the namespace behind `fd` the id `nsid` (-1: the kernel picks). */
export function newNsidMessage(fd: number, nsid: number): NsidMessage {
  return {
    kind: 'nsid', type: RTM_NEWNSID, flags: NLM_F_CREATE | NLM_F_EXCL, seq: 0, pid: 0,
    body: { family: AF_UNSPEC, attrs: { nsid: checkInteger(nsid, 'nsid', -1, 0x7fffffff), fd } },
  };
}

/** RTM_DELNSID taking back `nsid`. */
export function deleteNsidMessage(nsid: number): NsidMessage {
  return {
    kind: 'nsid', type: RTM_DELNSID, flags: 0, seq: 0, pid: 0,
    body: { family: AF_UNSPEC, attrs: { nsid: checkInteger(nsid, 'nsid', 0, 0x7fffffff) } },
  };
}

/** The id an RTM_GETNSID reply carries, or undefined when none is assigned. */
export function nsidOfReply(reply: NetlinkMessage | undefined): number | undefined {
  const nsid = (reply as NsidMessage | undefined)?.body.attrs.nsid;
  return nsid === undefined || nsid === NETNSA_NSID_NOT_ASSIGNED ? undefined : nsid;
}

/** The ids an RTM_GETNSID dump lists. */
export function nsidEntries(replies: readonly NetlinkMessage[]): NsidEntry[] {
  return replies.flatMap((m) => (m.kind === 'nsid' && m.body.attrs.nsid !== undefined ? [{ nsid: m.body.attrs.nsid }] : []));
}
