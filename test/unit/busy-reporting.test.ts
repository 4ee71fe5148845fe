import { describe, expect, it } from 'vitest';
import { Connection } from '../../lib/connection.js';
import { busyReporting } from '../../lib/namespace-handles.js';
import { ADDRESS_WRITER } from '../../lib/rtnl/address-request.js';
import { addressOnIndex, FLAGS_WRITER, linkFlagChange, LINK_UP } from '../../lib/rtnl/changes.js';
import { NLM_F_ACK, RTM_NEWADDR, RTM_NEWNSID } from '../../messages/constants.js';
import { decodeMessages, type NetlinkMessage, type NsidMessage } from '../../messages/message.js';
import { ack, fakeKernel } from '../helpers/fake-kernel.js';

// A namespace opened with releaseWhenIdle wraps its socket to learn when requests are pending: the
// wrapper says what the socket says of its reads, so a lone change there goes the quick way too
// (sent at once, without NLM_F_ACK, settled within the call).

function newNsid(nsid: number): NsidMessage {
  return { kind: 'nsid', type: RTM_NEWNSID, flags: 0, seq: 0, pid: 0, body: { family: 0, attrs: { nsid, fd: 5 } } };
}
const answer = (req: NetlinkMessage): NetlinkMessage[] => [ack(req, (req as NsidMessage).body.attrs.nsid === 13 ? -17 : 0)];
const asksAck = (datagram: Uint8Array) => decodeMessages(datagram).map((m) => (m.flags & NLM_F_ACK) !== 0);

describe('busyReporting (releaseWhenIdle namespaces)', () => {
  it('passes the socket\'s answersWithinSend and readsUntilEmpty on', () => {
    const kernel = Object.assign(fakeKernel(answer, { synchronous: true, readsUntilEmpty: true }), { readQueued() {} });
    const transport = busyReporting(kernel, () => {});
    expect(transport.answersWithinSend).toBe(true);
    expect(transport.readsUntilEmpty).toBe(true);
    const plain = busyReporting(Object.assign(fakeKernel(answer), { readQueued() {} }), () => {});
    expect(plain.answersWithinSend).toBe(false);
    expect(plain.readsUntilEmpty).toBe(false);
  });

  it('sends a lone change within its call, without NLM_F_ACK, reporting busy then idle', async () => {
    const kernel = Object.assign(fakeKernel(answer, { synchronous: true, readsUntilEmpty: true }), { readQueued() {} });
    const reports: boolean[] = [];
    const conn = new Connection(busyReporting(kernel, (busy) => reports.push(busy)));
    reports.length = 0;
    const outcome = conn.request(newNsid(1));
    // Sent within the call, not from a microtask of the send queue.
    expect(kernel.sent.length).toBe(1);
    expect(await outcome).toEqual([]);
    await expect(conn.request(newNsid(13))).rejects.toThrow('EEXIST');
    expect(kernel.sent.map(asksAck)).toEqual([[false], [false]]);
    expect(reports).toEqual([true, false, true, false]);
    conn.close();
  });

  it('passes the socket\'s sendAlone on: a lone change goes through it, never reported busy (nothing waits past its call)', async () => {
    // EEXIST for an address on device 13; otherwise success.
    const addressAnswer = (req: NetlinkMessage): NetlinkMessage[] => [ack(req, req.type === RTM_NEWADDR && (req.body as { index: number }).index === 13 ? -17 : 0)];
    const kernel = Object.assign(fakeKernel(addressAnswer, { synchronous: true, readsUntilEmpty: true }), { readQueued() {} });
    let alone = 0;
    kernel.sendAlone = (buffer, length) => {
      alone++;
      return kernel.send(buffer.subarray(0, length), { quiet: true });
    };
    const reports: boolean[] = [];
    const conn = new Connection(busyReporting(kernel, (busy) => reports.push(busy)));
    reports.length = 0;
    await conn.change(FLAGS_WRITER, linkFlagChange(1, LINK_UP));
    await expect(conn.change(ADDRESS_WRITER, addressOnIndex('add', 13, '10.0.0.1/24'))).rejects.toThrow('EEXIST');
    expect(alone).toBe(2);
    expect(kernel.sent.map(asksAck)).toEqual([[false], [false]]);
    expect(reports).not.toContain(true);
    expect(busyReporting(Object.assign(fakeKernel(answer), { readQueued() {} }), () => {}).sendAlone).toBeUndefined();
    conn.close();
  });
});
