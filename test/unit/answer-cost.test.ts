import { describe, expect, it } from 'vitest';
import { CHANGE_ANSWER, DUMP_ANSWERS, OBJECT_REPLY, answerBudget, truesize } from '../../lib/answer-cost.js';

describe('answer cost: what the kernel charges the receive buffer', () => {
  it('matches the charges measured on Linux 6.18 (/proc/net/netlink Rmem per queued datagram)', () => {
    // An ACK (36 bytes), a capped error with a short text (68 bytes): the small-head cache.
    expect(truesize(36)).toBe(832);
    expect(truesize(68)).toBe(832);
    // An RTM_GETLINK reply sized by the kernel's estimate (about 1.5 KB): a 2 KB bucket.
    expect(truesize(1500)).toBe(2304);
    // An uncapped error echoing a 16 KB request: a 32 KB bucket.
    expect(truesize(16100)).toBe(33024);
  });

  it('bounds each kind of answer, and leaves room for a dump in the budget', () => {
    expect(CHANGE_ANSWER).toBeGreaterThanOrEqual(truesize(36 + 80 + 200));
    expect(OBJECT_REPLY).toBeGreaterThanOrEqual(truesize(4096));
    expect(DUMP_ANSWERS).toBe(2 * truesize(32768 - 320));
    expect(answerBudget(2 * 1024 * 1024)).toBe(2 * 1024 * 1024 - DUMP_ANSWERS);
    expect(answerBudget(4096)).toBe(16 * 1024);
  });
});
