import { describe, expect, it } from 'vitest';
import { Connection } from '../../lib/connection.js';
import type { RequestWriter } from '../../lib/message-codec.js';
import { ADDRESS_WRITER } from '../../lib/rtnl/address-request.js';
import { addressOnIndex, FLAGS_WRITER, linkFlagChange, LINK_UP } from '../../lib/rtnl/changes.js';
import { NLM_F_ACK, RTM_NEWADDR } from '../../messages/constants.js';
import type { NetlinkMessage } from '../../messages/message.js';
import { ack, fakeKernel } from '../helpers/fake-kernel.js';

// A send that waits (a promise) may still have been made, and answered, before it returned: the
// request socket retries a refused send at once (EINTR, or EAGAIN/ENOBUFS that have passed) and
// reads its answers within that retry. The change is then settled already when the path learns
// that its send "waits": it must resolve (or reject) with that outcome, not wait for an answer
// that was read already.

const answer = (req: NetlinkMessage): NetlinkMessage[] => [ack(req, req.type === RTM_NEWADDR && (req.body as { index: number }).index === 13 ? -17 : 0)];

/** The fake kernel, its sends answered within the call (with NLM_F_ACK set again, as a deferred send's copy is) yet returning a promise. */
function retriedAtOnce() {
  const kernel = fakeKernel(answer, { synchronous: true, readsUntilEmpty: true });
  const send = kernel.send.bind(kernel);
  kernel.send = (datagram, options) => {
    if (options?.quiet !== true) return send(datagram, options);
    const copy = datagram.slice();
    copy[6]! |= NLM_F_ACK;
    send(copy);
    return Promise.resolve();
  };
  return kernel;
}

/** The same writer without `plain`: its changes take the general path. */
function general<T>(writer: RequestWriter<T>): RequestWriter<T> {
  return { operation: writer.operation, write: (w, s) => writer.write(w, s), describe: (s) => writer.describe!(s) };
}

describe('RequestPath: a change whose send waits but was answered before it returned', () => {
  for (const [lane, plain] of [['the quick lane', true], ['the general path', false]] as const) {
    it(`settles with the answer read (${lane})`, async () => {
      const kernel = retriedAtOnce();
      const conn = new Connection(kernel);
      const flags = plain ? FLAGS_WRITER : general(FLAGS_WRITER);
      const address = plain ? ADDRESS_WRITER : general(ADDRESS_WRITER);
      // Before, each of these waited for an answer already read: the test timed out.
      await conn.change(flags, linkFlagChange(1, LINK_UP));
      await expect(conn.change(address, addressOnIndex('add', 13, '10.0.0.1/24'))).rejects.toThrow('EEXIST');
      await conn.change(flags, linkFlagChange(2, LINK_UP));
      expect(kernel.sent.length).toBe(3);
      expect([kernel.refs]).toEqual([0]);
      conn.close();
    });
  }
});
