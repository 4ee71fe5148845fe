import { describe, expect, it, vi } from 'vitest';
import { Connection } from '../../lib/connection.js';
import { APPLIED } from '../../lib/request-path.js';
import { ConnectionClosedError, NetlinkError, NetlinkOverrunError, RequestTimeoutError } from '../../lib/errors.js';
import type { RequestWriter } from '../../lib/message-codec.js';
import { ADDRESS_WRITER } from '../../lib/rtnl/address-request.js';
import { addressOnIndex, FLAGS_WRITER, linkFlagChange, LINK_DOWN, LINK_UP } from '../../lib/rtnl/changes.js';
import { ROUTE_WRITERS } from '../../lib/rtnl/route-request.js';
import type { SendQueue } from '../../lib/send-queue.js';
import { NLM_F_ACK, RTM_GETLINK, RTM_NEWADDR } from '../../messages/constants.js';
import { decodeMessages, type NetlinkMessage } from '../../messages/message.js';
import { ack, fakeKernel } from '../helpers/fake-kernel.js';

// A plain writer (RequestWriter.plain) takes the request path's quick lane when its change is
// made alone (RequestPath.change): these check that the lane sends the very bytes the general
// path sends, with the same outcomes, and gives way to the general path whenever it must.

/** The same writer without `plain`: its changes take the general path. */
function general<T>(writer: RequestWriter<T>): RequestWriter<T> {
  return { operation: writer.operation, write: (w, s) => writer.write(w, s), describe: (s) => writer.describe!(s) };
}

/** EEXIST for an address on device 13; otherwise success. */
const answer = (req: NetlinkMessage): NetlinkMessage[] => [ack(req, req.type === RTM_NEWADDR && (req.body as { index: number }).index === 13 ? -17 : 0)];
const asksAck = (datagram: Uint8Array) => decodeMessages(datagram).map((m) => (m.flags & NLM_F_ACK) !== 0);

/** Lone changes of every plain writer, on devices 1..n: flags, addresses (IPv4 and IPv6), routes. */
function changes(n: number): Array<[RequestWriter<never>, unknown]> {
  const out: Array<[RequestWriter<never>, unknown]> = [];
  for (let i = 1; i <= n; i++) {
    out.push([FLAGS_WRITER as RequestWriter<never>, linkFlagChange(i, i % 2 ? LINK_UP : LINK_DOWN)]);
    out.push([ADDRESS_WRITER as RequestWriter<never>, addressOnIndex('add', i, `10.${i}.${i * 7 % 256}.1/${8 + (i % 25)}`)]);
    out.push([ADDRESS_WRITER as RequestWriter<never>, addressOnIndex('delete', i, `fd00::${i.toString(16)}/64`)]);
    out.push([ROUTE_WRITERS.add as RequestWriter<never>, { dst: `10.${i}.0.0/16`, dev: i, metric: i }]);
    out.push([ROUTE_WRITERS.delete as RequestWriter<never>, { dst: `192.168.${i}.0/24`, dev: i }]);
  }
  return out;
}

/** The connection's send queue, as the path keeps it. */
function queueOf(conn: Connection): SendQueue<NetlinkMessage> {
  return (conn as unknown as { _path: { queue: SendQueue<NetlinkMessage> } })._path.queue;
}

async function sendAll(plain: boolean, list: Array<[RequestWriter<never>, unknown]>) {
  const kernel = fakeKernel(answer, { synchronous: true, readsUntilEmpty: true });
  const conn = new Connection(kernel);
  const alone = vi.spyOn(queueOf(conn), 'sendLone');
  const outcomes: string[] = [];
  for (const [writer, subject] of list) {
    outcomes.push(await conn.change(plain ? writer : general(writer), subject as never).then(() => 'ok', (e: NetlinkError) => `${e.code} ${e.message}`));
  }
  conn.close();
  const lane = alone.mock.calls.length;
  alone.mockRestore();
  return { sent: kernel.sent, outcomes, refs: kernel.refs, lane };
}

describe('RequestPath: the quick lane of a lone plain change', () => {
  it('sends the same bytes as the general path, one change at a time, for many changes of every plain writer', async () => {
    const list = changes(60);
    const lane = await sendAll(true, list);
    const other = await sendAll(false, list);
    expect(lane.sent.length).toBe(list.length);
    expect(lane.lane).toBe(list.length);
    expect(other.lane).toBe(0);
    expect(lane.sent).toEqual(other.sent);
    expect(lane.outcomes).toEqual(other.outcomes);
    expect(lane.sent.every((d) => asksAck(d)[0] === false)).toBe(true);
    expect(lane.refs).toBe(0);
  });

  it('rejects with the same error as the general path, then goes on', async () => {
    const list: Array<[RequestWriter<never>, unknown]> = [
      [ADDRESS_WRITER as RequestWriter<never>, addressOnIndex('add', 13, '10.0.0.1/24')],
      [FLAGS_WRITER as RequestWriter<never>, linkFlagChange(13, LINK_UP)],
    ];
    const lane = await sendAll(true, list);
    const other = await sendAll(false, list);
    expect(lane.outcomes[0]).toMatch(/^EEXIST RTM_NEWADDR 10\.0\.0\.1\/24 dev index 13/);
    expect(lane.outcomes).toEqual(other.outcomes);
    expect(lane.outcomes[1]).toBe('ok');
    expect(lane.sent).toEqual(other.sent);
  });

  it('gives the error the caller\'s stack and leaves the connection usable', async () => {
    const kernel = fakeKernel(answer, { synchronous: true, readsUntilEmpty: true });
    const conn = new Connection(kernel);
    const error = (await conn.change(ADDRESS_WRITER, addressOnIndex('add', 13, '10.0.0.1/24')).catch((e: unknown) => e)) as NetlinkError;
    expect(error).toBeInstanceOf(NetlinkError);
    expect(error.errno).toBe(17);
    expect(error.stack).toContain('connection-lane.test');
    await conn.change(ADDRESS_WRITER, addressOnIndex('add', 2, '10.0.0.2/24'));
    expect(kernel.refs).toBe(0);
    conn.close();
  });

  it('is reached with no frame between: Connection.change is the path\'s own function, given no options or some', async () => {
    const kernel = fakeKernel(answer, { synchronous: true, readsUntilEmpty: true });
    const conn = new Connection(kernel, { timeoutMs: 1000 });
    expect(conn.change).toBe((conn as unknown as { _path: { change: unknown } })._path.change);
    expect(Object.hasOwn(conn, 'change')).toBe(true);
    expect(conn.change(FLAGS_WRITER, linkFlagChange(1, LINK_UP))).toBe(APPLIED);
    await Promise.resolve();
    expect(conn.change(FLAGS_WRITER, linkFlagChange(1, LINK_UP), { timeoutMs: 50 })).toBe(APPLIED);
    await Promise.resolve();
    const error = (await conn.change(ADDRESS_WRITER, addressOnIndex('add', 13, '10.0.0.1/24'), { operation: 'adding it' }).catch((e: unknown) => e)) as NetlinkError;
    expect(error.message).toMatch(/^adding it/);
    expect(error.stack!.split('\n').slice(1).find((line) => !line.includes('node:internal'))).toContain('connection-lane.test');
    const other = new Connection(fakeKernel(answer, { synchronous: true, readsUntilEmpty: true }));
    expect(other.change).not.toBe(conn.change);
    other.close();
    conn.close();
    await expect(conn.change(FLAGS_WRITER, linkFlagChange(1, LINK_UP))).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it('queues changes made together after the first, as the general path does (one ACK per datagram)', async () => {
    const kernel = fakeKernel(answer, { synchronous: true, readsUntilEmpty: true });
    const conn = new Connection(kernel);
    const outcomes = await Promise.all(
      [1, 13, 3].map((i) => conn.change(ADDRESS_WRITER, addressOnIndex('add', i, `10.0.${i}.1/24`)).then(() => 'ok', (e: NetlinkError) => e.code)),
    );
    expect(outcomes).toEqual(['ok', 'EEXIST', 'ok']);
    expect(kernel.sent.map(asksAck)).toEqual([[false], [false, true]]);
    conn.close();
  });

  it('waits for the ACK of a lone plain change whose send the transport made later', async () => {
    const kernel = fakeKernel(answer, { synchronous: true, readsUntilEmpty: true, deferQuiet: true });
    const conn = new Connection(kernel);
    await conn.change(FLAGS_WRITER, linkFlagChange(1, LINK_UP), { timeoutMs: 1000 });
    await expect(conn.change(ADDRESS_WRITER, addressOnIndex('add', 13, '10.0.0.1/24'), { timeoutMs: 1000 })).rejects.toThrow('EEXIST');
    expect(kernel.sent.map(asksAck)).toEqual([[true], [true]]);
    expect(kernel.refs).toBe(0);
    conn.close();
  });

  it('times out a lone plain change whose send the transport made later, named as the change describes itself, with its own time limit', async () => {
    // No answer at all: the change's clock, started when the send waited, ends it.
    const kernel = fakeKernel(() => [], { synchronous: true, readsUntilEmpty: true, deferQuiet: true });
    const conn = new Connection(kernel, { timeoutMs: 60_000 });
    const described = (await conn.change(ADDRESS_WRITER, addressOnIndex('add', 13, '10.0.0.1/24'), { timeoutMs: 20 }).catch((e: unknown) => e)) as RequestTimeoutError;
    expect(described).toBeInstanceOf(RequestTimeoutError);
    expect(described.message).toContain(ADDRESS_WRITER.describe!(addressOnIndex('add', 13, '10.0.0.1/24')));
    expect(described.message).toContain('within 20 ms');
    const named = (await conn.change(FLAGS_WRITER, linkFlagChange(1, LINK_UP), { timeoutMs: 20, operation: 'raising it' }).catch((e: unknown) => e)) as RequestTimeoutError;
    expect(named.message).toContain('raising it');
    expect(kernel.sent.map(asksAck)).toEqual([[true], [true]]);
    conn.close();
  });

  it('asks for the ACK where the transport does not read until empty', async () => {
    const kernel = fakeKernel(answer, { synchronous: true });
    const conn = new Connection(kernel);
    await conn.change(FLAGS_WRITER, linkFlagChange(1, LINK_UP));
    await expect(conn.change(ADDRESS_WRITER, addressOnIndex('add', 13, '10.0.0.1/24'))).rejects.toThrow(NetlinkError);
    expect(kernel.sent.map(asksAck)).toEqual([[true], [true]]);
    conn.close();
  });
});

/** The connection's request table, as the path keeps it. */
function tableOf(conn: Connection): { live: number; size: number } {
  return (conn as unknown as { _path: { table: { live: number; size: number } } })._path.table;
}

// The quick lane's change is not entered in the request table while it is sent (RequestPath's
// _loneOut): whatever looks for it within the send enters it first.
describe('RequestPath: the quick lane of a lone plain change, while it is sent', () => {
  /** A kernel whose handler runs `during` (once) within the first send, then answers as `answer`. */
  function kernelWith(during: (kernel: ReturnType<typeof fakeKernel>) => void) {
    let first = true;
    const kernel = fakeKernel(
      (req) => {
        if (first) {
          first = false;
          during(kernel);
        }
        return answer(req);
      },
      { synchronous: true, readsUntilEmpty: true },
    );
    return kernel;
  }

  it('fails with the error of a send the transport refused, and leaves the table as it was', async () => {
    const kernel = fakeKernel(answer, { synchronous: true, readsUntilEmpty: true });
    const send = kernel.send;
    let refuse = true;
    kernel.send = (datagram, options) => {
      if (!refuse) return send(datagram, options);
      refuse = false;
      throw new Error('refused by the socket');
    };
    const conn = new Connection(kernel);
    const lane = vi.spyOn(queueOf(conn), 'sendLone');
    await expect(conn.change(FLAGS_WRITER, linkFlagChange(1, LINK_UP))).rejects.toThrow('refused by the socket');
    expect([tableOf(conn).live, tableOf(conn).size, kernel.refs]).toEqual([0, 0, 0]);
    await conn.change(FLAGS_WRITER, linkFlagChange(1, LINK_UP));
    expect(lane).toHaveBeenCalledTimes(2);
    expect(kernel.sent.map(asksAck)).toEqual([[false]]);
    lane.mockRestore();
    conn.close();
  });

  it('fails with the overrun a socket error (ENOBUFS) within its send reports', async () => {
    const kernel = kernelWith((k) => k.fail(Object.assign(new Error('overrun'), { code: 'ENOBUFS' })));
    const conn = new Connection(kernel);
    await expect(conn.change(FLAGS_WRITER, linkFlagChange(1, LINK_UP))).rejects.toThrow(NetlinkOverrunError);
    expect([tableOf(conn).live, tableOf(conn).size]).toEqual([0, 0]);
    await conn.change(FLAGS_WRITER, linkFlagChange(2, LINK_UP));
    conn.close();
  });

  it('fails as the connection closes on another socket error within its send', async () => {
    const kernel = kernelWith((k) => k.fail(new Error('socket gone')));
    const conn = new Connection(kernel);
    await expect(conn.change(FLAGS_WRITER, linkFlagChange(1, LINK_UP))).rejects.toThrow(ConnectionClosedError);
    expect(conn.closed).toBe(true);
  });

  it('is charged to flow control and unref\'d only when something looks for it within its send', async () => {
    const kernel = fakeKernel(answer, { synchronous: true, readsUntilEmpty: true });
    const conn = new Connection(kernel);
    const path = (conn as unknown as { _path: { queue: SendQueue<NetlinkMessage>; table: { receive(datagram: Uint8Array): void } } })._path;
    const unref = kernel.unref;
    let unrefs = 0;
    kernel.unref = () => {
      unrefs++;
      unref();
    };
    const charge = vi.spyOn(path.queue, 'chargeLone');
    // What flow control counts in flight when an answer is read.
    const inFlight: number[] = [];
    const receive = path.table.receive.bind(path.table);
    path.table.receive = (datagram) => {
      inFlight.push(path.queue.inFlight());
      receive(datagram);
    };
    for (let i = 1; i <= 5; i++) await conn.change(ROUTE_WRITERS.add, { dst: `10.${i}.0.0/16`, dev: i });
    // Applied within the send and never looked for: nothing charged, nothing to unref.
    expect([charge.mock.calls.length, unrefs, path.queue.inFlight()]).toEqual([0, 0, 0]);
    // Answered within its send (EEXIST): charged while its answer is read, freed once settled.
    await expect(conn.change(ADDRESS_WRITER, addressOnIndex('add', 13, '10.0.0.1/24'))).rejects.toThrow('EEXIST');
    expect(charge).toHaveBeenCalledTimes(1);
    expect(inFlight.length).toBe(1);
    expect(inFlight[0]).toBeGreaterThan(0);
    expect([path.queue.inFlight(), tableOf(conn).live, tableOf(conn).size, kernel.refs]).toEqual([0, 0, 0, 0]);
    await conn.change(ROUTE_WRITERS.add, { dst: '10.9.0.0/16', dev: 9 });
    expect(kernel.sent.map(asksAck).flat()).toEqual([false, false, false, false, false, false, false]);
    charge.mockRestore();
    conn.close();
  });

  it('is sent through the transport\'s sendAlone where it has one, else through send marked quiet', async () => {
    for (const hasSendAlone of [true, false]) {
      const kernel = fakeKernel(answer, { synchronous: true, readsUntilEmpty: true });
      let alone = 0;
      if (hasSendAlone) {
        kernel.sendAlone = (buffer, length) => {
          alone++;
          return kernel.send(buffer.subarray(0, length), { quiet: true });
        };
      }
      const conn = new Connection(kernel);
      for (let i = 1; i <= 3; i++) await conn.change(ROUTE_WRITERS.add, { dst: `10.${i}.0.0/16`, dev: i });
      await expect(conn.change(ADDRESS_WRITER, addressOnIndex('add', 13, '10.0.0.1/24'))).rejects.toThrow('EEXIST');
      expect(alone).toBe(hasSendAlone ? 4 : 0);
      expect(kernel.sendOptions).toEqual(Array(4).fill({ quiet: true }));
      expect(kernel.sent.map(asksAck).flat()).toEqual([false, false, false, false]);
      conn.close();
    }
  });

  it('leaves readsUntilEmpty to a transport\'s sendAlone, and goes the general path when that refuses', async () => {
    const kernel = fakeKernel(answer, { synchronous: true, readsUntilEmpty: true });
    let ready = true;
    let readinessReads = 0;
    Object.defineProperty(kernel, 'readsUntilEmpty', {
      get() {
        readinessReads++;
        return ready;
      },
    });
    // Like the request socket's: it checks its own readiness, and sends nothing when not ready.
    kernel.sendAlone = (buffer, length) => (ready ? kernel.send(buffer.subarray(0, length), { quiet: true }) : false);
    const conn = new Connection(kernel);
    const lane = vi.spyOn(queueOf(conn), 'sendLone');
    await conn.change(ROUTE_WRITERS.add, { dst: '10.1.0.0/16', dev: 1 });
    await expect(conn.change(ADDRESS_WRITER, addressOnIndex('add', 13, '10.0.0.1/24'))).rejects.toThrow('EEXIST');
    // The lane sent both without reading the transport's readiness: sendAlone answered it.
    expect(readinessReads).toBe(0);
    ready = false;
    await conn.change(ROUTE_WRITERS.add, { dst: '10.2.0.0/16', dev: 2 });
    await expect(conn.change(ADDRESS_WRITER, addressOnIndex('add', 13, '10.0.0.1/24'))).rejects.toThrow('EEXIST');
    // Refused by sendAlone: sent by the general path, asking for its ACK, each with a number of its own.
    expect(lane).toHaveBeenCalledTimes(4);
    expect(kernel.sent.map(asksAck).flat()).toEqual([false, false, true, true]);
    const seqs = kernel.requests.map((r) => r.seq);
    expect(new Set(seqs).size).toBe(4);
    expect([tableOf(conn).live, tableOf(conn).size, queueOf(conn).inFlight(), kernel.refs]).toEqual([0, 0, 0, 0]);
    ready = true;
    await conn.change(ROUTE_WRITERS.add, { dst: '10.3.0.0/16', dev: 3 });
    expect(kernel.sent.map(asksAck).flat()).toEqual([false, false, true, true, false]);
    lane.mockRestore();
    conn.close();
  });

  it('gives the general path the sequence number it took when sendAlone refuses: no number is skipped', async () => {
    const kernel = fakeKernel(answer, { synchronous: true, readsUntilEmpty: true });
    let ready = true;
    Object.defineProperty(kernel, 'readsUntilEmpty', { get: () => ready });
    kernel.sendAlone = (buffer, length) => (ready ? kernel.send(buffer.subarray(0, length), { quiet: true }) : false);
    const conn = new Connection(kernel);
    for (let i = 1; i <= 6; i++) {
      ready = i % 2 === 0;
      await conn.change(ROUTE_WRITERS.add, { dst: `10.${i}.0.0/16`, dev: i });
    }
    expect(kernel.sent.map(asksAck).flat()).toEqual([true, false, true, false, true, false]);
    const seqs = kernel.requests.map((r) => r.seq);
    expect(seqs.slice(1).map((seq, i) => seq - seqs[i]!)).toEqual([1, 1, 1, 1, 1]);
    conn.close();
  });

  it('leaves a change to the general path while an abandoned request is in the table, and takes it again once that is read', async () => {
    let held: NetlinkMessage | undefined;
    const kernel = fakeKernel(
      (req) => {
        if (req.type !== RTM_GETLINK) return answer(req);
        held = req;
        return [];
      },
      { synchronous: true, readsUntilEmpty: true },
    );
    const conn = new Connection(kernel);
    const controller = new AbortController();
    const getLink = { kind: 'link', type: RTM_GETLINK, flags: 0, seq: 0, pid: 0, body: { family: 0, type: 0, index: 5, flags: 0, change: 0, attrs: {} } } as NetlinkMessage;
    const abandoned = conn.request(getLink, { signal: controller.signal });
    controller.abort(new Error('gave up'));
    await expect(abandoned).rejects.toThrow('gave up');
    // Sent and given up on: nothing awaited, but its answer is still looked for.
    expect([tableOf(conn).live, tableOf(conn).size]).toEqual([0, 1]);
    const lane = vi.spyOn(queueOf(conn), 'sendLone');
    await conn.change(FLAGS_WRITER, linkFlagChange(1, LINK_UP));
    expect(lane).not.toHaveBeenCalled();
    kernel.deliver([ack(held!, -19)]);
    expect([tableOf(conn).live, tableOf(conn).size]).toEqual([0, 0]);
    await conn.change(FLAGS_WRITER, linkFlagChange(1, LINK_DOWN));
    expect(lane).toHaveBeenCalledTimes(1);
    expect(kernel.sent.slice(1).map(asksAck).flat()).toEqual([true, false]);
    const seqs = kernel.requests.map((r) => r.seq);
    expect(new Set(seqs).size).toBe(3);
    lane.mockRestore();
    conn.close();
  });

  it('is applied, and leaves the table, when a datagram for no request is read within its send', async () => {
    const kernel = kernelWith((k) => k.deliver([{ ...ack({ seq: 999_999, type: 16, flags: 0, pid: 0 } as NetlinkMessage), seq: 999_999 }]));
    const conn = new Connection(kernel);
    await conn.change(FLAGS_WRITER, linkFlagChange(1, LINK_UP));
    expect([tableOf(conn).live, tableOf(conn).size, kernel.refs]).toEqual([0, 0, 0]);
    await expect(conn.change(ADDRESS_WRITER, addressOnIndex('add', 13, '10.0.0.1/24'))).rejects.toThrow('EEXIST');
    expect([tableOf(conn).live, tableOf(conn).size]).toEqual([0, 0]);
    conn.close();
  });
});

/** Every change of `list` made at once (one Promise.all), plain or through the general path. */
async function sendTogether(plain: boolean, list: Array<[RequestWriter<never>, unknown]>, options: { synchronous: boolean }) {
  const kernel = fakeKernel(answer, { ...options, readsUntilEmpty: true });
  const conn = new Connection(kernel);
  const outcomes = await Promise.all(
    list.map(([writer, subject]) => conn.change(plain ? writer : general(writer), subject as never).then(() => 'ok', (e: NetlinkError) => `${e.code} ${e.message}`)),
  );
  conn.close();
  return { sent: kernel.sent, outcomes, refs: kernel.refs };
}

describe('RequestPath: the burst lane of plain changes made together', () => {
  it('sends the same bytes as the general path and settles each change the same', async () => {
    const list = changes(40);
    list.splice(17, 0, [ADDRESS_WRITER as RequestWriter<never>, addressOnIndex('add', 13, '10.0.0.1/24')]);
    for (const synchronous of [true, false]) {
      const lane = await sendTogether(true, list, { synchronous });
      const other = await sendTogether(false, list, { synchronous });
      expect(lane.sent).toEqual(other.sent);
      expect(lane.outcomes).toEqual(other.outcomes);
      // Device 13's two addresses: the one put in, and changes(40)'s.
      expect(lane.outcomes.filter((o) => o !== 'ok')).toEqual([expect.stringMatching(/^EEXIST RTM_NEWADDR 10\.0\.0\.1\/24 dev index 13/), expect.stringMatching(/^EEXIST RTM_NEWADDR 10\.13\./)]);
      expect(lane.refs).toBe(0);
    }
  });

  it("gives an error of the burst the caller's stack", async () => {
    const kernel = fakeKernel(answer, { synchronous: true, readsUntilEmpty: true });
    const conn = new Connection(kernel);
    async function burstCallSiteForTheTest(): Promise<void> {
      await Promise.all([1, 13, 3].map((i) => conn.change(ADDRESS_WRITER, addressOnIndex('add', i, `10.0.${i}.1/24`))));
    }
    const error = (await burstCallSiteForTheTest().catch((e: unknown) => e)) as NetlinkError;
    expect(error).toBeInstanceOf(NetlinkError);
    expect(error.stack).toContain('burstCallSiteForTheTest');
    conn.close();
  });
});

// The quick lane, the send queue and the table share one state (createRequestPath): what a lone
// change leaves behind must be what every other path that follows it, in the same tick, reads.
describe('RequestPath: the quick lane next to the other paths', () => {
  it('lets a batch made in the same tick as a lone change go out and settle, each change with its own outcome', async () => {
    const kernel = fakeKernel(answer, { synchronous: true, readsUntilEmpty: true });
    const conn = new Connection(kernel);
    const lane = vi.spyOn(queueOf(conn), 'sendLone');
    const lone = conn.change(ROUTE_WRITERS.add, { dst: '10.1.0.0/16', dev: 1 });
    const batch = conn.changes(ADDRESS_WRITER, [addressOnIndex('add', 2, '10.0.2.1/24'), addressOnIndex('add', 13, '10.0.13.1/24'), addressOnIndex('add', 4, '10.0.4.1/24')]);
    const after = conn.change(ROUTE_WRITERS.add, { dst: '10.5.0.0/16', dev: 5 });
    expect(lone).toBe(APPLIED);
    const results = await batch;
    await after;
    expect(results.map((e) => (e === undefined ? 'ok' : (e as NetlinkError).code))).toEqual(['ok', 'EEXIST', 'ok']);
    // The lone change alone in its datagram, without NLM_F_ACK; the batch's in one datagram, the last asking for its ACK.
    expect(kernel.sent.map(asksAck)[0]).toEqual([false]);
    expect(kernel.sent.map(asksAck).slice(1).flat().at(-1)).toBe(true);
    expect([queueOf(conn).inFlight(), tableOf(conn).live, tableOf(conn).size, kernel.refs]).toEqual([0, 0, 0, 0]);
    // The lane is taken again once the batch is over.
    const calls = lane.mock.calls.length;
    await conn.change(ROUTE_WRITERS.add, { dst: '10.6.0.0/16', dev: 6 });
    expect(lane.mock.calls.length).toBe(calls + 1);
    expect(kernel.sent.at(-1)!.length).toBeGreaterThan(0);
    expect(asksAck(kernel.sent.at(-1)!)).toEqual([false]);
    lane.mockRestore();
    conn.close();
  });

  it('fails a lone change whose send waits (charged, entered) with its error answer, while changes made meanwhile go on', async () => {
    const kernel = fakeKernel(answer, { synchronous: true, readsUntilEmpty: true, deferQuiet: true });
    const conn = new Connection(kernel);
    const failing = conn.change(ADDRESS_WRITER, addressOnIndex('add', 13, '10.0.0.1/24'));
    // Charged and entered while its send waits.
    expect(queueOf(conn).inFlight()).toBeGreaterThan(0);
    expect([tableOf(conn).live, tableOf(conn).size, kernel.refs]).toEqual([1, 1, 1]);
    const other = conn.change(ROUTE_WRITERS.add, { dst: '10.1.0.0/16', dev: 1 });
    await expect(failing).rejects.toThrow('EEXIST');
    await other;
    expect([queueOf(conn).inFlight(), tableOf(conn).live, tableOf(conn).size, kernel.refs]).toEqual([0, 0, 0, 0]);
    conn.close();
  });

  it('fails a lone change with ConnectionClosedError when the connection closes within its send, and sends nothing after', async () => {
    let conn: Connection | undefined;
    let first = true;
    const kernel = fakeKernel(
      (req) => {
        if (first) {
          first = false;
          // What a socket error or the caller's close does while the change is sent: the answer comes after.
          conn!.close('closed within the send');
          return [ack(req, -17)];
        }
        return answer(req);
      },
      { synchronous: true, readsUntilEmpty: true },
    );
    conn = new Connection(kernel);
    const error = (await conn.change(ADDRESS_WRITER, addressOnIndex('add', 13, '10.0.0.1/24')).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error.message).toContain('closed within the send');
    expect(conn.closed).toBe(true);
    expect([queueOf(conn).inFlight(), tableOf(conn).live, tableOf(conn).size]).toEqual([0, 0, 0]);
    await expect(conn.change(ROUTE_WRITERS.add, { dst: '10.1.0.0/16', dev: 1 })).rejects.toThrow(ConnectionClosedError);
    expect(kernel.sent.length).toBe(1);
  });
});
