import { afterEach, describe, expect, it, vi } from 'vitest';
import { Connection } from '../../lib/connection.js';
import { RequestTimeoutError } from '../../lib/errors.js';
import { NLM_F_DUMP, NLM_F_MULTI, RTM_GETNSID, RTM_NEWNSID } from '../../messages/constants.js';
import type { NetlinkMessage, NsidMessage } from '../../messages/message.js';
import { ack, done, fakeKernel } from '../helpers/fake-kernel.js';
import { undoFakeClock, useFakeClock } from '../helpers/fake-clock.js';

const dumpNsids = (): NsidMessage => ({ kind: 'nsid', type: RTM_GETNSID, flags: NLM_F_DUMP, seq: 0, pid: 0, body: { family: 0, attrs: {} } });
const part = (request: NetlinkMessage, nsid: number): NsidMessage => ({
  kind: 'nsid', type: RTM_NEWNSID, flags: NLM_F_MULTI, seq: request.seq, pid: 0, body: { family: 0, attrs: { nsid } },
});
const tick = () => new Promise((r) => setImmediate(r));
const nsids = (messages: NetlinkMessage[]) => messages.map((m) => (m as NsidMessage).body.attrs.nsid);

/**
 * A kernel that, like Linux, keeps one dump open per socket until its last datagram (DONE) has
 * been read, and answers another dump meanwhile with EBUSY. Each dump is 3 datagrams, handed out
 * one per release() (a read that makes room for the next).
 */
function dumpingKernel() {
  const open: NetlinkMessage[][] = [];
  let count = 0;
  const kernel = fakeKernel((req) => {
    if (!(req.flags & NLM_F_DUMP)) return [ack(req)];
    if (open.length > 0) return [ack(req, -16)];
    const base = 10 * ++count;
    open.push([part(req, base + 1)], [part(req, base + 2)], [part(req, base + 3), done(req)]);
    return [];
  });
  const release = (n = 1) => {
    for (let i = 0; i < n && open.length > 0; i++) kernel.deliver(open.shift()!);
  };
  return { kernel, release, open };
}

describe('Connection: a dump whose caller gave up does not poison the socket', () => {
  afterEach(undoFakeClock);

  it('aborted while waiting behind another dump: never sent, and the dumps after it succeed', async () => {
    const { kernel, release } = dumpingKernel();
    const conn = new Connection(kernel);
    const first = conn.dump(dumpNsids());
    const controller = new AbortController();
    const given = conn.dump(dumpNsids(), { signal: controller.signal });
    await tick();
    controller.abort(new Error('gave up'));
    await expect(given).rejects.toThrow('gave up');
    release(3);
    expect(nsids(await first)).toEqual([11, 12, 13]);
    const next = conn.dump(dumpNsids());
    await tick();
    release(3);
    expect(nsids(await next)).toEqual([21, 22, 23]);
    expect(kernel.requests).toHaveLength(2);
    conn.close();
  });

  it('aborted before it was sent: nothing goes out for it', async () => {
    const { kernel, release } = dumpingKernel();
    const conn = new Connection(kernel);
    const controller = new AbortController();
    const given = conn.dump(dumpNsids(), { signal: controller.signal });
    controller.abort(new Error('gave up'));
    await expect(given).rejects.toThrow('gave up');
    const next = conn.dump(dumpNsids());
    await tick();
    release(3);
    expect(nsids(await next)).toEqual([11, 12, 13]);
    expect(kernel.requests).toHaveLength(1);
    conn.close();
  });

  for (const received of [0, 1, 2]) {
    it(`aborted after ${received} of its 3 datagrams: its rest is read and dropped before the next dump is sent`, async () => {
      const { kernel, release } = dumpingKernel();
      const conn = new Connection(kernel);
      const controller = new AbortController();
      const given = conn.dump(dumpNsids(), { signal: controller.signal });
      await tick();
      release(received);
      controller.abort(new Error('gave up'));
      await expect(given).rejects.toThrow('gave up');
      const next = conn.dump(dumpNsids());
      await tick();
      // Held back while the abandoned dump is open (the kernel would answer EBUSY).
      expect(kernel.requests).toHaveLength(1);
      release(3 - received);
      await tick();
      expect(kernel.requests).toHaveLength(2);
      release(3);
      expect(nsids(await next)).toEqual([21, 22, 23]);
      conn.close();
    });
  }

  it('timed out mid-dump: the late datagrams are not taken for the next dump', async () => {
    const { kernel, release } = dumpingKernel();
    const conn = new Connection(kernel);
    const given = conn.dump(dumpNsids(), { timeoutMs: 20 });
    await tick();
    release(1);
    await expect(given).rejects.toBeInstanceOf(RequestTimeoutError);
    const next = conn.dump(dumpNsids());
    await tick();
    release(2);
    await tick();
    release(3);
    expect(nsids(await next)).toEqual([21, 22, 23]);
    conn.close();
  });

  it('an abandoned dump the kernel never finishes is forgotten after a while, and the next dump goes out', async () => {
    useFakeClock();
    const held: NetlinkMessage[] = [];
    const kernel = fakeKernel((req) => {
      held.push(req);
      return held.length === 1 ? [] : [[part(req, 7)], [done(req)]];
    });
    const conn = new Connection(kernel);
    const given = conn.dump(dumpNsids(), { timeoutMs: 50 });
    given.catch(() => undefined);
    await vi.advanceTimersByTimeAsync(60);
    await expect(given).rejects.toBeInstanceOf(RequestTimeoutError);
    const next = conn.dump(dumpNsids());
    await vi.advanceTimersByTimeAsync(1000);
    expect(held).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(held).toHaveLength(2);
    undoFakeClock();
    expect(nsids(await next)).toEqual([7]);
    conn.close();
  });

  it('a change abandoned by its caller still counts against the receive buffer until its answer comes', async () => {
    const held: NetlinkMessage[] = [];
    const kernel = fakeKernel((req) => void held.push(req));
    const conn = new Connection(kernel, { receiveBufferBytes: 16 * 1024 });
    const newNsid = (nsid: number): NsidMessage => ({ kind: 'nsid', type: RTM_NEWNSID, flags: 0, seq: 0, pid: 0, body: { family: 0, attrs: { nsid, fd: 3 } } });
    const controller = new AbortController();
    const first = Array.from({ length: 12 }, (_, i) => conn.request(newNsid(i), { signal: controller.signal }).catch((e: Error) => e.message));
    await tick();
    const sent = held.length;
    expect(sent).toBeGreaterThan(0);
    controller.abort(new Error('gave up'));
    expect(new Set(await Promise.all(first))).toEqual(new Set(['gave up']));
    // Their answers have not been read: the next requests wait for room.
    const later = conn.request(newNsid(99));
    await tick();
    expect(held).toHaveLength(sent);
    kernel.deliver(held.map((req) => ack(req)));
    await tick();
    expect(held).toHaveLength(sent + 1);
    kernel.deliver([ack(held.at(-1)!)]);
    await expect(later).resolves.toEqual([]);
    conn.close();
  });
});
