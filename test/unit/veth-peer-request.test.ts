import { describe, expect, it } from 'vitest';
import { Connection } from '../../lib/connection.js';
import { Rtnl } from '../../lib/rtnl/client.js';
import { setLinkMessage } from '../../lib/rtnl/links.js';
import { changeAndReadPeer, PEER_CHANGE_WRITER, type PeerChange } from '../../lib/veth-peer-request.js';
import type { NetlinkError } from '../../lib/errors.js';
import type { Namespace } from '../../lib/namespace.js';
import { NLM_F_ACK, NLM_F_ECHO, RTM_GETLINK, RTM_NEWLINK } from '../../messages/constants.js';
import type { LinkMessage, NetlinkMessage } from '../../messages/message.js';
import { encodeMessage } from '../../messages/message.js';
import { Writer } from '../../messages/writer.js';
import { debugRecorder } from '../helpers/debug-records.js';
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

/** A namespace handle over `connection` (what changeAndReadPeer reads of one: its Rtnl). */
function namespaceOver(connection: Connection): Namespace {
  return { rtnl: new Rtnl(connection) } as unknown as Namespace;
}

/** The peer's link as the kernel answers a lookup of it. */
function peerLink(request: NetlinkMessage, index: number): LinkMessage {
  const name = (request as LinkMessage).body.attrs.ifname;
  return { kind: 'link', type: RTM_NEWLINK, flags: 0, seq: request.seq, pid: 4242, body: { family: 0, type: 0, index, flags: 1, change: 0, attrs: { ifname: name } } };
}

/** A kernel that answers a change with `changeError` (if any, else as asked: an ACK or nothing) and a lookup with the link, or `lookupError`. */
function peerKernel(options: { changeError?: number; lookupError?: number; synchronous?: boolean } = {}) {
  return fakeKernel(
    (request) => {
      if (request.type === RTM_GETLINK) return [options.lookupError === undefined ? peerLink(request, 7) : ack(request, options.lookupError)];
      if (options.changeError !== undefined) return [ack(request, options.changeError)];
      return request.flags & NLM_F_ACK ? [ack(request)] : [];
    },
    { synchronous: options.synchronous ?? false },
  );
}

describe('changeAndReadPeer', () => {
  it("sends the change, asking for its echo and no ACK, and the lookup in one datagram; resolves with the peer read", async () => {
    for (const synchronous of [false, true]) {
      const kernel = peerKernel({ synchronous });
      const connection = new Connection(kernel);
      const peer = await changeAndReadPeer(namespaceOver(connection), { name: 'eth0', up: true, master: 9 });
      expect(kernel.sent).toHaveLength(1);
      const [change, lookup] = kernel.requests as LinkMessage[];
      expect(kernel.requests).toHaveLength(2);
      expect([change!.type, change!.flags & (NLM_F_ECHO | NLM_F_ACK), change!.body.flags, change!.body.change, change!.body.attrs.ifname, change!.body.attrs.master]).toEqual([RTM_NEWLINK, NLM_F_ECHO, 1, 1, 'eth0', 9]);
      expect([lookup!.type, lookup!.body.attrs.ifname]).toEqual([RTM_GETLINK, 'eth0']);
      // The change's bytes are setLinkByName's but for NLM_F_ECHO.
      const sent = kernel.sent[0]!;
      const changeBytes = sent.slice(0, new DataView(sent.buffer, sent.byteOffset).getUint32(0, true));
      const expected = generic('eth0', { up: true, master: 9 });
      expected.set(changeBytes.subarray(4, 16), 4);
      expect(changeBytes).toEqual(expected);
      expect([peer.name, peer.index, peer.isUp]).toEqual(['eth0', 7, true]);
      expect(kernel.refs).toBe(0);
      connection.close();
    }
  });

  it("rejects with the kernel's error in setLinkByName's words when the change is refused, though the lookup finds the peer", async () => {
    const kernel = peerKernel({ changeError: -19 });
    const error = (await changeAndReadPeer(namespaceOver(new Connection(kernel)), { name: 'eth0', up: true, master: undefined }).catch((e: unknown) => e)) as Error & { code?: string };
    const viaRtnl = fakeKernel((request) => [ack(request, -19)], { synchronous: true });
    const old = (await new Rtnl(new Connection(viaRtnl)).setLinkByName('eth0', { up: true }).catch((e: unknown) => e)) as Error;
    expect(error.code).toBe('ENODEV');
    expect(error.message).toBe(old.message);
    expect(error.message).toContain('RTM_NEWLINK set eth0 up true');
  });

  it("rejects with the lookup's error when only the lookup fails", async () => {
    const kernel = peerKernel({ lookupError: -19 });
    const error = (await changeAndReadPeer(namespaceOver(new Connection(kernel)), { name: 'eth0', up: true, master: undefined }).catch((e: unknown) => e)) as NetlinkError;
    expect([error.code, error.operation]).toEqual(['ENODEV', 'RTM_GETLINK eth0']);
  });

  it('logs the change at debug once it settled, applied or refused', async () => {
    const { logger, records } = debugRecorder();
    await changeAndReadPeer(namespaceOver(new Connection(peerKernel(), { logger })), { name: 'eth0', up: true, master: undefined });
    await changeAndReadPeer(namespaceOver(new Connection(peerKernel({ changeError: -19 }), { logger })), { name: 'eth1', up: true, master: undefined }).catch(() => undefined);
    const sets = records.filter((r) => r.op === 'link.set');
    expect(sets.map((r) => [r.dev, r.code, typeof r.ms])).toEqual([
      ['eth0', undefined, 'number'],
      ['eth1', 'ENODEV', 'number'],
    ]);
  });
});
