import { describe, expect, it } from 'vitest';
import { Connection } from '../../lib/connection.js';
import { ConnectionClosedError, InvalidArgumentError, NetlinkError, RequestTimeoutError } from '../../lib/errors.js';
import { RTNETLINK, type RequestWriter } from '../../lib/message-codec.js';
import { SeqTable } from '../../lib/seq-table.js';
import { deleteLinkMessage } from '../../lib/rtnl/links.js';
import { NLM_F_ACK, RTM_NEWNSID } from '../../messages/constants.js';
import { decodeMessages, type NsidMessage } from '../../messages/message.js';
import { ack, fakeKernel } from '../helpers/fake-kernel.js';

function newNsid(nsid: number): NsidMessage {
  return { kind: 'nsid', type: RTM_NEWNSID, flags: 0, seq: 0, pid: 0, body: { family: 0, attrs: { nsid, fd: 5 } } };
}

/** Writes RTM_NEWNSID `n`; refuses 1000 as its checks would. */
const NSID_WRITER: RequestWriter<number> = {
  operation: 'RTM_NEWNSID',
  write: (w, n) => {
    if (n === 1000) throw new InvalidArgumentError('nsid', n, 'is refused by this test');
    RTNETLINK.write(w, newNsid(n));
  },
  describe: (n) => `RTM_NEWNSID ${n}`,
};

const nsidOf = (m: unknown): number => (m as NsidMessage).body.attrs.nsid!;

// The smallest budget (16 KiB): 12 changes' answers, so 12 changes per datagram.
const SMALL_BUFFER = { receiveBufferBytes: 1 };

describe('Connection.changes: a batch sent in slices', () => {
  for (const synchronous of [true, false]) {
    it(`gives each change the kernel refused its own error, by index, and the others undefined (answers ${synchronous ? 'within the send' : 'later'})`, async () => {
      const refused = new Set([3, 11, 20]);
      const kernel = fakeKernel((req) => [ack(req, refused.has(nsidOf(req)) ? -17 : 0)], { synchronous });
      const conn = new Connection(kernel, { ...SMALL_BUFFER, context: 'in netns x' });
      const subjects = Array.from({ length: 30 }, (_, i) => (i === 5 ? 1000 : i));
      const results = await conn.changes(NSID_WRITER, subjects);
      expect(results).toHaveLength(30);
      results.forEach((error, i) => {
        if (i === 5) expect(error).toBeInstanceOf(InvalidArgumentError);
        else if (refused.has(i)) {
          expect(error).toBeInstanceOf(NetlinkError);
          expect(error!.message).toBe(`RTM_NEWNSID ${i} in netns x: EEXIST`);
        } else expect(error).toBeUndefined();
      });
      // Entry 5 was not sent; 12 per datagram, each asking one ACK, for its last change.
      expect(kernel.sent).toHaveLength(3);
      const datagrams = kernel.sent.map((d) => decodeMessages(d));
      expect(datagrams.map((d) => d.map(nsidOf))).toEqual([
        [0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12],
        [13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24],
        [25, 26, 27, 28, 29],
      ]);
      for (const d of datagrams) expect(d.map((m) => (m.flags & NLM_F_ACK) !== 0)).toEqual(d.map((_, i) => i === d.length - 1));
      // Consecutive sequence numbers, one per entry (the refused one's is not used).
      const seqs = datagrams.flat().map((m) => m.seq);
      expect(seqs.slice(1).map((s, i) => s - seqs[i]!)).toEqual(subjects.slice(2).map((_, i) => (i === 4 ? 2 : 1)));
      // The connection goes on: a lone change after the batch is answered as usual.
      await expect(conn.change(NSID_WRITER, 99)).resolves.toBeUndefined();
      await expect(conn.change(NSID_WRITER, 3)).rejects.toThrow('RTM_NEWNSID 3 in netns x: EEXIST');
      conn.close();
    });
  }

  it('per-change writers: one result per change, in order', async () => {
    const kernel = fakeKernel((req) => [ack(req, nsidOf(req) === 2 ? -22 : 0)], { synchronous: true });
    const conn = new Connection(kernel);
    const other: RequestWriter<number> = { ...NSID_WRITER, describe: (n) => `other ${n}` };
    const results = await conn.changes([NSID_WRITER, other, other, NSID_WRITER], [1, 2, 1000, 4]);
    expect(results.map((e) => e?.message)).toEqual([undefined, 'other 2: EINVAL', expect.stringContaining('refused by this test'), undefined]);
    conn.close();
  });

  it('a slice holding a change the kernel takes long over (a link deletion) is sent as slow, one of quick changes is not', async () => {
    const kernel = fakeKernel((req) => [ack(req)], { synchronous: true });
    const conn = new Connection(kernel);
    const deleteLink: RequestWriter<number> = { operation: 'RTM_DELLINK', write: (w, index) => RTNETLINK.write(w, deleteLinkMessage(index)) };
    await conn.changes(NSID_WRITER, [1, 2]);
    await conn.changes([NSID_WRITER, deleteLink, NSID_WRITER], [3, 7, 4]);
    expect(kernel.sendOptions.map((o) => o?.slow === true)).toEqual([false, true]);
    conn.close();
  });

  it('an empty batch resolves at once with no results and sends nothing', async () => {
    const kernel = fakeKernel((req) => [ack(req)]);
    const conn = new Connection(kernel);
    await expect(conn.changes(NSID_WRITER, [])).resolves.toEqual([]);
    expect(kernel.sent).toHaveLength(0);
    conn.close();
  });

  it('changes still waiting fail with the timeout, the close or the abort; those answered keep their outcome', async () => {
    // The first datagram (changes 0-11) is answered; the second (12-23) never is.
    const kernel = fakeKernel((req) => (nsidOf(req) < 12 ? [ack(req, nsidOf(req) === 4 ? -17 : 0)] : []));
    const conn = new Connection(kernel, SMALL_BUFFER);
    const timed = await conn.changes(NSID_WRITER, Array.from({ length: 24 }, (_, i) => i), { timeoutMs: 30 });
    expect(timed.slice(0, 12).map((e) => e?.constructor.name)).toEqual(Array.from({ length: 12 }, (_, i) => (i === 4 ? 'NetlinkError' : undefined)));
    for (const error of timed.slice(12)) expect(error).toBeInstanceOf(RequestTimeoutError);

    const controller = new AbortController();
    const aborted = conn.changes(NSID_WRITER, [30, 31, 32], { signal: controller.signal });
    controller.abort(new Error('stop'));
    expect((await aborted).map((e) => e?.message)).toEqual(['stop', 'stop', 'stop']);
    await expect(conn.changes(NSID_WRITER, [1, 2], { signal: controller.signal })).resolves.toEqual([expect.any(Error), expect.any(Error)]);

    const closing = conn.changes(NSID_WRITER, [40, 41]);
    conn.close();
    for (const error of await closing) expect(error).toBeInstanceOf(ConnectionClosedError);
    for (const error of await conn.changes(NSID_WRITER, [1])) expect(error).toBeInstanceOf(ConnectionClosedError);
  });
});

describe('SeqTable ranges', () => {
  const entry = (seq: number) => ({ seq });
  const range = (first: number, count: number) => ({ first, count });

  it('reserve() skips numbers of live entries and live ranges, and allocate() goes on after it', () => {
    const table = new SeqTable<{ seq: number }>();
    const a = table.allocate();
    table.set(entry(a));
    const base = table.reserve(10);
    expect(base).toBeGreaterThan(a);
    table.addRange(range(base, 10));
    expect(table.allocate()).toBe(base + 10);
    const next = table.reserve(5);
    expect(next).toBeGreaterThanOrEqual(base + 10);
    expect(table.rangeOf(base + 3)).toEqual(range(base, 10));
    expect(table.rangeOf(base + 10)).toBeUndefined();
  });

  it('allocate() never hands out a number of a live range, and wraps past 2^32 without 0', () => {
    const table = new SeqTable<{ seq: number }>();
    const first = table.reserve(2 ** 32 - 3);
    expect(first).toBe(1);
    const kept = range(first, 2 ** 32 - 3);
    table.addRange(kept);
    // The only numbers left: 2^32 - 2 and 2^32 - 1.
    expect(table.allocate()).toBe(2 ** 32 - 2);
    expect(table.allocate()).toBe(2 ** 32 - 1);
    table.removeRange(kept);
    expect(table.allocate()).toBe(1);
  });

  it('enterNew() hands out what allocate() would: past taken slots and live ranges, never 0', () => {
    const table = new SeqTable<{ seq: number }>();
    const a = entry(0);
    expect(table.enterNew(a)).toBe(1);
    expect(table.get(1)).toBe(a);
    // The next number's slot taken (by low bits, 64 slots): moved past it.
    table.setReserved(entry(2));
    expect(table.enterNew(entry(0))).toBe(3);
    // A live range: none of its numbers, even where their slots are free.
    const held = range(table.reserve(10), 10);
    table.addRange(held);
    const b = entry(0);
    expect(table.enterNew(b)).toBe(held.first + 10);
    expect(b.seq).toBe(held.first + 10);
    table.removeRange(held);
    // Wrapping past 2^32 skips 0.
    const wrap = new SeqTable<{ seq: number }>();
    wrap.reserve(2 ** 32 - 2);
    expect(wrap.enterNew(entry(0))).toBe(2 ** 32 - 1);
    expect(wrap.enterNew(entry(0))).toBe(1);
    expect(wrap.size).toBe(2);
  });

  it('reserve() moves past a range it would overlap after wrapping, and setReserved() grows the table on a slot collision', () => {
    const table = new SeqTable<{ seq: number }>();
    table.addRange(range(1, 100));
    table.reserve(2 ** 32 - 200);
    // Near the end of the numbers: a reservation of 300 wraps to 1 and must move past [1, 100].
    expect(table.reserve(300)).toBe(101);
    table.set(entry(table.allocate()));
    const taken = table.values()[0]!.seq;
    // Same low bits as `taken` in a table of 64 slots.
    table.setReserved(entry(taken + 64));
    expect(table.get(taken)).toEqual(entry(taken));
    expect(table.get(taken + 64)).toEqual(entry(taken + 64));
    expect(table.size).toBe(2);
  });
});
