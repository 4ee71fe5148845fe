import { describe, expect, it } from 'vitest';
import { Connection } from '../../lib/connection.js';
import { ROUTE_WRITERS } from '../../lib/rtnl/route-request.js';
import type { RouteSpec } from '../../lib/rtnl/routes.js';
import type { NetlinkMessage } from '../../messages/message.js';
import { ack, fakeKernel } from '../helpers/fake-kernel.js';

// Changes awaited one after another over a transport that answers within its send never wait for
// I/O: each continuation runs as a microtask. After at most 256 of them in a row (fewer when they
// take 2 ms), a change's outcome is held back until the event loop has turned, so that timers and
// I/O are not starved, whether the changes succeed or fail.

const spec = (i: number): RouteSpec => ({ dst: `10.1.${i >> 8}.${i & 255}/32`, dev: 2 });

async function immediateRanAt(answer: (req: NetlinkMessage) => NetlinkMessage[], count: number): Promise<number | undefined> {
  const kernel = fakeKernel(answer, { synchronous: true, readsUntilEmpty: true });
  const conn = new Connection(kernel);
  let ranAt: number | undefined;
  let i = 0;
  setImmediate(() => (ranAt = i));
  for (; i < count; i++) await conn.change(ROUTE_WRITERS.add, spec(i)).catch(() => undefined);
  expect(kernel.sent.length).toBe(count);
  expect(kernel.refs).toBe(0);
  conn.close();
  return ranAt;
}

describe('Connection: a long run of awaited changes lets the event loop turn', () => {
  it('when they succeed', async () => {
    const ranAt = await immediateRanAt((req) => [ack(req)], 1000);
    expect(ranAt).toBeDefined();
    expect(ranAt).toBeLessThanOrEqual(257);
  });

  it('when they fail', async () => {
    const ranAt = await immediateRanAt((req) => [ack(req, -17)], 1000);
    expect(ranAt).toBeDefined();
    expect(ranAt).toBeLessThanOrEqual(257);
  });
});
