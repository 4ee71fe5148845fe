/**
 * One request on a netlink socket of its own, opened in a network namespace given by path and sent
 * from one of libuv's worker threads (koffi's asynchronous call): for a request the kernel takes
 * long over (deleting a device), made while this thread does other work. The socket is closed once
 * the answer is read.
 */
import { closeSync } from 'node:fs';
import { AF_NETLINK, MSG_DONTWAIT, NETLINK_ROUTE, SOCK_CLOEXEC, SOCK_RAW, SOCKADDR_NL_SIZE } from './constants.js';
import { recvfromUnchecked, sendOffThread, socket } from './libc.js';
import { openNetnsFd } from './named-netns.js';
import { withNetns } from './netns-thread.js';
import { NLMSG_ERROR } from '../../messages/constants.js';

/** An ACK with its request echoed (nlmsghdr, error, the request) and perhaps extended-ACK attributes. */
const ANSWER_BYTES = 1024;

/**
 * Sends `request` (one rtnetlink message asking for an ACK) from a socket opened in the namespace
 * at `netnsPath`; resolves with the ACK's error number (0 for success, else a positive errno), or
 * undefined if the send failed or no ACK came from the kernel. Throws SystemCallError or
 * NotNetnsError, synchronously, if the namespace or the socket cannot be opened.
 */
export function requestOffThread(netnsPath: string, request: Uint8Array): Promise<number | undefined> {
  const netns = openNetnsFd(netnsPath);
  let fd: number;
  try {
    fd = withNetns(netns, () => socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  } finally {
    closeSync(netns);
  }
  return new Promise((resolve) => {
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

/** The error number of the ACK queued on `fd` (the kernel queues it within the send). */
function ackError(fd: number): number | undefined {
  const bytes = new Uint8Array(ANSWER_BYTES);
  const address = new Uint32Array(SOCKADDR_NL_SIZE / 4);
  const addressLength = Uint32Array.of(SOCKADDR_NL_SIZE);
  const size = recvfromUnchecked(fd, bytes, MSG_DONTWAIT, address, addressLength);
  // Shorter than nlmsghdr and the error, or not from the kernel (nl_pid 0).
  if (size < 20 || address[1] !== 0) return undefined;
  const view = new DataView(bytes.buffer);
  return view.getUint16(4, true) === NLMSG_ERROR ? -view.getInt32(16, true) : undefined;
}
