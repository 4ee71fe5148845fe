/** Namespace files unpinned in one call into native code (lib/sys/unpin-code.ts), as one deleteNetnsFile after another. */
import { describe, expect, it } from 'vitest';
import * as namedNetns from '../../lib/sys/named-netns.js';
import { unpinAll } from '../../lib/sys/libc.js';
import { ERRNO } from '../../lib/sys/errno.js';
import { UNLINK_NOT_TRIED } from '../../lib/sys/unpin-code.js';
import { expectUnpinLikeOneByOne, expectUnpinToldAtOnce } from '../helpers/unpin-checks.js';

describe('deleteNetnsFiles', () => {
  it('ends each path as deleteNetnsFile does, and leaves the same files', () => {
    expectUnpinLikeOneByOne(namedNetns);
  });

  it('tells a teardown that every path was unpinned with nothing made per path, and a failure path by path', () => {
    expectUnpinToldAtOnce(namedNetns, true);
  });

  it('leaves unlink undone when umount2 failed with anything but EINVAL or ENOENT', () => {
    const results = unpinAll(['/tmp/' + 'y'.repeat(300), '', '/proc/self'], 0);
    expect(results && Array.from(results.subarray(0, 6))).toEqual([-ERRNO.ENAMETOOLONG, UNLINK_NOT_TRIED, -ERRNO.ENOENT, -ERRNO.ENOENT, -ERRNO.EINVAL, -ERRNO.EPERM]);
  });

  it('takes no path holding a NUL byte (it would end there in C)', () => {
    expect(unpinAll(['/tmp/a\0b'], 0)).toBeUndefined();
  });
});
