/**
 * Frames handed on as they came (Connection.requestWritten, requestFrames): the copies they are
 * views of. A short datagram is copied into a chunk shared with the next ones (RequestTable._keep),
 * not into an ArrayBuffer of its own; a long one gets its own copy; no copy is ever written over.
 */
import { describe, expect, it } from 'vitest';
import { Connection } from '../../lib/connection.js';
import { LINK_LOOKUP_WRITER } from '../../lib/rtnl/link-request.js';
import { RTM_GETLINK, RTM_NEWLINK } from '../../messages/constants.js';
import { decodeMessages, type LinkMessage, type NetlinkMessage } from '../../messages/message.js';
import { fakeKernel } from '../helpers/fake-kernel.js';

/** A link reply named `ifname`, with an alias of `aliasBytes` bytes to make it long. */
function link(seq: number, index: number, ifname: string, aliasBytes = 0): LinkMessage {
  const attrs = aliasBytes > 0 ? { ifname, ifalias: 'a'.repeat(aliasBytes) } : { ifname };
  return { kind: 'link', type: RTM_NEWLINK, flags: 0, seq, pid: 4242, body: { family: 0, type: 0, index, flags: 0, change: 0, attrs } };
}

const nameOf = (frame: Uint8Array) => (decodeMessages(frame)[0] as LinkMessage).body.attrs.ifname;

/** Answers a lookup of `long*` with a reply over 4 KiB, and of any other name with a short one; each answer its own datagram. */
function kernel(synchronous: boolean) {
  let index = 1;
  return fakeKernel((req: NetlinkMessage) => {
    const name = (req as LinkMessage).body.attrs.ifname!;
    return req.type === RTM_GETLINK ? [link(req.seq, index++, name, name.startsWith('long') ? 5000 : 0)] : [];
  }, { synchronous });
}

describe('frames kept from answers', () => {
  it('of short datagrams share one copy, each intact after the next are read; a long one has its own', async () => {
    for (const synchronous of [true, false]) {
      const connection = new Connection(kernel(synchronous));
      const names = Array.from({ length: 30 }, (_, i) => `vk${i}`);
      const frames: Uint8Array[] = [];
      for (const name of names) frames.push((await connection.requestWritten(LINK_LOOKUP_WRITER, name))[0]!);
      expect(frames.map(nameOf)).toEqual(names);
      // 30 short replies: a few shared copies, not 30.
      const buffers = new Set(frames.map((f) => f.buffer));
      expect(buffers.size).toBeLessThanOrEqual(3);
      expect(frames.every((f) => f.byteOffset % 8 === 0)).toBe(true);
      const [long] = await connection.requestWritten(LINK_LOOKUP_WRITER, 'long0');
      expect(nameOf(long!)).toBe('long0');
      expect(long!.byteOffset).toBe(0);
      expect(buffers.has(long!.buffer)).toBe(false);
      // Made together: answered in separate datagrams, read in one pass.
      const together = await Promise.all(connection.together(() => ['vk100', 'vk101', 'vk102'].map((name) => connection.requestWritten(LINK_LOOKUP_WRITER, name))));
      expect(together.map((f) => nameOf(f[0]!))).toEqual(['vk100', 'vk101', 'vk102']);
      expect(frames.map(nameOf)).toEqual(names);
      connection.close();
    }
  });
});
