/**
 * Link.addAddress() and deleteAddress(): the connection's own promise is the caller's, resolved
 * with the Link (the address writers' applied()), on every lane a change can take: alone and
 * answered within the send, alone and answered later, in a burst, queued behind another request,
 * and sent after a long run of microtasks (its outcome after the loop turns). A failure carries the
 * kernel's errno and message, with a stack naming the function awaiting it. A logging namespace
 * still resolves with the Link.
 */
import { describe, expect, it } from 'vitest';
import { Connection } from '../../lib/connection.js';
import { NetlinkError } from '../../lib/errors.js';
import { Link } from '../../lib/link.js';
import type { Logger } from '../../lib/log.js';
import type { Namespace } from '../../lib/namespace.js';
import type { LinkState } from '../../lib/rtnl/links.js';
import { RTM_DELADDR, RTM_GETLINK, RTM_NEWADDR } from '../../messages/constants.js';
import type { NetlinkMessage } from '../../messages/message.js';
import { promisesMade } from '../helpers/promises-made.js';
import { ack, done, fakeKernel } from '../helpers/fake-kernel.js';

type SocketOptions = Parameters<typeof fakeKernel>[1];

/** EEXIST with an extended-ACK message for an address change on device 13; an empty dump for RTM_GETLINK; success otherwise. */
function kernel(options: SocketOptions) {
  return fakeKernel((req: NetlinkMessage) => {
    if (req.type === RTM_GETLINK) return [done(req)];
    const index = (req.body as { index: number }).index;
    const failing = (req.type === RTM_NEWADDR || req.type === RTM_DELADDR) && index === 13;
    return [ack(req, failing ? -17 : 0, failing ? 'already there' : undefined)];
  }, options);
}

/**
 * Links `first`.. on one connection. `plain`: the namespace holds it as its unlogged connection
 * (Link.addAddress's own plain path); else only through `rtnl` (changeAddress's).
 */
function links(count: number, first: number, options: SocketOptions, plain: boolean, logger?: Logger): { links: Link[]; connection: Connection } {
  const connection = new Connection(kernel(options), logger === undefined ? {} : { logger });
  const ns = (plain ? { rtnl: { connection }, unloggedConnection: connection } : { rtnl: { connection } }) as unknown as Namespace;
  const made = Array.from({ length: count }, (_, i) => new Link(ns, { index: first + i, name: `ve${first + i}`, up: false, flags: 0 } as unknown as LinkState));
  return { links: made, connection };
}

const SOCKETS: SocketOptions[] = [{}, { synchronous: true }, { synchronous: true, readsUntilEmpty: true }, { synchronous: true, readsUntilEmpty: true, deferQuiet: true }];
const CHANGES = [
  ['add', (link: Link, i: number) => link.addAddress(`10.9.${i}.1/24`)],
  ['add IPv6', (link: Link, i: number) => link.addAddress(`fd00::${i + 1}/64`)],
  ['add with options', (link: Link, i: number) => link.addAddress(`10.9.${i}.1/24`, { noDad: true })],
  ['delete', (link: Link, i: number) => link.deleteAddress(`10.9.${i}.1/24`)],
] as const;

describe('Link address changes', () => {
  it("made together make one promise each of their own (the table's) and resolve to their Links", async () => {
    const n = 40;
    for (const plain of [true, false]) {
      for (const [kind, change] of CHANGES) {
        const { links: made, connection } = links(n, 20, { synchronous: true, readsUntilEmpty: true }, plain);
        const all = await promisesMade(() => Promise.all(made.map(change)).then((got) => expect(got).toEqual(made)));
        const two = await promisesMade(async () => {
          const { links: single, connection: c } = links(2, 100, { synchronous: true, readsUntilEmpty: true }, plain);
          await Promise.all(single.map(change));
          c.close();
        });
        // Each change past the first two: the table's promise and Promise.all's reaction to it
        // (with a hook enabled V8 makes that reaction's promise too). A reaction of the Link's own
        // would be a third.
        expect(all - two, `${kind}, plain ${plain}`).toBeLessThanOrEqual(2 * (n - 2) + 2);
        connection.close();
      }
    }
  });

  it('resolve to the Link, or fail with the errno and the caller\'s stack, alone, together and beside a dump, on every socket', async () => {
    for (const options of SOCKETS) {
      for (const plain of [true, false]) {
        for (const [kind, change] of CHANGES) {
          const label = `${kind}, plain ${plain}, ${JSON.stringify(options)}`;
          const { links: made, connection } = links(15, 1, options, plain);
          async function addressCallSiteForTheTest(i: number): Promise<unknown> {
            return await change(made[i]!, i);
          }
          // Alone, one at a time.
          expect(await addressCallSiteForTheTest(0), label).toBe(made[0]);
          const lone = (await addressCallSiteForTheTest(12).catch((e: unknown) => e)) as NetlinkError;
          expect(lone, label).toBeInstanceOf(NetlinkError);
          expect([lone.errno, lone.code], label).toEqual([17, 'EEXIST']);
          expect(lone.message).toContain('already there');
          expect(lone.stack, label).toContain('addressCallSiteForTheTest');
          // Together (the burst lane).
          const together = await Promise.all(made.map((_, i) => addressCallSiteForTheTest(i).catch((e: unknown) => e)));
          expect(together.filter((o) => o instanceof Link), label).toEqual(made.filter((_, i) => i !== 12));
          expect((together[12] as NetlinkError).stack, label).toContain('addressCallSiteForTheTest');
          // Made while a dump waits for its answer.
          const dump = connection.dump({ kind: 'link', type: RTM_GETLINK, flags: 0, seq: 0, pid: 0, body: { family: 0, type: 0, index: 0, flags: 0, change: 0, attrs: {} } } as NetlinkMessage);
          const queued = await Promise.all([addressCallSiteForTheTest(3), addressCallSiteForTheTest(12).catch((e: unknown) => e)]);
          await dump;
          expect(queued[0], label).toBe(made[3]);
          expect((queued[1] as NetlinkError).code, label).toBe('EEXIST');
          expect((queued[1] as NetlinkError).stack, label).toContain('addressCallSiteForTheTest');
          connection.close();
        }
      }
    }
  });

  it('resolve to the Link, or fail with the caller\'s stack, when answered after a send that reads within itself returned (the queued path\'s wait)', async () => {
    for (const plain of [true, false]) {
      for (const [kind, change] of CHANGES) {
        const label = `${kind}, plain ${plain}`;
        // Device 14's requests are answered only when the test says so: 13 fails, the rest succeed.
        const held: NetlinkMessage[] = [];
        const transport = fakeKernel((req: NetlinkMessage) => {
          const index = (req.body as { index: number }).index;
          if (index === 14 || index === 13) {
            held.push(req);
            return [];
          }
          return [ack(req)];
        }, { synchronous: true });
        const connection = new Connection(transport);
        const ns = (plain ? { rtnl: { connection }, unloggedConnection: connection } : { rtnl: { connection } }) as unknown as Namespace;
        const [failing, link] = [13, 14].map((index) => new Link(ns, { index, name: `ve${index}`, up: false, flags: 0 } as unknown as LinkState)) as [Link, Link];
        async function heldCallSiteForTheTest(target: Link): Promise<unknown> {
          return await change(target, 0);
        }
        const waiting = heldCallSiteForTheTest(link);
        await new Promise((resolve) => setImmediate(resolve));
        expect(held, label).toHaveLength(1);
        transport.deliver([ack(held.shift()!)]);
        expect(await waiting, label).toBe(link);
        const failed = heldCallSiteForTheTest(failing).catch((e: unknown) => e);
        await new Promise((resolve) => setImmediate(resolve));
        transport.deliver([ack(held.shift()!, -17, 'already there')]);
        const error = (await failed) as NetlinkError;
        expect([error.code, error.message], label).toEqual(['EEXIST', expect.stringContaining('already there')]);
        expect(error.stack, label).toContain('heldCallSiteForTheTest');
        connection.close();
      }
    }
  });

  it('resolve to the Link across a long run awaited one after another (past 256, the outcome waits for the loop to turn)', async () => {
    for (const options of SOCKETS) {
      for (const plain of [true, false]) {
        const { links: run, connection } = links(1, 30, options, plain);
        const link = run[0]!;
        let resolved = 0;
        for (let i = 0; i < 300; i++) {
          const got = await (i % 2 === 0 ? link.addAddress(`10.1.${i >> 8}.${i & 0xff}/16`) : link.deleteAddress(`10.1.${i >> 8}.${(i - 1) & 0xff}/16`));
          if (got === link) resolved++;
        }
        expect(resolved, `${JSON.stringify(options)}, plain ${plain}`).toBe(300);
        connection.close();
      }
    }
  });

  it('resolve to the Link on a logging connection too (its reaction), the change logged', async () => {
    const logged: unknown[] = [];
    const logger: Logger = { trace: () => {}, debug: (...args: unknown[]) => logged.push(args), info: () => {}, warn: () => {}, error: () => {}, isLevelEnabled: () => true, child: () => logger };
    const { links: made, connection } = links(15, 1, { synchronous: true, readsUntilEmpty: true }, false, logger);
    expect(await made[0]!.addAddress('10.0.0.1/24')).toBe(made[0]);
    expect(await made[1]!.deleteAddress('10.0.0.1/24')).toBe(made[1]);
    const error = (await made[12]!.addAddress('10.0.0.1/24').catch((e: unknown) => e)) as NetlinkError;
    expect(error.code).toBe('EEXIST');
    expect(logged.length).toBeGreaterThan(0);
    connection.close();
  });
});
