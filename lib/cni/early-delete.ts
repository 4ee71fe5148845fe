/**
 * DEL's deletion of the container's interface as the cni-bridge executable starts it, before it
 * loads the engine: the kernel takes tens of ms to remove a veth (its RTM_DELLINK returns only once
 * the device is unregistered), time the engine's load can run in. One RTM_DELLINK naming the
 * interface, sent on one of libuv's worker threads from a socket opened in the container's
 * namespace; the engine waits for its outcome before the IPAM plugin releases the address, as it
 * waits for its own deletion (lib/cni/del.ts).
 *
 * The outcome is known as soon as the kernel announces the removal (its RTM_DELLINK notification,
 * read from the same socket): by then the device and its veth peer are closed, out of the
 * namespace's list, and their addresses and routes are gone. The kernel's ACK comes only after the
 * grace periods that free the device (15-30 ms more), which the IPAM plugin's run now overlaps.
 *
 * Anything but a plain outcome (the device deleted, or not there) is left to the engine, which
 * makes the deletion again its own way and reports what fails as it always has: a deletion the
 * kernel refused changed nothing. Started only for a call the command line's checks pass
 * (first-stage.ts), so a call it refuses deletes nothing.
 */
import { NLM_F_ACK, NLM_F_REQUEST, RTM_DELLINK } from '../../messages/constants.js';
import { NetlinkDecodeError } from '../../messages/errors.js';
import { Writer } from '../../messages/writer.js';
import { IFLA_IFNAME, writeIfinfo, writeName } from '../rtnl/ifinfo.js';
import { ERRNO } from '../sys/errno.js';
import { requestOffThread } from '../sys/netlink-request-off-thread.js';

/**
 * How the deletion begun early ended: the interface removed (announced by the kernel, or
 * acknowledged), not there at all (DEL's success either way), or anything else, for the engine to
 * make the deletion again and report.
 */
export type DeletionOutcome = 'deleted' | 'absent' | 'again';

/**
 * Starts DEL's deletion of CNI_IFNAME in CNI_NETNS, for a call checked already, if it names a
 * namespace that opens; undefined otherwise (the engine then does it all, as before).
 */
export function startDeletion(env: NodeJS.ProcessEnv): Promise<DeletionOutcome> | undefined {
  if (!env.CNI_NETNS) return undefined;
  const w = new Writer(64);
  try {
    const start = w.frameHeader(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, 1, 0);
    writeIfinfo(w, 0, 0, 0);
    writeName(w, IFLA_IFNAME, env.CNI_IFNAME!);
    w.setU32(start, w.length - start);
    const name = Buffer.from(`${env.CNI_IFNAME!}\0`);
    const watch = { groups: RTMGRP_LINK, announces: (frame: DataView, offset: number) => announcesRemoval(frame, offset, name) };
    return requestOffThread(env.CNI_NETNS, w.finish(), watch).then((outcome) =>
      outcome === 'announced' || outcome === 0 ? 'deleted' : outcome === ERRNO.ENODEV ? 'absent' : 'again',
    );
  } catch {
    return undefined;
  }
}

/** RTMGRP_LINK (linux/rtnetlink.h): RTM_NEWLINK and RTM_DELLINK notifications. */
const RTMGRP_LINK = 1;
/** nlmsghdr and struct ifinfomsg, before a link message's attributes. */
const LINK_HEADER_BYTES = 16 + 16;

/**
 * Whether the message at `offset` of `frame` (its nlmsghdr checked to fit the frame) is an
 * RTM_DELLINK naming the interface `name` (its bytes and the NUL). Throws NetlinkDecodeError for a
 * malformed one. Its own few checks rather than the attribute walker's module: this runs in the
 * first stage, whose bundle loads before the deletion is sent.
 */
export function announcesRemoval(frame: DataView, offset: number, name: Uint8Array): boolean {
  if (frame.getUint16(offset + 4, true) !== RTM_DELLINK) return false;
  const end = offset + frame.getUint32(offset, true);
  const fail = (at: number, reason: string) => new NetlinkDecodeError('RTM_DELLINK notification', at, reason);
  if (end - offset < LINK_HEADER_BYTES) throw fail(offset, `${end - offset} bytes, shorter than nlmsghdr and ifinfomsg`);
  for (let at = offset + LINK_HEADER_BYTES; at < end; ) {
    if (end - at < 4) throw fail(at, `${end - at} trailing bytes after the last IFLA attribute`);
    const length = frame.getUint16(at, true);
    if (length < 4 || at + length > end) throw fail(at, `nla_len ${length} does not fit the message`);
    // nla_type without NLA_F_NESTED and NLA_F_NET_BYTEORDER.
    if ((frame.getUint16(at + 2, true) & 0x3fff) === IFLA_IFNAME) return sameBytes(frame, at + 4, length - 4, name);
    at += (length + 3) & ~3;
  }
  return false;
}

/** Whether the `length` bytes at `offset` of `frame` are `bytes`. */
function sameBytes(frame: DataView, offset: number, length: number, bytes: Uint8Array): boolean {
  if (length !== bytes.length) return false;
  for (let i = 0; i < length; i++) if (frame.getUint8(offset + i) !== bytes[i]) return false;
  return true;
}
