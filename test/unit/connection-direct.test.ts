import { describe, expect, it } from 'vitest';
import { Connection } from '../../lib/connection.js';
import { NetlinkError, RequestTimeoutError } from '../../lib/errors.js';
import { NLM_F_ACK, NLM_F_DUMP, NLM_F_MULTI, RTM_GETNSID, RTM_NEWNSID } from '../../messages/constants.js';
import { decodeMessages, type NetlinkMessage, type NsidMessage } from '../../messages/message.js';
import { bridgeMessage, deleteLinkMessage, setLinkMessage, vethRequest } from '../../lib/rtnl/links.js';
import { ack, done, fakeKernel } from '../helpers/fake-kernel.js';

// A transport that reads answers within its send, as the real request socket does: a lone request
// goes out at once and settles within the call that made it; requests made together still share
// datagrams.

function newNsid(nsid: number): NsidMessage {
  return { kind: 'nsid', type: RTM_NEWNSID, flags: 0, seq: 0, pid: 0, body: { family: 0, attrs: { nsid, fd: 5 } } };
}

function getNsid(nsid: number): NsidMessage {
  return { kind: 'nsid', type: RTM_GETNSID, flags: 0, seq: 0, pid: 0, body: { family: 0, attrs: { nsid } } };
}

const nsidOf = (m: NetlinkMessage) => (m as NsidMessage).body.attrs.nsid!;
/** The kernel's answer: EEXIST for nsid 13, a reply for a GET, else an ACK. */
const answer = (req: NetlinkMessage): NetlinkMessage[] =>
  req.type === RTM_GETNSID ? [{ ...newNsid(nsidOf(req) + 100), seq: req.seq, pid: 4242 }] : [ack(req, nsidOf(req) === 13 ? -17 : 0)];

describe('Connection over a transport that answers within its send', () => {
  it('sends a lone request at once, alone, before the call returns', async () => {
    const kernel = fakeKernel(answer, { synchronous: true });
    const conn = new Connection(kernel);
    const first = conn.request(newNsid(1));
    expect(kernel.sent).toHaveLength(1);
    await first;
    await conn.request(newNsid(2));
    expect(kernel.sent).toHaveLength(2);
    expect(kernel.refs).toBe(0);
    conn.close();
  });

  it('keeps each outcome to its own request when one request after another settles at once', async () => {
    const kernel = fakeKernel(answer, { synchronous: true });
    const conn = new Connection(kernel);
    const outcomes: unknown[] = [];
    for (const n of [12, 13, 14]) outcomes.push(await conn.request(newNsid(n)).catch((e: NetlinkError) => e.code));
    const [reply] = await conn.request(getNsid(7));
    outcomes.push(nsidOf(reply!));
    outcomes.push(await conn.request(newNsid(13)).catch((e: NetlinkError) => e.code));
    outcomes.push(await conn.request(newNsid(15)));
    expect(outcomes).toEqual([[], 'EEXIST', [], 107, 'EEXIST', []]);
    conn.close();
  });

  it('packs the requests made together after the first into one datagram', async () => {
    const kernel = fakeKernel(answer, { synchronous: true });
    const conn = new Connection(kernel);
    const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => conn.request(newNsid(i)).then(() => 'ok', (e: NetlinkError) => e.code)));
    expect(kernel.sent).toHaveLength(2);
    expect(decodeMessages(kernel.sent[0]!)).toHaveLength(1);
    expect(decodeMessages(kernel.sent[1]!)).toHaveLength(49);
    expect(outcomes.filter((o) => o === 'EEXIST')).toHaveLength(1);
    expect(outcomes[13]).toBe('EEXIST');
    conn.close();
  });

  it('batch() still sends all its requests in one datagram', async () => {
    const kernel = fakeKernel(answer, { synchronous: true });
    const conn = new Connection(kernel);
    const results = await conn.batch(Array.from({ length: 20 }, (_, i) => newNsid(i)));
    expect(results.filter((r) => r.ok)).toHaveLength(19);
    expect(kernel.sent).toHaveLength(1);
    // Only the last asks for an ACK: the kernel answers each failure anyway.
    expect(kernel.requests.filter((r) => r.flags & NLM_F_ACK)).toHaveLength(1);
    conn.close();
  });

  it("rejects a request failed within the call with the caller's stack", async () => {
    const kernel = fakeKernel(answer, { synchronous: true });
    const conn = new Connection(kernel);
    async function directCallSiteForTheTest(): Promise<void> {
      await conn.request(newNsid(13));
    }
    const error = (await directCallSiteForTheTest().catch((e: unknown) => e)) as NetlinkError;
    expect(error).toBeInstanceOf(NetlinkError);
    expect(error.stack).toContain('directCallSiteForTheTest');
    expect(error.stack!.split('\n')[0]).toBe(`NetlinkError: ${error.message}`);
    conn.close();
  });

  it('queues a request made by a listener called within a send, and sends it after', async () => {
    const kernel = fakeKernel(
      (req) => [
        [{ ...newNsid(900), seq: 0, pid: 0 }],
        ...(answer(req).length ? [answer(req)] : []),
      ],
      { synchronous: true },
    );
    const conn = new Connection(kernel);
    const fromListener: Array<Promise<unknown>> = [];
    conn.onUnsolicited((m) => {
      if (fromListener.length === 0) fromListener.push(conn.request(newNsid(nsidOf(m) + 1)));
    });
    await conn.request(newNsid(1));
    expect(fromListener).toHaveLength(1);
    await fromListener[0];
    expect(kernel.requests.map(nsidOf)).toEqual([1, 901]);
    conn.close();
  });

  it('sends a device creation that goes alone from this thread, a deletion or creations made together from a worker', async () => {
    const kernel = fakeKernel((req) => [ack(req)], { synchronous: true });
    const conn = new Connection(kernel);
    await conn.request(bridgeMessage('br0'));
    await conn.request(deleteLinkMessage(3));
    await conn.request(setLinkMessage(3, { up: true }));
    // The first goes at once, alone; the two made with it go together, from a worker.
    await Promise.all([conn.request(setLinkMessage(1, { up: true })), conn.request(vethRequest('v0', { peer: { name: 'v1' } }).message), conn.request(bridgeMessage('br1'))]);
    expect(kernel.sendOptions).toEqual([undefined, { slow: true }, undefined, undefined, { slow: true }]);
    conn.close();
  });

  it('starts the next dump of the line after the one whose end is read within a send, never from within that read', async () => {
    const dump: NsidMessage = { ...getNsid(0), flags: NLM_F_DUMP };
    const kernel = fakeKernel(
      (req) => (req.flags & NLM_F_DUMP ? [[{ ...newNsid(req.seq), flags: NLM_F_MULTI, seq: req.seq, pid: 4242 }], [done(req)]] : answer(req)),
      { synchronous: true },
    );
    const conn = new Connection(kernel);
    // The fake throws if send() is called while it delivers an answer, as the real socket must not be.
    const [a, b, c] = await Promise.all([conn.dump(dump), conn.dump(dump), conn.dump(dump)]);
    expect([a, b, c].map((m) => m.length)).toEqual([1, 1, 1]);
    expect(kernel.requests.map((r) => r.seq)).toEqual([1, 2, 3]);
    conn.close();
  });

  it('times out a request the kernel does not answer within the send', async () => {
    const kernel = fakeKernel(() => undefined, { synchronous: true });
    const conn = new Connection(kernel);
    await expect(conn.request(newNsid(1), { timeoutMs: 20 })).rejects.toBeInstanceOf(RequestTimeoutError);
    expect(kernel.refs).toBe(0);
    conn.close();
  });

  it('aborts a request the kernel has not answered yet', async () => {
    const kernel = fakeKernel(() => undefined, { synchronous: true });
    const conn = new Connection(kernel);
    const controller = new AbortController();
    const pending = conn.request(newNsid(1), { signal: controller.signal });
    controller.abort(new Error('changed my mind'));
    await expect(pending).rejects.toThrow('changed my mind');
    conn.close();
  });
});
