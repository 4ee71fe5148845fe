import { describe, expect, it } from 'vitest';
import { Connection } from '../../lib/connection.js';
import { NetlinkError } from '../../lib/errors.js';
import { checkVeth, LINK_LOOKUP_WRITER, VETH_WRITER } from '../../lib/rtnl/link-request.js';
import { NLM_F_ACK, NLM_F_ECHO, RTM_GETLINK, RTM_NEWLINK } from '../../messages/constants.js';
import { decodeMessages, type LinkMessage, type NetlinkMessage } from '../../messages/message.js';
import { ack, fakeKernel } from '../helpers/fake-kernel.js';

// A veth creation asking for its echo, with its peer's lookup right behind it in the same datagram
// (Connection.together, as VethPair.create sends them): the lookup's answer settles the creation,
// which goes without NLM_F_ACK. And creations made together in bulk: the first ones go to the
// kernel before the caller's tick ends (SendQueue's EARLY_SLOW).

function link(seq: number, index: number, ifname: string): LinkMessage {
  return { kind: 'link', type: RTM_NEWLINK, flags: 0, seq, pid: 4242, body: { family: 0, type: 0, index, flags: 0, change: 0, attrs: { ifname } } };
}

const nameOf = (m: NetlinkMessage) => (m as LinkMessage).body.attrs.ifname;

/**
 * A kernel that creates what it is asked to (EEXIST for `taken`), echoes a creation that asks for it
 * (unless `echoes` is false: a kernel before NLM_F_ECHO for links), answers a lookup of an existing
 * name with the link and of another with ENODEV, and ACKs only what asks for an ACK.
 */
function linkKernel(options: { taken?: string[]; echoes?: boolean; synchronous?: boolean } = {}) {
  const names = new Set(options.taken ?? []);
  let index = 10;
  return fakeKernel(
    (req) => {
      if (req.type === RTM_GETLINK) {
        const name = nameOf(req)!;
        return names.has(name) ? [link(req.seq, 99, name)] : [ack(req, -19)];
      }
      const veth = req as LinkMessage;
      const name = veth.body.attrs.ifname!;
      if (names.has(name)) return [ack(req, -17)];
      names.add(name);
      const data = veth.body.attrs.linkinfo?.data;
      const peer = data !== undefined && !(data instanceof Uint8Array) && 'peer' in data ? data.peer?.attrs.ifname : undefined;
      if (peer !== undefined) names.add(peer);
      const out: NetlinkMessage[] = [];
      if (req.flags & NLM_F_ECHO && options.echoes !== false) out.push(link(req.seq, index++, name));
      if (req.flags & NLM_F_ACK) out.push(ack(req));
      return out;
    },
    { synchronous: options.synchronous ?? true },
  );
}

function pair(conn: Connection, name: string, peer: string) {
  const request = checkVeth(name, {}, { name: peer });
  request.echo = true;
  return conn.together(() => [conn.requestWritten(VETH_WRITER, request), conn.requestWritten(LINK_LOOKUP_WRITER, peer)] as const);
}

describe('a creation asking for its echo, with a lookup behind it in its datagram', () => {
  it('goes in one datagram without NLM_F_ACK, and the lookup answer settles it with its echo', async () => {
    const kernel = linkKernel();
    const conn = new Connection(kernel, { receiveBufferBytes: 4 << 20 });
    const [created, peer] = pair(conn, 'va0', 'vb0');
    const [echo] = await created;
    const [found] = await peer;
    expect(kernel.sent).toHaveLength(1);
    const [newlink, getlink] = decodeMessages(kernel.sent[0]!);
    expect(newlink!.flags & (NLM_F_ACK | NLM_F_ECHO)).toBe(NLM_F_ECHO);
    expect(getlink!.type).toBe(RTM_GETLINK);
    expect(nameOf(decodeMessages(echo!)[0]!)).toBe('va0');
    expect(nameOf(decodeMessages(found!)[0]!)).toBe('vb0');
    expect(kernel.refs).toBe(0);
    conn.close();
  });

  it('fails with the kernel error when the creation fails; the lookup still gets its own answer', async () => {
    const kernel = linkKernel({ taken: ['va0', 'vb0'] });
    const conn = new Connection(kernel, { receiveBufferBytes: 4 << 20 });
    const [created, peer] = pair(conn, 'va0', 'vb0');
    const error = (await created.catch((e: unknown) => e)) as NetlinkError;
    expect(error).toBeInstanceOf(NetlinkError);
    expect(error.code).toBe('EEXIST');
    expect(error.message).toContain('RTM_NEWLINK va0 type veth peer vb0');
    expect(nameOf(decodeMessages((await peer)[0]!)[0]!)).toBe('vb0');
    conn.close();
  });

  it('is settled with no echo by a kernel that does not echo links (the caller then looks it up)', async () => {
    const kernel = linkKernel({ echoes: false });
    const conn = new Connection(kernel, { receiveBufferBytes: 4 << 20 });
    const [created, peer] = pair(conn, 'va0', 'vb0');
    expect(await created).toEqual([]);
    expect(await peer).toHaveLength(1);
    conn.close();
  });

  it('keeps its ACK when nothing answered always follows it in the datagram', async () => {
    const kernel = linkKernel();
    const conn = new Connection(kernel, { receiveBufferBytes: 4 << 20 });
    const request = checkVeth('va0', {}, { name: 'vb0' });
    request.echo = true;
    const [echo] = await conn.together(() => conn.requestWritten(VETH_WRITER, request));
    expect(nameOf(decodeMessages(echo!)[0]!)).toBe('va0');
    expect(decodeMessages(kernel.sent[0]!)[0]!.flags & NLM_F_ACK).toBe(NLM_F_ACK);
    conn.close();
  });

  it('settles each creation of many made together by its own lookup, and fails only the one refused', async () => {
    const kernel = linkKernel({ taken: ['va3'], synchronous: false });
    const conn = new Connection(kernel, { receiveBufferBytes: 4 << 20 });
    const made = Array.from({ length: 8 }, (_, i) => pair(conn, `va${i}`, `vb${i}`));
    const code = (e: NetlinkError) => e.code;
    const lookups = made.map(([, peer]) => peer.then(() => 'found', code));
    const outcomes = await Promise.all(made.map(([created]) => created.then((frames) => nameOf(decodeMessages(frames[0]!)[0]!), code)));
    expect(outcomes).toEqual(['va0', 'va1', 'va2', 'EEXIST', 'va4', 'va5', 'va6', 'va7']);
    expect(await Promise.all(lookups)).toEqual(['found', 'found', 'found', 'ENODEV', 'found', 'found', 'found', 'found']);
    expect(kernel.sent).toHaveLength(1);
    // Every creation but the last of its datagram went without NLM_F_ACK.
    const creations = kernel.requests.filter((r) => r.type === RTM_NEWLINK);
    expect(creations.every((r) => (r.flags & NLM_F_ACK) === 0)).toBe(true);
    conn.close();
  });
});

describe('creations made together in bulk', () => {
  /** 47 pairs made in this tick, on a kernel that answers after it: nothing is sent yet. */
  function fortySeven() {
    const kernel = linkKernel({ synchronous: false });
    const conn = new Connection(kernel, { receiveBufferBytes: 4 << 20 });
    const made: Array<Promise<unknown>> = [];
    for (let i = 0; i < 47; i++) made.push(...pair(conn, `va${i}`, `vb${i}`));
    expect(kernel.sent).toHaveLength(0);
    return { kernel, conn, made };
  }

  it('sends the first of them off-thread before the tick that makes them ends', async () => {
    const { kernel, conn, made } = fortySeven();
    made.push(...pair(conn, 'va47', 'vb47'));
    // The 48th creation sends the 48 queued pairs at once, in one datagram, from a worker thread.
    expect(kernel.sent).toHaveLength(1);
    expect(kernel.sendOptions).toEqual([{ slow: true }]);
    expect(kernel.requests).toHaveLength(96);
    for (let i = 48; i < 60; i++) made.push(...pair(conn, `va${i}`, `vb${i}`));
    expect(kernel.sent).toHaveLength(1);
    await Promise.all(made);
    expect(kernel.requests).toHaveLength(120);
    conn.close();
  });

  it('leaves fewer creations to the end of the tick, as before', async () => {
    const { kernel, conn, made } = fortySeven();
    await Promise.all(made);
    expect(kernel.sent).toHaveLength(1);
    conn.close();
  });
});
