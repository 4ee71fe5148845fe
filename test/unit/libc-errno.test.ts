/**
 * lastErrno (lib/sys/libc.ts): errno as the last call through the libc bindings left it, read from
 * a binding taken once (the request and event sockets read it after every read that found nothing).
 */
import { closeSync, openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRNO } from '../../lib/sys/errno.js';
import { lastErrno, recvfromUnchecked, sendUnchecked } from '../../lib/sys/libc.js';

describe('lastErrno', () => {
  it("is the errno of the failed call just made, each time that call's own", () => {
    const buffer = new Uint8Array(16);
    const address = new Uint8Array(12);
    const length = new Uint32Array([12]);
    const file = openSync('/dev/null', 'r');
    try {
      expect(recvfromUnchecked(file, buffer, 0, address, length)).toBe(-1);
      expect(lastErrno()).toBe(ERRNO.ENOTSOCK);
      expect(sendUnchecked(-1, buffer, 0)).toBe(-1);
      expect(lastErrno()).toBe(ERRNO.EBADF);
    } finally {
      closeSync(file);
    }
  });
});
