/**
 * Where no stub can be made (another architecture, executable memory refused), the checked calls
 * are libc's, with errno read right after a failure: here the stubs are taken away, and the same
 * failures must still carry the kernel's errno (read at once, with nothing in between to change it).
 */
import { closeSync, openSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { ERRNO } from '../../lib/sys/errno.js';

const stubs = vi.hoisted(() => ({ directSocketCalls: vi.fn(() => undefined), directSyscall: vi.fn(() => undefined), directUnpin: vi.fn(() => undefined), directProgram: vi.fn(() => undefined) }));
vi.mock('../../lib/sys/syscall-stubs.js', () => stubs);

// The setup file (test/helpers/own-netns.ts) has loaded lib/sys/libc.js, and bound its calls,
// before the mock: these are loaded afresh.
vi.resetModules();
const libc = await import('../../lib/sys/libc.js');
const { closeFd, openFd, recvfromOrErrno, recvOrErrno, sendFailure, sendOrErrno, sendRecvOrErrno, unlink } = libc;
const { SystemCallError } = await import('../../lib/sys/system-call-error.js');
const { SYSCALL_FAILURES, thrownBy } = await import('../helpers/syscall-failures.js');
const { expectNodeFsErrors } = await import('../helpers/fs-call-failures.js');
const { expectCallsByAddress } = await import('../helpers/socket-calls-by-address.js');

const isRoot = process.getuid?.() === 0;

describe('the checked calls through libc', () => {
  it.each(SYSCALL_FAILURES.filter((failure) => !failure.root || !isRoot).map((failure) => [failure.what, failure] as const))('%s', (_what, failure) => {
    const error = thrownBy(failure);
    expect(error).toBeInstanceOf(SystemCallError);
    const code = failure.root && !isRoot ? 'EPERM' : failure.code;
    expect(error).toMatchObject({ syscall: failure.syscall, code, errno: ERRNO[code as keyof typeof ERRNO] });
    if (failure.message !== undefined) expect((error as Error).message).toBe(failure.message);
  });

  it("closeFd, openFd and unlink fail with Node's errors", () => {
    expectNodeFsErrors({ closeFd, openFd, unlink }, SystemCallError);
  });

  it('send, recv and recvfrom give -errno', () => {
    const file = openSync('/dev/null', 'r');
    try {
      expect(recvfromOrErrno(file, new Uint8Array(16), 0, new Uint8Array(12), new Uint32Array([12]))).toBe(-ERRNO.ENOTSOCK);
      expect(recvOrErrno(file, new Uint8Array(16), 0)).toBe(-ERRNO.ENOTSOCK);
      expect(sendOrErrno(-1, new Uint8Array(16), 0)).toBe(-ERRNO.EBADF);
      expect(sendFailure(sendRecvOrErrno(file, new Uint8Array(16), new Uint8Array(16), 0))).toBe(ERRNO.ENOTSOCK);
    } finally {
      closeSync(file);
    }
  });

  it('sendRecvAt and recvAt send and read the bytes at the addresses given', () => {
    expectCallsByAddress(libc);
  });

  it('were bound without stubs (the mock was asked for them)', () => {
    expect(stubs.directSyscall).toHaveBeenCalled();
    expect(stubs.directSocketCalls).toHaveBeenCalled();
  });
});
