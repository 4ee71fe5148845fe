import { describe, expect, it } from 'vitest';
import { Connection } from '../../lib/connection.js';
import { RequestTimeoutError } from '../../lib/errors.js';
import { NLM_F_ACK, NLM_F_ECHO, NLM_F_REQUEST, RTM_NEWNSID } from '../../messages/constants.js';
import { encodeMessage, type NetlinkMessage, type NsidMessage } from '../../messages/message.js';
import { ack, fakeKernel } from '../helpers/fake-kernel.js';

function newNsid(nsid: number, flags = 0): NsidMessage {
  return { kind: 'nsid', type: RTM_NEWNSID, flags, seq: 0, pid: 0, body: { family: 0, attrs: { nsid, fd: 5 } } };
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('Connection: one shared timeout timer', () => {
  it('times each request out no earlier than its own timeoutMs, whatever the order they were made in', async () => {
    const kernel = fakeKernel(() => undefined);
    const conn = new Connection(kernel);
    const t0 = performance.now();
    const when = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (e: unknown) => {
          expect(e).toBeInstanceOf(RequestTimeoutError);
          return performance.now() - t0;
        },
      );
    const long = when(conn.request(newNsid(1), { timeoutMs: 120 }));
    const short = when(conn.request(newNsid(2), { timeoutMs: 30 }));
    const mid = when(conn.request(newNsid(3), { timeoutMs: 60 }));
    const [l, s, m] = (await Promise.all([long, short, mid])) as [number, number, number];
    expect(s).toBeGreaterThanOrEqual(30);
    expect(m).toBeGreaterThanOrEqual(60);
    expect(l).toBeGreaterThanOrEqual(120);
    // ... and not much later (generous bounds for a loaded machine).
    expect(s).toBeLessThan(1000);
    expect(l).toBeLessThan(1200);
    expect(s).toBeLessThan(m);
    expect(m).toBeLessThan(l);
    expect(kernel.refs).toBe(0);
    conn.close();
  });

  it('does not time out requests answered in time, and still times out a later one', async () => {
    const held: NetlinkMessage[] = [];
    const kernel = fakeKernel((req) => {
      if ((req as NsidMessage).body.attrs.nsid === 99) held.push(req);
      else return [ack(req)];
    });
    const conn = new Connection(kernel, { timeoutMs: 40 });
    await Promise.all(Array.from({ length: 50 }, (_, i) => conn.request(newNsid(i))));
    await new Promise((r) => setTimeout(r, 60));
    const t0 = performance.now();
    await expect(conn.request(newNsid(99))).rejects.toBeInstanceOf(RequestTimeoutError);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(40);
    expect(held).toHaveLength(1);
    conn.close();
  });

  it('a timeout of 0 waits forever (no timer), and close() still settles it', async () => {
    const kernel = fakeKernel(() => undefined);
    const conn = new Connection(kernel);
    const pending = conn.request(newNsid(1), { timeoutMs: 0 }).catch((e: Error) => e.name);
    await new Promise((r) => setTimeout(r, 20));
    conn.close();
    expect(await pending).toBe('ConnectionClosedError');
  });
});

describe('Connection: per-request bookkeeping', () => {
  it('refs the transport on the first pending request and unrefs after the last, not per request', async () => {
    const kernel = fakeKernel((req) => [ack(req)]);
    let refs = 0;
    let unrefs = 0;
    const ref = kernel.ref.bind(kernel);
    const unref = kernel.unref.bind(kernel);
    kernel.ref = () => {
      refs++;
      ref();
    };
    kernel.unref = () => {
      unrefs++;
      unref();
    };
    const conn = new Connection(kernel);
    const before = unrefs;
    const results = await conn.batch(Array.from({ length: 100 }, (_, i) => newNsid(i)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(refs).toBe(1);
    expect(unrefs - before).toBe(1);
    expect(kernel.refs).toBe(0);
    conn.close();
  });

  it('sends the same bytes as encoding the message with its flags and seq set', async () => {
    const kernel = fakeKernel((req) => [ack(req)]);
    const conn = new Connection(kernel);
    // A caller's seq is replaced, its flags kept (plus REQUEST and ACK).
    const message = { ...newNsid(7, NLM_F_ECHO), seq: 12345, pid: 0 };
    await conn.request(message);
    await conn.request(newNsid(8));
    expect(hex(kernel.sent[0]!)).toBe(hex(encodeMessage({ ...message, flags: NLM_F_ECHO | NLM_F_REQUEST | NLM_F_ACK, seq: 1 })));
    expect(hex(kernel.sent[1]!)).toBe(hex(encodeMessage({ ...newNsid(8), flags: NLM_F_REQUEST | NLM_F_ACK, seq: 2 })));
    // The caller's object is left as it was.
    expect(message.seq).toBe(12345);
    expect(message.flags).toBe(NLM_F_ECHO);
    conn.close();
  });

  it('keeps refusing bad header fields, and accepts what it accepted before', async () => {
    const kernel = fakeKernel((req) => [ack(req)]);
    const conn = new Connection(kernel);
    await expect(conn.request({ ...newNsid(1), flags: 0x10000 })).rejects.toThrow(/message.flags/);
    await expect(conn.request({ ...newNsid(1), pid: -1 })).rejects.toThrow(/message.pid/);
    // seq is the connection's to choose: a caller's odd value is ignored, as before.
    await expect(conn.request({ ...newNsid(2), seq: -5 })).resolves.toEqual([]);
    await expect(conn.request({ ...newNsid(3), flags: undefined as unknown as number })).resolves.toEqual([]);
    expect(kernel.requests.map((r) => r.flags)).toEqual([NLM_F_REQUEST | NLM_F_ACK, NLM_F_REQUEST | NLM_F_ACK]);
    conn.close();
  });
});
