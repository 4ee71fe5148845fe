/** Without a page of stubs, a teardown's unpins make the calls one by one, with the same outcomes. */
import { describe, expect, it, vi } from 'vitest';

const stubs = vi.hoisted(() => ({ directSocketCalls: vi.fn(() => undefined), directSyscall: vi.fn(() => undefined), directUnpin: vi.fn(() => undefined), directProgram: vi.fn(() => undefined) }));
vi.mock('../../lib/sys/syscall-stubs.js', () => stubs);

vi.resetModules();
const namedNetns = await import('../../lib/sys/named-netns.js');
const { unpinJoined } = await import('../../lib/sys/libc.js');
const unpinBatch = await import('../../lib/sys/netns-unpin-batch.js');
const { expectJoinedLikeOneByOne, expectSoonLikeOneByOne } = await import('../helpers/unpin-checks.js');

describe('unpinJoinedNetnsFiles without stubs', () => {
  it('ends each path as deleteNetnsFile does', () => {
    expect(unpinJoined('', 1, new Int32Array(2), 0)).toBeUndefined();
    expectJoinedLikeOneByOne(namedNetns, false);
  });

  it('closes and unpins what a teardown asks for one by one, each path settled with its own outcome', async () => {
    await expectSoonLikeOneByOne(namedNetns, unpinBatch);
  });
});
