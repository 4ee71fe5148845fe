/** Namespace files unpinned in one call into native code (lib/sys/unpin-code.ts), as one deleteNetnsFile after another. */
import { describe, expect, it } from 'vitest';
import * as namedNetns from '../../lib/sys/named-netns.js';
import { openSync, fstatSync } from 'node:fs';
import * as unpinBatch from '../../lib/sys/netns-unpin-batch.js';
import { unpinJoined } from '../../lib/sys/libc.js';
import { ERRNO } from '../../lib/sys/errno.js';
import { UNLINK_NOT_TRIED } from '../../lib/sys/unpin-code.js';
import { expectJoinedLikeOneByOne, expectSoonLikeOneByOne } from '../helpers/unpin-checks.js';

describe('unpinJoinedNetnsFiles', () => {
  it('ends each path as deleteNetnsFile does, leaves the same files, and makes nothing per path when every path was unpinned', () => {
    expectJoinedLikeOneByOne(namedNetns, true);
  });

  it('leaves unlink undone when umount2 failed with anything but EINVAL or ENOENT', () => {
    const results = new Int32Array(6);
    expect(unpinJoined(['/tmp/' + 'y'.repeat(300), '', '/proc/self'].join('\0'), 3, results, 0)).toBe(3);
    expect(Array.from(results)).toEqual([-ERRNO.ENAMETOOLONG, UNLINK_NOT_TRIED, -ERRNO.ENOENT, -ERRNO.ENOENT, -ERRNO.EINVAL, -ERRNO.EPERM]);
  });

  it('closes the fds given after the paths, in the same call, and tells how many paths were not unpinned', () => {
    const fds = Int32Array.of(openSync('/dev/null', 'r'), openSync('/dev/null', 'r'), -1);
    const results = new Int32Array(6);
    expect(unpinJoined(['/tmp/' + 'y'.repeat(300), '', '/proc/self'].join('\0'), 3, results, 0, fds, 3)).toBe(3);
    for (const fd of fds.subarray(0, 2)) expect(() => fstatSync(fd)).toThrow(expect.objectContaining({ code: 'EBADF' }));
    expect(unpinJoined('', 0, results, 0)).toBe(0);
  });

  it('unmounts and unlinks before it closes: a path through an fd it closes is still there for umount2 and unlink', () => {
    const fd = openSync('/dev/null', 'r');
    const results = new Int32Array(2);
    // Closed first, /proc/self/fd/N would be gone (ENOENT for both); open, it is a symlink that is no mount point.
    expect(unpinJoined(`/proc/self/fd/${fd}`, 1, results, 0, Int32Array.of(fd), 1)).toBe(1);
    expect(results[0]).toBe(-ERRNO.EINVAL);
    expect(results[1]).not.toBe(-ERRNO.ENOENT);
    expect(() => fstatSync(fd)).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });

  it('closes and unpins what a teardown asks for once its run of JavaScript is over, each path settled with its own outcome', async () => {
    await expectSoonLikeOneByOne(namedNetns, unpinBatch);
  });

  it('takes no path holding a NUL byte (it would end there in C): such a batch goes path by path', () => {
    const told = namedNetns.unpinJoinedNetnsFiles(['/tmp/a\0b'], undefined, new Int32Array(0), 0);
    expect(told.results).toBeUndefined();
    expect(told.errors).toHaveLength(1);
  });
});
