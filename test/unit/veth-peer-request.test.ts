import { describe, expect, it } from 'vitest';
import { Connection } from '../../lib/connection.js';
import { Rtnl } from '../../lib/rtnl/client.js';
import { setLinkMessage } from '../../lib/rtnl/links.js';
import { changePeer, PEER_CHANGE_WRITER, type PeerChange } from '../../lib/veth-peer-request.js';
import { RTM_NEWLINK } from '../../messages/constants.js';
import type { LinkMessage } from '../../messages/message.js';
import { encodeMessage } from '../../messages/message.js';
import { Writer } from '../../messages/writer.js';
import { ack, fakeKernel } from '../helpers/fake-kernel.js';

/** What setLinkByName(name, changes) sends, encoded by the generic codec. */
function generic(name: string, changes: { up?: boolean; master?: number }): Uint8Array {
  const message = setLinkMessage(0, changes);
  message.body.attrs.ifname = name;
  return encodeMessage(message);
}

const CHANGES: Array<[PeerChange, { up?: true; master?: number }]> = [
  [{ name: 'eth0', up: true, master: undefined }, { up: true }],
  [{ name: 'eth0', up: false, master: 7 }, { master: 7 }],
  [{ name: 'eth0', up: true, master: 7 }, { up: true, master: 7 }],
  [{ name: 'veth-long-name', up: true, master: 0x7fffffff }, { up: true, master: 0x7fffffff }],
  [{ name: 'e', up: true, master: undefined }, { up: true }],
  [{ name: 'vб1x', up: true, master: 3 }, { up: true, master: 3 }],
];

describe("a veth peer's change written straight to bytes", () => {
  it.each(CHANGES)("%j: setLinkByName's bytes, after another frame, over stale ones", (change, changes) => {
    for (const before of [0, 20, 36]) {
      const w = new Writer(16);
      w.buffer.fill(0xee);
      w.zeros(before);
      PEER_CHANGE_WRITER.write(w, change);
      expect(w.buffer.slice(before, w.length)).toEqual(generic(change.name, changes));
    }
  });

  it("describes itself in setLinkByName's words", () => {
    expect(PEER_CHANGE_WRITER.describe!({ name: 'eth0', up: true, master: undefined })).toBe('RTM_NEWLINK set eth0 up true');
    expect(PEER_CHANGE_WRITER.describe!({ name: 'eth0', up: true, master: 4 })).toBe('RTM_NEWLINK set eth0 up true master 4');
    expect(PEER_CHANGE_WRITER.describe!({ name: 'eth0', up: false, master: 4 })).toBe('RTM_NEWLINK set eth0 master 4');
  });
});

describe('changePeer', () => {
  it('sends one RTM_NEWLINK asking for an ACK, and resolves on it', async () => {
    const kernel = fakeKernel((request) => [ack(request)], { synchronous: true });
    await changePeer({ rtnl: new Rtnl(new Connection(kernel)) }, { name: 'eth0', up: true, master: 9 });
    const [sent] = kernel.requests as LinkMessage[];
    expect(kernel.requests).toHaveLength(1);
    expect([sent!.type, sent!.body.flags, sent!.body.change, sent!.body.attrs.ifname, sent!.body.attrs.master]).toEqual([RTM_NEWLINK, 1, 1, 'eth0', 9]);
  });

  it("rejects with the kernel's error in setLinkByName's words", async () => {
    const kernel = fakeKernel((request) => [ack(request, -19)], { synchronous: true });
    await expect(changePeer({ rtnl: new Rtnl(new Connection(kernel)) }, { name: 'eth0', up: true, master: undefined })).rejects.toMatchObject({
      code: 'ENODEV',
      message: expect.stringContaining('RTM_NEWLINK set eth0 up true'),
    });
    const viaRtnl = fakeKernel((request) => [ack(request, -19)], { synchronous: true });
    const old = await new Rtnl(new Connection(viaRtnl)).setLinkByName('eth0', { up: true }).catch((e: Error) => e);
    const now = (await changePeer({ rtnl: new Rtnl(new Connection(kernel)) }, { name: 'eth0', up: true, master: undefined }).catch((e: Error) => e)) as Error;
    expect(now.message).toBe((old as Error).message);
  });
});
