/**
 * sendOrErrno and recvfromOrErrno (lib/sys/libc.ts): a failure comes back as -errno, the kernel's
 * own value for that call (see lib/sys/syscall-stubs.ts), not errno read afterwards.
 */
import { closeSync, openSync } from 'node:fs';
import koffi from 'koffi';
import { describe, expect, it } from 'vitest';
import { ERRNO } from '../../lib/sys/errno.js';
import { recvfromOrErrno, sendOrErrno } from '../../lib/sys/libc.js';

describe('sendOrErrno and recvfromOrErrno', () => {
  it("give each failed call's own errno, negated, whatever errno holds", () => {
    const buffer = new Uint8Array(16);
    const address = new Uint8Array(12);
    const length = new Uint32Array([12]);
    const file = openSync('/dev/null', 'r');
    try {
      koffi.errno(ERRNO.ENOENT);
      expect(recvfromOrErrno(file, buffer, 0, address, length)).toBe(-ERRNO.ENOTSOCK);
      koffi.errno(ERRNO.ENOENT);
      expect(sendOrErrno(-1, buffer, 0)).toBe(-ERRNO.EBADF);
      expect(sendOrErrno(file, buffer, 0)).toBe(-ERRNO.ENOTSOCK);
    } finally {
      closeSync(file);
    }
  });
});
