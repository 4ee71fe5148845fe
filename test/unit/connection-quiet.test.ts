import { describe, expect, it } from 'vitest';
import { Connection } from '../../lib/connection.js';
import { NetlinkError } from '../../lib/errors.js';
import { NLM_F_ACK, RTM_GETNSID, RTM_NEWNSID } from '../../messages/constants.js';
import { decodeMessages, type NetlinkMessage, type NsidMessage } from '../../messages/message.js';
import { ack, fakeKernel } from '../helpers/fake-kernel.js';

// A transport that reads the socket until it is empty within each send (Transport.readsUntilEmpty),
// and a fake kernel that, like the real one, answers a change sent without NLM_F_ACK only when it
// fails: a lone change goes without asking for its ACK, and silence is its success.

function newNsid(nsid: number): NsidMessage {
  return { kind: 'nsid', type: RTM_NEWNSID, flags: 0, seq: 0, pid: 0, body: { family: 0, attrs: { nsid, fd: 5 } } };
}

const nsidOf = (m: NetlinkMessage) => (m as NsidMessage).body.attrs.nsid!;
/** EEXIST for nsid 13; a GET for nsid 99 is never answered; else success. */
const answer = (req: NetlinkMessage): NetlinkMessage[] =>
  req.type === RTM_GETNSID ? [] : [ack(req, nsidOf(req) === 13 ? -17 : 0)];
const asksAck = (datagram: Uint8Array) => decodeMessages(datagram).map((m) => (m.flags & NLM_F_ACK) !== 0);

describe('Connection: a lone change without NLM_F_ACK', () => {
  it('sends a lone change without NLM_F_ACK, settles it on silence, and rejects it on the error answered', async () => {
    const kernel = fakeKernel(answer, { synchronous: true, readsUntilEmpty: true });
    const conn = new Connection(kernel);
    expect(await conn.request(newNsid(1))).toEqual([]);
    const error = (await conn.request(newNsid(13)).catch((e: unknown) => e)) as NetlinkError;
    expect(error).toBeInstanceOf(NetlinkError);
    expect(error.code).toBe('EEXIST');
    expect(error.message).toContain('RTM_NEWNSID');
    expect(await conn.request(newNsid(2))).toEqual([]);
    expect(kernel.sent.map(asksAck)).toEqual([[false], [false], [false]]);
    expect(kernel.refs).toBe(0);
    conn.close();
  });

  it('asks for the ACK of requests made together after the first (one ACK per datagram), with the same outcomes', async () => {
    const kernel = fakeKernel(answer, { synchronous: true, readsUntilEmpty: true });
    const conn = new Connection(kernel);
    const outcomes = await Promise.all([1, 13, 3, 4].map((n) => conn.request(newNsid(n)).then(() => 'ok', (e: NetlinkError) => e.code)));
    expect(outcomes).toEqual(['ok', 'EEXIST', 'ok', 'ok']);
    expect(kernel.sent.map(asksAck)).toEqual([[false], [false, false, true]]);
    conn.close();
  });

  it('asks for the ACK while another answer is awaited', async () => {
    const kernel = fakeKernel(answer, { synchronous: true, readsUntilEmpty: true });
    const conn = new Connection(kernel);
    const get: NsidMessage = { ...newNsid(99), type: RTM_GETNSID };
    const waiting = conn.request(get, { timeoutMs: 50 }).catch((e: Error) => e.name);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await conn.request(newNsid(5))).toEqual([]);
    expect(asksAck(kernel.sent.at(-1)!)).toEqual([true]);
    expect(await waiting).toBe('RequestTimeoutError');
    conn.close();
  });

  it('asks for the ACK where the transport does not read until empty', async () => {
    const kernel = fakeKernel(answer, { synchronous: true });
    const conn = new Connection(kernel);
    await conn.request(newNsid(1));
    await expect(conn.request(newNsid(13))).rejects.toThrow(NetlinkError);
    expect(kernel.sent.map(asksAck)).toEqual([[true], [true]]);
    conn.close();
  });

  it('waits for the ACK of a lone change whose send the transport made later (with NLM_F_ACK set again)', async () => {
    const kernel = fakeKernel(answer, { synchronous: true, readsUntilEmpty: true, deferQuiet: true });
    const conn = new Connection(kernel);
    expect(await conn.request(newNsid(1), { timeoutMs: 1000 })).toEqual([]);
    await expect(conn.request(newNsid(13), { timeoutMs: 1000 })).rejects.toThrow('EEXIST');
    expect(kernel.sent.map(asksAck)).toEqual([[true], [true]]);
    expect(kernel.refs).toBe(0);
    conn.close();
  });
});
