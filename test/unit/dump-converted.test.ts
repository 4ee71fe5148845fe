import { describe, expect, it } from 'vitest';
import { Connection } from '../../lib/connection.js';
import { DumpInterruptedError } from '../../lib/errors.js';
import { toRoute } from '../../lib/rtnl/routes.js';
import { NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_MULTI, RTM_GETNSID, RTM_NEWNSID } from '../../messages/constants.js';
import type { NetlinkMessage, NsidMessage } from '../../messages/message.js';
import { decodeMessages } from '../../messages/message.js';
import { done, fakeKernel } from '../helpers/fake-kernel.js';
import { fixtureBytes } from '../helpers/fixtures.js';

function dumpNsids(): NsidMessage {
  return { kind: 'nsid', type: RTM_GETNSID, flags: NLM_F_DUMP, seq: 0, pid: 0, body: { family: 0, attrs: {} } };
}

function reply(request: NetlinkMessage, nsid: number, flags = NLM_F_MULTI): NsidMessage {
  return { kind: 'nsid', type: RTM_NEWNSID, flags, seq: request.seq, pid: 4242, body: { family: 0, attrs: { nsid } } };
}

const nsidOf = (m: NetlinkMessage): number | undefined => (m.kind === 'nsid' && m.body.attrs.nsid !== 3 ? m.body.attrs.nsid : undefined);

describe('Connection.dumpConverted', () => {
  it('converts each message as its datagram is read, keeping what the conversion returns', async () => {
    const held: NetlinkMessage[] = [];
    const kernel = fakeKernel((req) => void held.push(req));
    const conn = new Connection(kernel);
    const seen: number[] = [];
    const result = conn.dumpConverted(dumpNsids(), (m) => {
      seen.push((m as NsidMessage).body.attrs.nsid ?? -1);
      return nsidOf(m);
    });
    await new Promise((resolve) => setImmediate(resolve));
    const req = held[0]!;
    kernel.deliver([reply(req, 1), reply(req, 2)]);
    // Converted before the dump is over: the messages are not kept to its end.
    expect(seen).toEqual([1, 2]);
    kernel.deliver([reply(req, 3)]);
    kernel.deliver([reply(req, 4)]);
    expect(seen).toEqual([1, 2, 3, 4]);
    kernel.deliver([done(req)]);
    await expect(result).resolves.toEqual([1, 2, 4]);
    conn.close();
  });

  it('restarts an interrupted dump, and its result is the clean attempt converted', async () => {
    let attempt = 0;
    const kernel = fakeKernel((req) => {
      attempt++;
      return attempt === 1 ? [[reply(req, 1, NLM_F_MULTI | NLM_F_DUMP_INTR)], [done(req)]] : [[reply(req, 5), reply(req, 6)], [done(req)]];
    });
    const conn = new Connection(kernel);
    await expect(conn.dumpConverted(dumpNsids(), nsidOf)).resolves.toEqual([5, 6]);
    expect(attempt).toBe(2);
    conn.close();
  });

  it('gives up on a dump that stays interrupted with the messages as partial, as dump() does', async () => {
    const kernel = fakeKernel((req) => [[reply(req, 1, NLM_F_MULTI | NLM_F_DUMP_INTR), reply(req, 2, NLM_F_MULTI | NLM_F_DUMP_INTR)], [done(req)]]);
    const conn = new Connection(kernel, { dumpRetries: 1 });
    const error = await conn.dumpConverted(dumpNsids(), nsidOf).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DumpInterruptedError);
    const partial = (error as DumpInterruptedError).partial;
    expect(partial.map((m) => m.kind)).toEqual(['nsid', 'nsid']);
    expect(partial.map((m) => (m as NsidMessage).body.attrs.nsid)).toEqual([1, 2]);
    conn.close();
  });

  it('with no retry left the one attempt keeps messages and converts them at its end', async () => {
    const kernel = fakeKernel((req) => [[reply(req, 7), reply(req, 3)], [done(req)]]);
    const conn = new Connection(kernel, { dumpRetries: 0 });
    await expect(conn.dumpConverted(dumpNsids(), nsidOf)).resolves.toEqual([7]);
    conn.close();
  });
});

describe('toRoute', () => {
  it('makes plain objects: Object.prototype, and the keys in the order the fields are set', () => {
    for (const m of decodeMessages(fixtureBytes('codec-route-dump-all'))) {
      if (m.kind !== 'route') continue;
      const route = toRoute(m.body);
      expect(Object.getPrototypeOf(route)).toBe(Object.prototype);
      expect(route.constructor).toBe(Object);
      expect(Object.keys(route).slice(0, 8)).toEqual(['family', 'dst', 'dstLen', 'table', 'protocol', 'scope', 'type', 'raw']);
      expect(route).toStrictEqual({ ...route });
    }
  });
});
