/**
 * What libc.ts's socketCalls() do with buffers given by address (addressOf), through whichever
 * calls libc.ts bound (the page of stubs, or libc's where a test takes the stubs away): an
 * RTM_GETLINK of lo sent from the middle of one buffer, its answer read into another, then the
 * socket read again when it is empty.
 */
import { expect } from 'vitest';
import { AF_NETLINK, MSG_DONTWAIT, NETLINK_ROUTE, SOCK_CLOEXEC, SOCK_RAW } from '../../lib/sys/constants.js';
import { ERRNO } from '../../lib/sys/errno.js';
import type * as Libc from '../../lib/sys/libc.js';

export function expectCallsByAddress(libc: Pick<typeof Libc, 'addressOf' | 'closeFd' | 'sendFailure' | 'socket' | 'socketCalls'>): void {
  const fd = libc.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  try {
    const out = new Uint8Array(256);
    const request = new DataView(out.buffer, 64, 32);
    request.setUint32(0, 32, true);
    request.setUint16(4, 18, true); // RTM_GETLINK
    request.setUint16(6, 1, true); // NLM_F_REQUEST
    request.setUint32(8, 4242, true);
    request.setInt32(20, 1, true); // lo
    const read = new Uint8Array(4096);
    const calls = libc.socketCalls();
    const size = calls.sendRecvAt(fd, libc.addressOf(out.subarray(64, 96)), 32, libc.addressOf(read), read.byteLength, 0);
    expect(libc.sendFailure(size)).toBe(0);
    const answer = new DataView(read.buffer);
    expect([size > 32, answer.getUint32(0, true), answer.getUint16(4, true), answer.getUint32(8, true), answer.getInt32(20, true)]).toEqual([true, size, 16, 4242, 1]);
    expect(calls.recvAt(fd, libc.addressOf(read), read.byteLength, MSG_DONTWAIT)).toBe(-ERRNO.EAGAIN);
  } finally {
    libc.closeFd(fd);
  }
}
