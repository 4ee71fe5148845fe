/**
 * One request on a netlink socket of its own, opened in a network namespace given by path and sent
 * from one of libuv's worker threads (koffi's asynchronous call): for a request the kernel takes
 * long over (deleting a device), made while this thread does other work. The socket is closed once
 * the answer is read.
 *
 * The kernel answers a request only once it has done all of it: a device's deletion is acknowledged
 * after the RCU grace periods and barrier that free it, tens of ms after the device left the
 * namespace. With `watch`, the socket joins multicast groups before the send and this thread's
 * event loop reads what they announce as it comes, so that the caller learns of that moment (the
 * kernel's own RTM_DELLINK notification) without waiting for the ACK.
 */
import { closeSync } from 'node:fs';
import { AF_NETLINK, MSG_DONTWAIT, NETLINK_ROUTE, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_RAW, SOCKADDR_NL_SIZE } from './constants.js';
import { bind, pollReadable, recvfromOrErrno, sendOffThread, socket } from './libc.js';
import { openNetnsFd } from './named-netns.js';
import { withNetns } from './netns-thread.js';
import { NLMSG_ERROR } from '../../messages/constants.js';

/** An ACK with its request echoed (nlmsghdr, error, the request) and perhaps extended-ACK attributes. */
const ANSWER_BYTES = 1024;
/** A notification of the groups watched: a link's, with all its attributes, fits in a page. */
const NOTIFICATION_BYTES = 8192;

/** What the multicast groups announce that settles the request early. */
export interface Watch {
  /** RTMGRP_* bits, as bind(2) takes them in sockaddr_nl.nl_groups. */
  groups: number;
  /** Whether the message at `offset` of `frame` (its nlmsghdr checked to fit) announces what the request waits for; may throw on malformed input. */
  announces(frame: DataView, offset: number): boolean;
}

/**
 * Sends `request` (one rtnetlink message asking for an ACK) from a socket opened in the namespace
 * at `netnsPath`; resolves with the ACK's error number (0 for success, else a positive errno), or
 * undefined if the send failed or no ACK came from the kernel; with `watch`, with 'announced' as
 * soon as a message of its groups is one it `announces`, if that comes before the ACK. Throws
 * SystemCallError or NotNetnsError, synchronously, if the namespace or the socket cannot be opened.
 */
export function requestOffThread(netnsPath: string, request: Uint8Array, watch?: Watch): Promise<number | 'announced' | undefined> {
  const netns = openNetnsFd(netnsPath);
  let fd: number;
  try {
    fd = withNetns(netns, () => socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | (watch ? SOCK_NONBLOCK : 0), NETLINK_ROUTE));
  } finally {
    closeSync(netns);
  }
  return new Promise((resolve) => {
    if (watch !== undefined && joinGroups(fd, watch.groups)) {
      watchedRequest(fd, request, watch, resolve);
      return;
    }
    const done = (sent: number): void => {
      try {
        resolve(sent < 0 ? undefined : ackError(fd));
      } finally {
        closeSync(fd);
      }
    };
    try {
      sendOffThread(fd, request, 0, done);
    } catch {
      done(-1);
    }
  });
}

/** Joins `groups`; false if the kernel refuses (the request then goes unwatched). */
function joinGroups(fd: number, groups: number): boolean {
  const address = Buffer.alloc(SOCKADDR_NL_SIZE);
  address.writeUInt16LE(AF_NETLINK, 0);
  address.writeUInt32LE(groups, 8);
  try {
    bind(fd, address, `netlink groups 0x${groups.toString(16)}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * The send on a worker thread; what the socket receives meanwhile read here as it comes, and once
 * more when the send is back (the kernel queues the ACK before it returns). The socket is closed
 * then, and the outcome given if no announcement gave it before.
 */
function watchedRequest(fd: number, request: Uint8Array, watch: Watch, resolve: (outcome: number | 'announced' | undefined) => void): void {
  const seq = new DataView(request.buffer, request.byteOffset, request.byteLength).getUint32(8, true);
  const buffer = new Uint8Array(NOTIFICATION_BYTES);
  const view = new DataView(buffer.buffer);
  const address = new Uint32Array(SOCKADDR_NL_SIZE / 4);
  const addressLength = new Uint32Array(1);
  let ack: number | undefined;
  let announced = false;
  const drain = (): void => {
    for (;;) {
      addressLength[0] = SOCKADDR_NL_SIZE;
      const size = recvfromOrErrno(fd, buffer, MSG_DONTWAIT, address, addressLength);
      if (size < 0) return;
      // Only what the kernel sent (nl_pid 0) counts.
      if (address[1] !== 0) continue;
      const found = scan(view, size, seq, watch);
      ack ??= found.ack;
      if (found.announced && !announced) {
        announced = true;
        resolve('announced');
      }
    }
  };
  const stop = pollReadable(fd, drain);
  const finish = (sent: number): void => {
    try {
      drain();
      resolve(sent < 0 ? undefined : ack);
    } finally {
      stop?.();
      closeSync(fd);
    }
  };
  try {
    sendOffThread(fd, request, 0, finish);
  } catch {
    finish(-1);
  }
}

/** The messages of one datagram: the ACK of request `seq` (its errno), and whether one announces what `watch` waits for. */
function scan(view: DataView, size: number, seq: number, watch: Watch): { ack?: number; announced: boolean } {
  let announced = false;
  for (let offset = 0; offset + 16 <= size; ) {
    const length = view.getUint32(offset, true);
    if (length < 16 || offset + length > size) break;
    const type = view.getUint16(offset + 4, true);
    if (type === NLMSG_ERROR) {
      if (length >= 20 && view.getUint32(offset + 8, true) === seq) return { ack: 0 - view.getInt32(offset + 16, true), announced };
    } else {
      try {
        announced ||= watch.announces(new DataView(view.buffer, 0, offset + length), offset);
      } catch {
        // A notification this cannot read announces nothing; the ACK still comes.
      }
    }
    offset += (length + 3) & ~3;
  }
  return { announced };
}

/** The error number of the ACK queued on `fd` (the kernel queues it within the send). */
function ackError(fd: number): number | undefined {
  const bytes = new Uint8Array(ANSWER_BYTES);
  const address = new Uint32Array(SOCKADDR_NL_SIZE / 4);
  const addressLength = Uint32Array.of(SOCKADDR_NL_SIZE);
  const size = recvfromOrErrno(fd, bytes, MSG_DONTWAIT, address, addressLength);
  // Shorter than nlmsghdr and the error, or not from the kernel (nl_pid 0).
  if (size < 20 || address[1] !== 0) return undefined;
  const view = new DataView(bytes.buffer);
  return view.getUint16(4, true) === NLMSG_ERROR ? 0 - view.getInt32(16, true) : undefined;
}
