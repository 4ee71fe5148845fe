/**
 * Link.up(), down(), setPromiscuous(), addAddress() and deleteAddress() made together: the
 * connection hands the Link its table's promise (Connection.change's `rethrows` false), the
 * caller's own, resolved with the Link (RequestWriter.applied): one promise a change (addresses:
 * link-address-promise.test.ts). A failure still
 * carries the kernel's errno, code, operation and extended-ACK message, with a stack that names
 * the function awaiting it.
 */
import { describe, expect, it } from 'vitest';
import { Connection } from '../../lib/connection.js';
import { NetlinkError } from '../../lib/errors.js';
import { Link } from '../../lib/link.js';
import type { Namespace } from '../../lib/namespace.js';
import type { LinkState } from '../../lib/rtnl/links.js';
import { RTM_NEWADDR, RTM_NEWLINK } from '../../messages/constants.js';
import type { NetlinkMessage } from '../../messages/message.js';
import { promisesMade } from '../helpers/promises-made.js';
import { ack, fakeKernel } from '../helpers/fake-kernel.js';

/** EEXIST with an extended-ACK message for an address or a flag change on device 13; success otherwise. */
function kernel(options: Parameters<typeof fakeKernel>[1] = { synchronous: true, readsUntilEmpty: true }) {
  return fakeKernel(
    (req: NetlinkMessage) => {
      const index = (req.body as { index: number }).index;
      const failing = (req.type === RTM_NEWADDR || req.type === RTM_NEWLINK) && index === 13;
      return [ack(req, failing ? -17 : 0, failing ? 'already there' : undefined)];
    },
    options,
  );
}

function links(count: number, first = 1, options?: Parameters<typeof fakeKernel>[1]): { links: Link[]; connection: Connection } {
  const connection = new Connection(kernel(options));
  const ns = { rtnl: { connection } } as unknown as Namespace;
  const made = Array.from({ length: count }, (_, i) => new Link(ns, { index: first + i, name: `ve${first + i}`, up: false, flags: 0 } as unknown as LinkState));
  return { links: made, connection };
}

describe('Link changes made together', () => {
  it('resolve to their Links and update them, with one promise of their own each (the table\'s)', async () => {
    const n = 40;
    for (const kind of ['up', 'addAddress'] as const) {
      const { links: made, connection } = links(n, 20);
      const change = (link: Link, i: number) => (kind === 'up' ? link.up() : link.addAddress(`10.9.${i}.1/24`));
      // The first goes alone, the rest together; Promise.all's own promise and its reactions aside.
      const all = await promisesMade(() => Promise.all(made.map(change)).then((got) => expect(got).toEqual(made)));
      const one = await promisesMade(async () => {
        const { links: single, connection: c } = links(2, 100);
        await Promise.all(single.map(change));
        c.close();
      });
      // Each change past the first two: the table's promise and Promise.all's reaction to it (with
      // a hook enabled V8 makes that reaction's promise too).
      expect(all - one, kind).toBeLessThanOrEqual(2 * (n - 2) + 2);
      if (kind === 'up') expect(made.every((link) => link.isUp)).toBe(true);
      connection.close();
    }
  });

  it("fail with the kernel's errno, code, operation and extended-ACK message, and a stack naming the caller", async () => {
    const { links: made, connection } = links(15);
    async function concurrentCallSiteForTheTest(kind: string): Promise<unknown[]> {
      const calls = made.map((link, i) => (kind === 'up' ? link.up() : kind === 'add' ? link.addAddress(`10.8.${i}.1/24`) : link.deleteAddress(`10.8.${i}.1/24`)));
      return await Promise.all(calls.map((p) => p.then((l) => l, (e: unknown) => e)));
    }
    for (const kind of ['up', 'add', 'delete']) {
      const outcomes = await concurrentCallSiteForTheTest(kind);
      expect(outcomes.filter((o) => o instanceof Link)).toHaveLength(kind === 'delete' ? 15 : 14);
      if (kind === 'delete') continue;
      const error = outcomes[12] as NetlinkError;
      expect(error).toBeInstanceOf(NetlinkError);
      expect([error.errno, error.code]).toEqual([17, 'EEXIST']);
      expect(error.operation).toBe(kind === 'up' ? 'RTM_NEWLINK set ve13 up true' : 'RTM_NEWADDR 10.8.12.1/24 dev ve13');
      expect(error.message).toContain('already there');
      expect(error.stack).toContain('concurrentCallSiteForTheTest');
      expect(error.stack!.split('\n')[0]).toBe(`NetlinkError: ${error.message}`);
    }
    // Alone (the quick lane), as before.
    async function loneCallSiteForTheTest(): Promise<unknown> {
      return made[12]!.addAddress('10.7.0.1/24');
    }
    const lone = (await loneCallSiteForTheTest().catch((e: unknown) => e)) as NetlinkError;
    expect([lone.code, lone.operation]).toEqual(['EEXIST', 'RTM_NEWADDR 10.7.0.1/24 dev ve13']);
    expect(lone.stack).toContain('loneCallSiteForTheTest');
    connection.close();
  });

  it('resolve to their Links alone too, on a socket that answers later or sends late, and fail with the caller\'s stack', async () => {
    const sockets = [{}, { synchronous: true }, { synchronous: true, readsUntilEmpty: true, deferQuiet: true }];
    for (const options of sockets) {
      const { links: made, connection } = links(2, 12, options);
      const [link, failing] = made as [Link, Link];
      expect(await link.up(), JSON.stringify(options)).toBe(link);
      expect(link.isUp).toBe(true);
      expect(await link.setPromiscuous(true)).toBe(link);
      expect(link.isPromiscuous).toBe(true);
      async function slowSocketCallSiteForTheTest(): Promise<unknown> {
        return await failing.up();
      }
      const error = (await slowSocketCallSiteForTheTest().catch((e: unknown) => e)) as NetlinkError;
      expect([error.code, error.operation]).toEqual(['EEXIST', 'RTM_NEWLINK set ve13 up true']);
      expect(error.stack).toContain('slowSocketCallSiteForTheTest');
      expect(failing.isUp).toBe(false);
      connection.close();
    }
    // A long run of changes awaited one after another: past 256, an outcome waits for the loop to turn.
    const { links: run, connection } = links(1, 30);
    const link = run[0]!;
    let resolved = 0;
    for (let i = 0; i < 300; i++) if ((await (i % 2 === 0 ? link.up() : link.down())) === link) resolved++;
    expect([resolved, link.isUp]).toEqual([300, false]);
    connection.close();
  });
});
