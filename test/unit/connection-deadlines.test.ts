import { afterEach, describe, expect, it, vi } from 'vitest';
import { Connection } from '../../lib/connection.js';
import { RequestTimeoutError } from '../../lib/errors.js';
import type { Transport } from '../../lib/transport.js';
import { NLM_F_ACK, NLM_F_DUMP, NLM_F_MULTI, RTM_GETNSID, RTM_NEWNSID } from '../../messages/constants.js';
import { decodeMessages, encodeMessages, type NetlinkMessage, type NsidMessage } from '../../messages/message.js';
import { ack, done } from '../helpers/fake-kernel.js';
import { undoFakeClock, useFakeClock } from '../helpers/fake-clock.js';

// A request's deadline never reports a timeout for a request whose answer is already waiting on
// the socket: the event loop held up past the deadline (a long synchronous task, a GC pause) lets
// the deadline timer run before the socket is read, and the socket is then read first.

const newNsid = (nsid: number): NsidMessage => ({ kind: 'nsid', type: RTM_NEWNSID, flags: 0, seq: 0, pid: 0, body: { family: 0, attrs: { nsid, fd: 5 } } });
const dumpNsids = (): NsidMessage => ({ kind: 'nsid', type: RTM_GETNSID, flags: NLM_F_DUMP, seq: 0, pid: 0, body: { family: 0, attrs: {} } });
const part = (request: NetlinkMessage, nsid: number): NsidMessage => ({
  kind: 'nsid', type: RTM_NEWNSID, flags: NLM_F_MULTI, seq: request.seq, pid: 0, body: { family: 0, attrs: { nsid } },
});
const nsidOf = (m: NetlinkMessage) => (m as NsidMessage).body.attrs.nsid;

/**
 * A socket whose answers wait in a receive queue until they are read, as the kernel's do: read by
 * readQueued() (what the connection calls before expiring requests) or by pass() (the event loop's
 * reading, which the tests hold back to stand for a busy event loop). A dump of `dumpLength` parts
 * is made like the kernel makes one: one datagram queued at the send, the next one queued as each is
 * read, DONE after the last.
 */
function queuedSocket(answer: (request: NetlinkMessage) => 'ack' | 'none', dumpLength = 3) {
  let listener: (d: Uint8Array) => boolean | void = () => {};
  const queue: Array<{ bytes: Uint8Array; dump?: () => void }> = [];
  const requests: NetlinkMessage[] = [];
  const socket = {
    port: 0,
    requests,
    queue,
    /** Datagrams read, by readQueued() and pass() alike. */
    reads: 0,
    send(datagram: Uint8Array) {
      for (const request of decodeMessages(datagram)) {
        requests.push(request);
        if (request.flags & NLM_F_DUMP) {
          let made = 0;
          const next = (): void => {
            made++;
            if (made <= dumpLength) queue.push({ bytes: encodeMessages([part(request, made)]), dump: next });
            else queue.push({ bytes: encodeMessages([done(request)]) });
          };
          next();
        } else if (request.flags & NLM_F_ACK && answer(request) === 'ack') {
          queue.push({ bytes: encodeMessages([ack(request)]) });
        }
      }
      return undefined;
    },
    /** Reads like the connection's read before expiring: until empty or the listener has enough. */
    readQueued() {
      while (queue.length > 0) if (socket.read() === false) return;
    },
    /** The event loop's reading: up to `n` datagrams. */
    pass(n = Infinity) {
      for (let i = 0; i < n && queue.length > 0; i++) socket.read();
    },
    read(): boolean | void {
      const entry = queue.shift()!;
      socket.reads++;
      entry.dump?.();
      return listener(entry.bytes);
    },
    onDatagram(l: (d: Uint8Array) => boolean | void) {
      listener = l;
    },
    onError() {},
    ref() {},
    unref() {},
    close() {},
  } satisfies Transport & Record<string, unknown>;
  return socket;
}

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: Error) => (e instanceof RequestTimeoutError ? 'timed out' : e.message),
  );

describe('Connection: deadlines after the event loop was held up', () => {
  afterEach(undoFakeClock);

  it('a change whose ACK waits on the socket when its deadline passes resolves; one with no answer times out', async () => {
    useFakeClock();
    const socket = queuedSocket((request) => (nsidOf(request) === 2 ? 'none' : 'ack'));
    const conn = new Connection(socket, { timeoutMs: 50 });
    // Each in a datagram of its own (an ACK vouches for the requests before it in its datagram).
    const answered = outcome(conn.request(newNsid(1)));
    await vi.advanceTimersByTimeAsync(0);
    const unanswered = outcome(conn.request(newNsid(2)));
    await vi.advanceTimersByTimeAsync(0);
    const also = outcome(conn.request(newNsid(3)));
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.requests).toHaveLength(3);
    expect(socket.queue).toHaveLength(2);
    // Nothing read for 300 ms: the deadline timer runs before the event loop reads the socket.
    await vi.advanceTimersByTimeAsync(300);
    expect(await Promise.all([answered, unanswered, also])).toEqual(['resolved', 'timed out', 'resolved']);
    expect(socket.queue).toHaveLength(0);
    conn.close();
  });

  it('many concurrent changes answered during the stall all resolve', async () => {
    useFakeClock();
    const socket = queuedSocket(() => 'ack');
    const conn = new Connection(socket, { timeoutMs: 20 });
    const all = Array.from({ length: 500 }, (_, i) => outcome(conn.request(newNsid(i))));
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.queue.length).toBeGreaterThan(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(new Set(await Promise.all(all))).toEqual(new Set(['resolved']));
    conn.close();
  });

  it('the clock starts when a request is sent: a request flow control holds back is not timed while it waits', async () => {
    useFakeClock();
    const socket = queuedSocket(() => 'none');
    // Room for a few answers in flight (16 KiB), none ever answered.
    const conn = new Connection(socket, { timeoutMs: 50, receiveBufferBytes: 16 * 1024 });
    const settled: string[] = [];
    const all = Array.from({ length: 60 }, (_, i) => outcome(conn.request(newNsid(i))).then((o) => (settled[i] = o)));
    await vi.advanceTimersByTimeAsync(0);
    const first = socket.requests.length;
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(60);
    // Past the limit, many times over: the ones sent timed out, the ones held back still wait.
    await vi.advanceTimersByTimeAsync(1000);
    expect(settled.filter((o) => o === 'timed out')).toHaveLength(first);
    expect(socket.requests).toHaveLength(first);
    // The abandoned ones are forgotten after 5 s: the next go out, each given its 50 ms from then.
    for (let ms = 0; ms < 6000 && socket.requests.length === first; ms++) await vi.advanceTimersByTimeAsync(1);
    expect(socket.requests.length).toBeGreaterThan(first);
    const sentAt = performance.now();
    const second = socket.requests.length;
    expect(settled.filter((o) => o !== undefined)).toHaveLength(first);
    await vi.advanceTimersByTimeAsync(49);
    expect(settled.filter((o) => o !== undefined)).toHaveLength(first);
    await vi.advanceTimersByTimeAsync(2);
    expect(settled.filter((o) => o !== undefined)).toHaveLength(second);
    expect(performance.now() - sentAt).toBeGreaterThanOrEqual(50);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(new Set(await Promise.all(all))).toEqual(new Set(['timed out']));
    conn.close();
  });

  it('a dump whose last datagrams wait on the socket when its deadline passes completes', async () => {
    useFakeClock();
    const socket = queuedSocket(() => 'ack', 3);
    const conn = new Connection(socket, { timeoutMs: 50 });
    const dump = conn.dump(dumpNsids());
    await vi.advanceTimersByTimeAsync(0);
    // Two of its three parts read; the third is queued, and DONE comes as it is read.
    socket.pass(2);
    await vi.advanceTimersByTimeAsync(300);
    expect((await dump).map(nsidOf)).toEqual([1, 2, 3]);
    conn.close();
  });

  it('a dump the kernel is still producing when its deadline passes times out, after reading what was queued of it', async () => {
    useFakeClock();
    const socket = queuedSocket(() => 'ack', 1000);
    const conn = new Connection(socket, { timeoutMs: 50 });
    const dump = outcome(conn.dump(dumpNsids()));
    await vi.advanceTimersByTimeAsync(0);
    socket.pass(10);
    const before = socket.reads;
    await vi.advanceTimersByTimeAsync(300);
    expect(await dump).toBe('timed out');
    // The one datagram of it queued, and the next its read made: not the other 988.
    expect(socket.reads - before).toBe(2);
    // Its rest is read and dropped as usual; the next dump then goes out and succeeds.
    const next = conn.dump(dumpNsids());
    await vi.advanceTimersByTimeAsync(0);
    socket.pass();
    await vi.advanceTimersByTimeAsync(0);
    socket.pass();
    expect((await next).map(nsidOf)).toHaveLength(1000);
    conn.close();
  });

  it('a change answered behind a running dump resolves and the dump still times out', async () => {
    useFakeClock();
    const socket = queuedSocket(() => 'ack', 1000);
    const conn = new Connection(socket, { timeoutMs: 50 });
    const dump = outcome(conn.dump(dumpNsids()));
    await vi.advanceTimersByTimeAsync(0);
    const changes = Array.from({ length: 20 }, (_, i) => outcome(conn.request(newNsid(i))));
    await vi.advanceTimersByTimeAsync(0);
    // The dump's first datagram, then the changes' one ACK (the last change asks for it).
    expect(socket.queue).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(300);
    expect(new Set(await Promise.all(changes))).toEqual(new Set(['resolved']));
    expect(await dump).toBe('timed out');
    // Its datagram, the ACK, and the dump's next datagram (made by the first read): no more.
    expect(socket.reads).toBe(3);
    conn.close();
  });

  it('reads at most what the receive buffer can hold while an answer never comes and a dump keeps producing', async () => {
    useFakeClock();
    const socket = queuedSocket(() => 'none', 100_000);
    const conn = new Connection(socket, { timeoutMs: 50 });
    const dump = outcome(conn.dump(dumpNsids()));
    const lost = outcome(conn.request(newNsid(1)));
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(300);
    expect(await Promise.all([dump, lost])).toEqual(['timed out', 'timed out']);
    // Each part is 28 bytes: (the default 212,992-byte buffer + 64 KiB) / 28 reads, not 100,000.
    expect(socket.reads).toBeLessThanOrEqual(Math.ceil((212_992 + 64 * 1024) / 28) + 1);
    expect(socket.reads).toBeGreaterThan(100);
    conn.close();
  });
});
