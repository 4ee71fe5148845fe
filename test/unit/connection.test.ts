import { describe, expect, it } from 'vitest';
import { Connection } from '../../lib/connection.js';
import { ConnectionClosedError, DumpInterruptedError, NetlinkError, NetlinkOverrunError, RequestTimeoutError } from '../../lib/errors.js';
import { NLM_F_ACK, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_MULTI, RTM_GETNSID, RTM_NEWNSID } from '../../messages/constants.js';
import type { NetlinkMessage, NsidMessage } from '../../messages/message.js';
import { bridgeMessage, deleteLinkMessage, setLinkMessage, vethRequest } from '../../lib/rtnl/links.js';
import { ack, done, fakeKernel } from '../helpers/fake-kernel.js';

function newNsid(nsid: number, fd = 5): NsidMessage {
  return { kind: 'nsid', type: RTM_NEWNSID, flags: 0, seq: 0, pid: 0, body: { family: 0, attrs: { nsid, fd } } };
}

function dumpNsids(): NsidMessage {
  return { kind: 'nsid', type: RTM_GETNSID, flags: NLM_F_DUMP, seq: 0, pid: 0, body: { family: 0, attrs: {} } };
}

function reply(request: NetlinkMessage, nsid: number, flags = NLM_F_MULTI): NsidMessage {
  return { ...newNsid(nsid), flags, seq: request.seq, pid: 4242 };
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('Connection against a fake kernel', () => {
  it('sends the exact request bytes and resolves on the ACK', async () => {
    const kernel = fakeKernel((req) => [ack(req)]);
    const conn = new Connection(kernel);
    await expect(conn.request(newNsid(7, 9))).resolves.toEqual([]);
    // nlmsghdr(len 36, RTM_NEWNSID, REQUEST|ACK, seq 1) rtgenmsg(0) NETNSA_NSID=7 NETNSA_FD=9
    expect(hex(kernel.sent[0]!)).toBe('24000000580005000100000000000000' + '00000000' + '0800010007000000' + '0800030009000000');
    conn.close();
  });

  it('turns an error reply into a NetlinkError with errno, code, operation, seq and the kernel text', async () => {
    const kernel = fakeKernel((req) => [ack(req, -17, 'Peer netns already has a nsid assigned.')]);
    const conn = new Connection(kernel, { context: 'in netns x' });
    const error = await conn.request(newNsid(7), { operation: 'RTM_NEWNSID 7 for netns y' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetlinkError);
    expect(error).toMatchObject({
      errno: 17,
      code: 'EEXIST',
      operation: 'RTM_NEWNSID 7 for netns y in netns x',
      kernelMessage: 'Peer netns already has a nsid assigned.',
      seq: 1,
    });
    expect((error as Error).message).toBe('RTM_NEWNSID 7 for netns y in netns x: EEXIST (Peer netns already has a nsid assigned.)');
    conn.close();
  });

  it('collects a dump spread over several datagrams until DONE', async () => {
    const kernel = fakeKernel((req) => [[reply(req, 1), reply(req, 2)], [reply(req, 3)], [done(req)]]);
    const conn = new Connection(kernel);
    const messages = await conn.dump(dumpNsids());
    expect(messages.map((m) => (m as NsidMessage).body.attrs.nsid)).toEqual([1, 2, 3]);
    expect(kernel.requests[0]!.flags & NLM_F_DUMP).toBe(NLM_F_DUMP);
    conn.close();
  });

  it('rejects a dump whose DONE carries an errno', async () => {
    const kernel = fakeKernel((req) => [[reply(req, 1)], [done(req, -16)]]);
    const conn = new Connection(kernel);
    await expect(conn.dump(dumpNsids())).rejects.toMatchObject({ code: 'EBUSY', errno: 16 });
    conn.close();
  });

  it('restarts an interrupted dump and returns the clean attempt', async () => {
    let attempt = 0;
    const kernel = fakeKernel((req) => {
      attempt++;
      return attempt === 1 ? [[reply(req, 1, NLM_F_MULTI | NLM_F_DUMP_INTR)], [done(req)]] : [[reply(req, 1), reply(req, 2)], [done(req)]];
    });
    const conn = new Connection(kernel);
    const messages = await conn.dump(dumpNsids());
    expect(messages).toHaveLength(2);
    expect(attempt).toBe(2);
    conn.close();
  });

  it('gives up on a dump that stays interrupted, with the partial result', async () => {
    const kernel = fakeKernel((req) => [[reply(req, 1, NLM_F_MULTI | NLM_F_DUMP_INTR)], [done(req)]]);
    const conn = new Connection(kernel, { dumpRetries: 2 });
    const error = await conn.dump(dumpNsids()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DumpInterruptedError);
    expect((error as DumpInterruptedError).attempts).toBe(3);
    expect((error as DumpInterruptedError).partial).toHaveLength(1);
    expect(kernel.requests).toHaveLength(3);
    conn.close();
  });

  it('times out a request the kernel never answers, and ignores the late answer', async () => {
    const held: NetlinkMessage[] = [];
    const kernel = fakeKernel((req) => void held.push(req));
    const conn = new Connection(kernel);
    await expect(conn.request(newNsid(1), { timeoutMs: 20 })).rejects.toBeInstanceOf(RequestTimeoutError);
    kernel.deliver([ack(held[0]!)]);
    expect(kernel.refs).toBe(0);
    conn.close();
  });

  it('aborts a request through an AbortSignal', async () => {
    const kernel = fakeKernel(() => undefined);
    const conn = new Connection(kernel);
    const controller = new AbortController();
    const pending = conn.request(newNsid(1), { signal: controller.signal });
    controller.abort(new Error('changed my mind'));
    await expect(pending).rejects.toThrow('changed my mind');
    conn.close();
  });

  it('matches many concurrent requests to their answers by sequence number', async () => {
    const held: NetlinkMessage[] = [];
    const kernel = fakeKernel((req) => void held.push(req));
    const conn = new Connection(kernel);
    const results = Array.from({ length: 100 }, (_, i) =>
      conn.request(newNsid(i)).then(
        () => 'ok',
        (e: NetlinkError) => e.code,
      ),
    );
    await new Promise((r) => setImmediate(r));
    expect(held).toHaveLength(100);
    // Each request answered on its own (even those sent without NLM_F_ACK), in order as the kernel does.
    kernel.deliver(held.map((req) => ack(req, (req as NsidMessage).body.attrs.nsid! % 10 === 0 ? -17 : 0)));
    const outcomes = await Promise.all(results);
    expect(outcomes.filter((o) => o === 'EEXIST')).toHaveLength(10);
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(90);
    conn.close();
  });

  it('asks for one ACK per datagram: the kernel answers failures anyway, in order', async () => {
    // Like the kernel: an error for each failure, an ACK only where NLM_F_ACK was asked for.
    const kernel = fakeKernel((req) => {
      const fails = (req as NsidMessage).body.attrs.nsid! % 10 === 3;
      return fails ? [ack(req, -17)] : req.flags & NLM_F_ACK ? [ack(req)] : [];
    });
    const conn = new Connection(kernel);
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        conn.request(newNsid(i)).then(
          () => 'ok',
          (e: NetlinkError) => e.code,
        ),
      ),
    );
    expect(kernel.sent).toHaveLength(1);
    expect(kernel.requests.filter((r) => r.flags & NLM_F_ACK)).toHaveLength(1);
    expect(kernel.requests.at(-1)!.flags & NLM_F_ACK).toBe(NLM_F_ACK);
    expect(outcomes.map((o, i) => (o === 'EEXIST') === (i % 10 === 3))).toEqual(outcomes.map(() => true));
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(90);
    conn.close();
  });

  it('packs concurrent requests into one datagram', async () => {
    const kernel = fakeKernel((req) => [ack(req)]);
    const conn = new Connection(kernel);
    const results = await conn.batch(Array.from({ length: 50 }, (_, i) => newNsid(i)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(kernel.sent).toHaveLength(1);
    expect(kernel.requests).toHaveLength(50);
    conn.close();
  });

  it('reports each failure of a batch by its request', async () => {
    const kernel = fakeKernel((req) => [ack(req, (req as NsidMessage).body.attrs.nsid === 3 ? -22 : 0)]);
    const conn = new Connection(kernel);
    const results = await conn.batch([1, 2, 3, 4].map((n) => newNsid(n)));
    expect(results.map((r) => r.ok)).toEqual([true, true, false, true]);
    const failed = results[2]!;
    expect(!failed.ok && (failed.error as NetlinkError).code).toBe('EINVAL');
    conn.close();
  });

  it('keeps the answers in flight within the receive buffer budget', async () => {
    const held: NetlinkMessage[] = [];
    const kernel = fakeKernel((req) => void held.push(req));
    const conn = new Connection(kernel, { receiveBufferBytes: 8192 });
    const all = Promise.all(Array.from({ length: 200 }, (_, i) => conn.request(newNsid(i))));
    await new Promise((r) => setImmediate(r));
    const firstWave = held.length;
    expect(firstWave).toBeGreaterThan(0);
    expect(firstWave).toBeLessThan(200);
    while (held.length > 0) {
      kernel.deliver(held.splice(0).map((req) => ack(req)));
      await new Promise((r) => setImmediate(r));
    }
    await all;
    expect(kernel.requests).toHaveLength(200);
    conn.close();
  });

  it('queues dumps: the second is sent only after the first is DONE', async () => {
    const held: NetlinkMessage[] = [];
    const kernel = fakeKernel((req) => void held.push(req));
    const conn = new Connection(kernel);
    const first = conn.dump(dumpNsids());
    const second = conn.dump(dumpNsids());
    await new Promise((r) => setImmediate(r));
    expect(held).toHaveLength(1);
    kernel.deliver([reply(held[0]!, 1), done(held[0]!)]);
    await expect(first).resolves.toHaveLength(1);
    await new Promise((r) => setImmediate(r));
    expect(held).toHaveLength(2);
    kernel.deliver([done(held[1]!)]);
    await expect(second).resolves.toHaveLength(0);
    conn.close();
  });

  it('resolves a GET for one object with its reply', async () => {
    const kernel = fakeKernel((req) => [reply(req, 42, 0)]);
    const conn = new Connection(kernel);
    const get: NsidMessage = { kind: 'nsid', type: RTM_GETNSID, flags: 0, seq: 0, pid: 0, body: { family: 0, attrs: { fd: 3 } } };
    const [answer] = await conn.request(get);
    expect((answer as NsidMessage).body.attrs.nsid).toBe(42);
    expect(kernel.requests[0]!.flags).toBe(1);
    conn.close();
  });

  it('rejects everything pending at once when closed', async () => {
    const kernel = fakeKernel(() => undefined);
    const conn = new Connection(kernel);
    const pending = Array.from({ length: 100 }, (_, i) => conn.request(newNsid(i)).catch((e: unknown) => e));
    await new Promise((r) => setImmediate(r));
    conn.close();
    const errors = await Promise.all(pending);
    expect(errors.every((e) => e instanceof ConnectionClosedError)).toBe(true);
    expect(kernel.closed).toBe(true);
    await expect(conn.request(newNsid(1))).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it('reports ENOBUFS as an overrun to the requests that may have lost their answer', async () => {
    const kernel = fakeKernel(() => undefined);
    const conn = new Connection(kernel);
    const pending = conn.request(newNsid(1));
    await new Promise((r) => setImmediate(r));
    kernel.fail(Object.assign(new Error('recvmsg ENOBUFS'), { code: 'ENOBUFS' }));
    await expect(pending).rejects.toBeInstanceOf(NetlinkOverrunError);
    conn.close();
  });

  it('hands messages nobody asked for to the unsolicited listeners', async () => {
    const kernel = fakeKernel(() => undefined);
    const conn = new Connection(kernel);
    const seen: NetlinkMessage[] = [];
    conn.onUnsolicited((m) => seen.push(m));
    kernel.deliver([newNsid(9)]);
    expect(seen).toHaveLength(1);
    conn.close();
  });

  it('holds the event loop only while requests are pending', async () => {
    const kernel = fakeKernel((req) => [ack(req)]);
    const conn = new Connection(kernel);
    expect(kernel.refs).toBe(0);
    const p = conn.request(newNsid(1));
    expect(kernel.refs).toBe(1);
    await p;
    expect(kernel.refs).toBe(0);
    conn.close();
  });
  it('asks the transport for a worker-thread send only for datagrams that delete a device or create more than one', async () => {
    const kernel = fakeKernel((req) => [ack(req)]);
    const conn = new Connection(kernel);
    await conn.request(bridgeMessage('br0'));
    await conn.request(setLinkMessage(3, { up: true }));
    await conn.request(deleteLinkMessage(3));
    await conn.request(newNsid(7, 9));
    // One creation packed with a change goes from this thread; two creations packed together do not.
    await Promise.all([conn.request(vethRequest('v0', { peer: { name: 'v1' } }).message), conn.request(setLinkMessage(1, { up: true }))]);
    await Promise.all([conn.request(vethRequest('v2', { peer: { name: 'v3' } }).message), conn.request(bridgeMessage('br1'))]);
    // A creation packed with a deletion goes with it, from a worker.
    await Promise.all([conn.request(bridgeMessage('br2')), conn.request(deleteLinkMessage(4))]);
    expect(kernel.sendOptions).toEqual([undefined, undefined, { slow: true }, undefined, undefined, { slow: true }, { slow: true }]);
    conn.close();
  });
});
