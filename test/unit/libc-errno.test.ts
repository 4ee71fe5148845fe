/**
 * The checked calls and sendOrErrno/recvfromOrErrno (lib/sys/libc.ts): a failure carries the
 * kernel's own errno for that call (see lib/sys/syscall-stubs.ts), not errno read afterwards.
 */
import { closeSync, openSync } from 'node:fs';
import koffi from 'koffi';
import { describe, expect, it } from 'vitest';
import { ERRNO } from '../../lib/sys/errno.js';
import * as libc from '../../lib/sys/libc.js';
import { closeFd, openFd, recvfromOrErrno, recvOrErrno, sendFailure, sendOrErrno, sendRecvOrErrno, socket, unlink } from '../../lib/sys/libc.js';
import { expectCallsByAddress } from '../helpers/socket-calls-by-address.js';
import { directSyscall } from '../../lib/sys/syscall-stubs.js';
import { SystemCallError } from '../../lib/sys/system-call-error.js';
import { AF_NETLINK, CLONE_NEWNET, NETLINK_ROUTE, SOCK_CLOEXEC, SOCK_RAW } from '../../lib/sys/constants.js';
import { expectNodeFsErrors } from '../helpers/fs-call-failures.js';
import { netlinkAddress, SYSCALL_FAILURES, thrownBy } from '../helpers/syscall-failures.js';

const isRoot = process.getuid?.() === 0;

describe('the socket calls by address (socketCalls, addressOf)', () => {
  it('send and read the bytes at the addresses given', () => {
    expectCallsByAddress(libc);
  });
});

describe('sendOrErrno, recvOrErrno and recvfromOrErrno', () => {
  it("give each failed call's own errno, negated, whatever errno holds", () => {
    const buffer = new Uint8Array(16);
    const address = new Uint8Array(12);
    const length = new Uint32Array([12]);
    const file = openSync('/dev/null', 'r');
    try {
      koffi.errno(ERRNO.ENOENT);
      expect(recvfromOrErrno(file, buffer, 0, address, length)).toBe(-ERRNO.ENOTSOCK);
      koffi.errno(ERRNO.ENOENT);
      expect(recvOrErrno(file, buffer, 0)).toBe(-ERRNO.ENOTSOCK);
      expect(recvOrErrno(-1, buffer, 0)).toBe(-ERRNO.EBADF);
      koffi.errno(ERRNO.ENOENT);
      expect(sendOrErrno(-1, buffer, 0)).toBe(-ERRNO.EBADF);
      expect(sendOrErrno(file, buffer, 0)).toBe(-ERRNO.ENOTSOCK);
      koffi.errno(ERRNO.ENOENT);
      expect(sendFailure(sendRecvOrErrno(-1, buffer, buffer, 0))).toBe(ERRNO.EBADF);
      expect(sendFailure(sendRecvOrErrno(file, buffer, buffer, 0))).toBe(ERRNO.ENOTSOCK);
    } finally {
      closeSync(file);
    }
  });
});

describe('closeFd, openFd and unlink', () => {
  it("open, close and unlink, and fail with Node's errors (fs.openSync's, fs.closeSync's; nodeCall(unlinkSync)'s)", () => {
    expectNodeFsErrors({ closeFd, openFd, unlink }, SystemCallError);
  });
});

describe('sendRecvOrErrno', () => {
  it("sends, then reads the kernel's answer in the same call", () => {
    const fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    try {
      // RTM_GETLINK of ifindex 1 (lo, in every namespace), sequence number 77: its answer is queued within the send.
      const request = new Uint8Array(32);
      const view = new DataView(request.buffer);
      view.setUint32(0, 32, true);
      view.setUint16(4, 18, true);
      view.setUint16(6, 1, true);
      view.setUint32(8, 77, true);
      view.setInt32(20, 1, true);
      const answer = new Uint8Array(8192);
      const size = sendRecvOrErrno(fd, request, answer, 0x40);
      expect(sendFailure(size)).toBe(0);
      expect(size).toBeGreaterThan(16);
      const header = new DataView(answer.buffer);
      expect([header.getUint16(4, true), header.getUint32(8, true)]).toEqual([16, 77]);
      // Nothing more queued: a read finds the socket empty.
      expect(recvOrErrno(fd, answer, 0x40)).toBe(-ERRNO.EAGAIN);
    } finally {
      closeSync(fd);
    }
  });
});

describe('the checked calls', () => {
  it.each(SYSCALL_FAILURES.filter((failure) => !failure.root || !isRoot).map((failure) => [failure.what, failure] as const))(
    '%s: a SystemCallError with the kernel errno, whatever errno held',
    (_what, failure) => {
      koffi.errno(ERRNO.ENOENT);
      const error = thrownBy(failure);
      expect(error).toBeInstanceOf(SystemCallError);
      // Without root the mount calls are refused before anything else.
      const code = failure.root && !isRoot ? 'EPERM' : failure.code;
      expect(error).toMatchObject({ syscall: failure.syscall, code, errno: ERRNO[code as keyof typeof ERRNO] });
      if (failure.message !== undefined) expect((error as Error).message).toBe(failure.message);
    },
  );
});

describe.skipIf(process.arch !== 'x64')('the generic stub (x86_64)', () => {
  const lib = koffi.load('libc.so.6');
  const socket = directSyscall<[number, number, number]>(lib, 'socket', 'int domain, int type, int protocol')!;
  const bind = directSyscall<[number, Buffer, number]>(lib, 'bind', 'int fd, const void *address, uint32_t length')!;
  const getsockname = directSyscall<[number, Buffer, number[]]>(lib, 'getsockname', 'int fd, _Out_ void *address, _Inout_ uint32_t *length')!;
  const setns = directSyscall<[number, number]>(lib, 'setns', 'int fd, int nstype')!;

  it('is made on this machine', () => {
    expect([socket, bind, getsockname, setns].every((call) => typeof call === 'function' && typeof call.async === 'function')).toBe(true);
  });

  it("returns the kernel's value: a new fd, 0, or -errno whatever errno holds", () => {
    const first = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    const second = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    expect(first).toBeGreaterThan(2);
    expect(second).toBeGreaterThan(2);
    try {
      expect(bind(first, netlinkAddress(0), 12)).toBe(0);
      const address = Buffer.alloc(12);
      const length = [12];
      expect(getsockname(first, address, length)).toBe(0);
      expect(length).toEqual([12]);
      const port = address.readUInt32LE(4);
      koffi.errno(ERRNO.ENOENT);
      expect(bind(first, netlinkAddress(port + 1), 12)).toBe(-ERRNO.EINVAL);
      koffi.errno(ERRNO.ENOENT);
      expect(bind(second, netlinkAddress(port), 12)).toBe(-ERRNO.EADDRINUSE);
      expect(bind(second, netlinkAddress(0), 4)).toBe(-ERRNO.EINVAL);
      expect(setns(-1, CLONE_NEWNET)).toBe(-ERRNO.EBADF);
      expect(setns(first, CLONE_NEWNET)).toBe(-ERRNO.EINVAL);
      expect(socket(AF_NETLINK, SOCK_RAW, 9999)).toBe(-ERRNO.EPROTONOSUPPORT);
    } finally {
      closeSync(first);
      closeSync(second);
    }
  });

  it('returns the errno on a worker thread too (async)', async () => {
    const result = await new Promise<number>((resolve, reject) => setns.async(-1, CLONE_NEWNET, (error, value) => (error ? reject(error) : resolve(value))));
    expect(result).toBe(-ERRNO.EBADF);
  });
});
