/**
 * VethPair.create's usual pair (one namespace, nothing to change after): the creation, asking for
 * its echo, and the peer's lookup go in one datagram, and the lookup's answer settles both. The
 * creation has no promise of its own (Connection.requestKept), and the lookup's resolves with the
 * pair, made as its answer is read (RequestWriter.applied) from the creation's outcome, read off
 * its request: one promise a pair.
 */
import { describe, expect, it } from 'vitest';
import { Connection } from '../../lib/connection.js';
import { NetlinkError } from '../../lib/errors.js';
import type { Namespace } from '../../lib/namespace.js';
import { Rtnl } from '../../lib/rtnl/client.js';
import type { RequestWriter } from '../../lib/message-codec.js';
import { NO_OPTIONS } from '../../lib/request-path.js';
import { checkVeth, LINK_LOOKUP_WRITER, VETH_WRITER } from '../../lib/rtnl/link-request.js';
import { VethPair } from '../../lib/veth.js';
import { NLM_F_ACK, NLM_F_ECHO, RTM_GETLINK, RTM_NEWLINK } from '../../messages/constants.js';
import { decodeMessages, type LinkMessage, type NetlinkMessage } from '../../messages/message.js';
import { debugRecorder } from '../helpers/debug-records.js';
import { ack, fakeKernel } from '../helpers/fake-kernel.js';
import { promisesMade } from '../helpers/promises-made.js';

function link(seq: number, index: number, ifname: string): LinkMessage {
  return { kind: 'link', type: RTM_NEWLINK, flags: 0, seq, pid: 4242, body: { family: 0, type: 0, index, flags: 0, change: 0, attrs: { ifname } } };
}

const nameOf = (m: NetlinkMessage) => (m as LinkMessage).body.attrs.ifname;

/**
 * A kernel that creates what it is asked to (EEXIST for a name in `taken`), echoes a creation that
 * asks for it (unless `echoes` is false), answers a lookup of an existing name with the link and of
 * another with ENODEV (every lookup with ENODEV when `lookupsFail`), and ACKs what asks for an ACK.
 */
function linkKernel(options: { taken?: string[]; echoes?: boolean; lookupsFail?: boolean; synchronous?: boolean } = {}) {
  const names = new Map<string, number>((options.taken ?? []).map((name, i) => [name, 200 + i]));
  let index = 10;
  return fakeKernel(
    (req) => {
      const name = nameOf(req)!;
      if (req.type === RTM_GETLINK) return names.has(name) && options.lookupsFail !== true ? [link(req.seq, names.get(name)!, name)] : [ack(req, -19)];
      if (names.has(name)) return [ack(req, -17, 'File exists')];
      const veth = req as LinkMessage;
      names.set(name, index++);
      const data = veth.body.attrs.linkinfo?.data;
      const peer = data !== undefined && !(data instanceof Uint8Array) && 'peer' in data ? data.peer?.attrs.ifname : undefined;
      if (peer !== undefined) names.set(peer, index++);
      const out: NetlinkMessage[] = [];
      if (req.flags & NLM_F_ECHO && options.echoes !== false) out.push(link(req.seq, names.get(name)!, name));
      if (req.flags & NLM_F_ACK) out.push(ack(req));
      return out;
    },
    { synchronous: options.synchronous ?? false },
  );
}

/** A namespace handle over `connection` (what VethPair.create reads of one: its fd, its Rtnl). */
function namespaceOver(connection: Connection): Namespace {
  return { fd: 3, inode: 1, rtnl: new Rtnl(connection) } as unknown as Namespace;
}

describe('the usual veth pair', () => {
  it('is made with one promise: the lookup\'s, resolved with the pair; the creation has none', async () => {
    const n = 30;
    const made = async (count: number) => {
      const connection = new Connection(linkKernel());
      const ns = namespaceOver(connection);
      const made = await promisesMade(() => Promise.all(Array.from({ length: count }, (_, i) => VethPair.create({ name: `va${i}`, namespace: ns, peer: { name: `vb${i}` } }))));
      connection.close();
      return made;
    };
    const per = ((await made(n + 2)) - (await made(2))) / n;
    // Each pair: the lookup's promise (the table's, the pair's own), Promise.all's reaction, and a
    // fraction of Promise.all's own. An async reader awaiting the lookup made two more (its own
    // and its await's, with a hook enabled), and the creation's promise and await two more again.
    expect(per).toBeLessThan(3);
  });

  it('gives the end read from the echo and the peer from the lookup, both from one datagram', async () => {
    for (const synchronous of [false, true]) {
      const kernel = linkKernel({ synchronous });
      const connection = new Connection(kernel);
      const ns = namespaceOver(connection);
      const pairs = await Promise.all([0, 1, 2].map((i) => VethPair.create({ name: `va${i}`, namespace: ns, peer: { name: `vb${i}` } })));
      expect(pairs.map((p) => [p.link.name, p.link.index, p.peer.name, p.peer.index])).toEqual([
        ['va0', 10, 'vb0', 11],
        ['va1', 12, 'vb1', 13],
        ['va2', 14, 'vb2', 15],
      ]);
      const alone = await VethPair.create({ name: 'va9', namespace: ns, peer: { name: 'vb9' } });
      expect([alone.link.name, alone.link.index, alone.peer.index]).toEqual(['va9', 16, 17]);
      // No lookup of the created end: its echo came.
      expect(kernel.requests.filter((r) => r.type === RTM_GETLINK).map(nameOf)).toEqual(['vb0', 'vb1', 'vb2', 'vb9']);
      expect(kernel.refs).toBe(0);
      connection.close();
    }
  });

  it("fails with the creation's error when it fails, though the lookup finds the peer, with the caller's stack", async () => {
    const connection = new Connection(linkKernel({ taken: ['va1', 'vb1'] }));
    const ns = namespaceOver(connection);
    async function usualPairCallSiteForTheTest(): Promise<unknown[]> {
      const made = [0, 1, 2].map((i) => VethPair.create({ name: `va${i}`, namespace: ns, peer: { name: `vb${i}` } }));
      return await Promise.all(made.map((p) => p.then((pair) => pair.link.name, (e: unknown) => e)));
    }
    const outcomes = await usualPairCallSiteForTheTest();
    expect(outcomes[0]).toBe('va0');
    expect(outcomes[2]).toBe('va2');
    const error = outcomes[1] as NetlinkError;
    expect(error).toBeInstanceOf(NetlinkError);
    expect([error.code, error.operation]).toEqual(['EEXIST', 'RTM_NEWLINK va1 type veth peer vb1']);
    expect(error.message).toContain('File exists');
    expect(error.stack).toContain('usualPairCallSiteForTheTest');
    connection.close();
  });

  it("fails with the lookup's error when only the lookup fails", async () => {
    const connection = new Connection(linkKernel({ lookupsFail: true }));
    const ns = namespaceOver(connection);
    const error = (await VethPair.create({ name: 'va0', namespace: ns, peer: { name: 'vb0' } }).catch((e: unknown) => e)) as NetlinkError;
    expect([error.code, error.operation]).toEqual(['ENODEV', 'RTM_GETLINK vb0']);
    connection.close();
  });

  it('reads the created end back from a kernel that does not echo links', async () => {
    const kernel = linkKernel({ echoes: false });
    const connection = new Connection(kernel);
    const ns = namespaceOver(connection);
    const pair = await VethPair.create({ name: 'va0', namespace: ns, peer: { name: 'vb0' } });
    expect([pair.link.name, pair.link.index, pair.peer.name, pair.peer.index]).toEqual(['va0', 10, 'vb0', 11]);
    expect(kernel.requests.filter((r) => r.type === RTM_GETLINK).map(nameOf)).toEqual(['vb0', 'va0']);
    connection.close();
  });

  it('logs the creation at debug once it settled, applied or refused', async () => {
    const { logger, records } = debugRecorder();
    const connection = new Connection(linkKernel({ taken: ['va1'] }), { logger });
    const ns = namespaceOver(connection);
    await Promise.all([0, 1].map((i) => VethPair.create({ name: `va${i}`, namespace: ns, peer: { name: `vb${i}` } }).catch(() => undefined)));
    const adds = records.filter((r) => r.op === 'link.add');
    expect(adds.map((r) => [r.dev, r.code, typeof r.ms])).toEqual([
      ['va0', undefined, 'number'],
      ['va1', 'EEXIST', 'number'],
    ]);
    connection.close();
  });
});

describe('Connection.requestKept', () => {
  it("leaves the request's outcome on it, and keptOutcome() gives one still waiting a promise", async () => {
    const kernel = linkKernel();
    const connection = new Connection(kernel);
    const request = checkVeth('va0', {}, { name: 'vb0' });
    request.echo = true;
    const kept = connection.together(() => connection.requestKept(VETH_WRITER, request));
    // An asynchronous kernel: still waiting.
    const echoed = await connection.keptOutcome(kept);
    expect(nameOf(decodeMessages(echoed[0]!)[0]!)).toBe('va0');
    // A synchronous one, and one that refuses: settled when the lookup behind it settles.
    for (const taken of [[], ['va0']]) {
      const sync = new Connection(linkKernel({ synchronous: true, taken }));
      const second = checkVeth('va0', {}, { name: 'vb0' });
      second.echo = true;
      const settled = sync.together(() => sync.requestKept(VETH_WRITER, second));
      await new Promise((resolve) => setImmediate(resolve));
      if (taken.length === 0) expect(nameOf(decodeMessages(settled.replies![0] as Uint8Array)[0]!)).toBe('va0');
      else expect((settled.error as NetlinkError).code).toBe('EEXIST');
      sync.close();
    }
    connection.close();
  });
});

describe('Connection.requestWritten with a writer that has applied()', () => {
  /** A lookup whose promise resolves with the name found (applied), and fails with a refusal of its own. */
  const LOOKUP: RequestWriter<string> = {
    operation: 'RTM_GETLINK',
    write: (w, name) => LINK_LOOKUP_WRITER.write(w, name),
    applied: (name, replies) => `${name} found in ${replies?.length} reply`,
    refused: (name, error) => new Error(`no ${name}: ${(error as NetlinkError).code}`),
  };

  it('resolves with what applied() makes, and fails with what refused() makes, alone or waiting', async () => {
    for (const synchronous of [true, false]) {
      const connection = new Connection(linkKernel({ synchronous, taken: ['vz0'] }));
      async function appliedCallSiteForTheTest(name: string): Promise<unknown> {
        return await connection.requestWritten(LOOKUP, name, NO_OPTIONS, false);
      }
      expect(await appliedCallSiteForTheTest('vz0')).toBe('vz0 found in 1 reply');
      const error = (await appliedCallSiteForTheTest('vz1').catch((e: unknown) => e)) as Error;
      expect(error.message).toBe('no vz1: ENODEV');
      if (!synchronous) expect(error.stack).toContain('appliedCallSiteForTheTest');
      // Made together with others: it waits for its answer.
      const [found, missing] = connection.together(() => [connection.requestWritten(LOOKUP, 'vz0', NO_OPTIONS, false), connection.requestWritten(LOOKUP, 'vz2', NO_OPTIONS, false)]);
      expect(await found).toBe('vz0 found in 1 reply');
      expect(((await missing!.catch((e: unknown) => e)) as Error).message).toBe('no vz2: ENODEV');
      // With `rethrows` (the default), applied() is not used: the replies come as they are.
      expect(await connection.requestWritten(LOOKUP, 'vz0')).toHaveLength(1);
      connection.close();
    }
  });
});
