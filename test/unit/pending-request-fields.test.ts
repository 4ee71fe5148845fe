import { describe, expect, it } from 'vitest';
import { newPendingRequest, type PendingRequest, QUEUED, renewRequest, RESOLVE_REPLIES, RESOLVE_VOID, SETTLED } from '../../lib/pending-request.js';

// newPendingRequest copies a template of a new request (every field in one step) and renewRequest
// resets a reused request field by field: the two lists must stay the same.

const describer = { describe: (): string => 'a link' };

/** A request as the quick lane leaves it: settled within its call, every plain field changed. */
function usedRequest(): PendingRequest<never> {
  const r = newPendingRequest<never>('dump', 'link.get', undefined, 1);
  Object.assign(r, {
    seq: 9, state: SETTLED, cost: 100, flags: 5, start: 16, end: 48,
    coverable: true, slow: true, brief: true, quiet: true, frames: true, interrupted: true, abandonTimed: true,
    resolveWith: RESOLVE_REPLIES, covers: [], group: [], replies: [], convert: (m: never): never => m,
    deadline: 5, timeoutMs: 5, error: new Error('old'),
  });
  return r;
}

describe('newPendingRequest and renewRequest', () => {
  it('start a request queued, to resolve with nothing', () => {
    const r = newPendingRequest<never>('ack', 'link.set', undefined, undefined);
    expect(r.state).toBe(QUEUED);
    expect(r.resolveWith).toBe(RESOLVE_VOID);
  });

  it('make the same request', () => {
    const renewed = renewRequest(usedRequest(), 'ack', 'addr.add', describer, 2);
    const fresh = newPendingRequest<never>('ack', 'addr.add', describer, 2);
    expect(renewed).toStrictEqual(fresh);
  });

  it('make a new object each time, which changes to the requests made before do not reach', () => {
    const before = newPendingRequest<never>('ack', 'link.set', describer, 3);
    const used = usedRequest();
    const after = newPendingRequest<never>('ack', 'link.set', describer, 3);
    expect(after).not.toBe(before);
    expect(after).toStrictEqual(before);
    expect([after.seq, after.state, after.replies, after.error]).toEqual([0, QUEUED, undefined, undefined]);
    expect(used.seq).toBe(9);
  });
});
