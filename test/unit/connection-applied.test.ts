import { describe, expect, it } from 'vitest';
import { Connection } from '../../lib/connection.js';
import { APPLIED } from '../../lib/request-path.js';
import { FLAGS_WRITER, linkFlagChange, LINK_UP } from '../../lib/rtnl/changes.js';
import type { NetlinkMessage } from '../../messages/message.js';
import { ack, fakeKernel } from '../helpers/fake-kernel.js';

// Connection.change returns APPLIED itself exactly when the change was applied within the call:
// Link.up() and addAddress() then update and resolve without waiting (lib/link.ts).

const answer = (req: NetlinkMessage): NetlinkMessage[] => [ack(req, (req.body as { index: number }).index === 13 ? -19 : 0)];

describe('Connection.change: APPLIED', () => {
  it('is what a change applied within the call returns, on the quick lane and the general path', async () => {
    const conn = new Connection(fakeKernel(answer, { synchronous: true, readsUntilEmpty: true }));
    const first = conn.change(FLAGS_WRITER, linkFlagChange(3, LINK_UP));
    expect(first).toBe(APPLIED);
    // Awaited first: a change made in the same microtask would be queued with it (SendQueue's burst).
    await first;
    // Not plain: the general path, settled by its ACK read within the send.
    const general = { operation: FLAGS_WRITER.operation, write: FLAGS_WRITER.write, describe: FLAGS_WRITER.describe };
    expect(conn.change(general, linkFlagChange(4, LINK_UP))).toBe(APPLIED);
    conn.close();
  });

  it('is not what a failed change, or one still waiting for its answer, returns', async () => {
    const sync = new Connection(fakeKernel(answer, { synchronous: true, readsUntilEmpty: true }));
    const failed = sync.change(FLAGS_WRITER, linkFlagChange(13, LINK_UP));
    expect(failed).not.toBe(APPLIED);
    await expect(failed).rejects.toThrow();
    sync.close();
    const later = new Connection(fakeKernel(answer));
    const waiting = later.change(FLAGS_WRITER, linkFlagChange(3, LINK_UP));
    expect(waiting).not.toBe(APPLIED);
    await waiting;
    later.close();
  });
});
